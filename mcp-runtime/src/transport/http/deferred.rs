//! The outbound queue of one POST: made only when the call sends its first message. Most
//! requests send none and are answered with plain JSON, so they need no queue; one that
//! sends something is answered with an SSE stream instead.

use crate::protocol::Message;
use crate::server::{Sink, SinkFuture};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::{Notify, mpsc};

/// What the call sends, in order.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// One message (boxed: the queue's slots stay small).
    One(Box<Message>),
    /// Close the connection that carries the call's stream, keeping the stream: the
    /// client reconnects with `Last-Event-ID` and resumes.
    Release,
}

#[derive(Debug)]
pub(crate) struct Queue {
    capacity: usize,
    tx: OnceLock<mpsc::Sender<Outgoing>>,
    /// The receiving side, from the first message until the transport takes it.
    rx: Mutex<Option<mpsc::Receiver<Outgoing>>>,
    /// The transport no longer listens: a queue made now is closed at once.
    closed: AtomicBool,
    opened: Notify,
}

impl Queue {
    fn sender(&self) -> &mpsc::Sender<Outgoing> {
        self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(self.capacity);
            let mut slot = self.rx.lock().unwrap_or_else(PoisonError::into_inner);
            if !self.closed.load(Ordering::Acquire) {
                *slot = Some(rx);
            }
            drop(slot);
            self.opened.notify_one();
            tx
        })
    }

    fn take(&self) -> Option<mpsc::Receiver<Outgoing>> {
        self.tx.get()?;
        self.rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// The transport's side: the queue's receiver, once the first message made the queue.
pub(crate) struct DeferredReceiver(Arc<Queue>);

/// A queue of `capacity` messages made only when the first one is sent: the call's side
/// (the core's [`Sink`]) and the transport's.
pub(crate) fn deferred(capacity: usize) -> (Arc<Queue>, DeferredReceiver) {
    let queue = Arc::new(Queue {
        capacity,
        tx: OnceLock::new(),
        rx: Mutex::new(None),
        closed: AtomicBool::new(false),
        opened: Notify::new(),
    });
    (queue.clone(), DeferredReceiver(queue))
}

impl Queue {
    async fn push(&self, outgoing: Outgoing) -> bool {
        self.sender().send(outgoing).await.is_ok()
    }
}

impl Sink for Queue {
    fn send(&self, message: Message) -> SinkFuture<'_, bool> {
        Box::pin(self.push(Outgoing::One(Box::new(message))))
    }

    fn try_send(&self, message: Message) -> bool {
        match self.sender().try_send(Outgoing::One(Box::new(message))) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "message not delivered: the client does not keep up");
                false
            }
        }
    }

    fn release_connection(&self) -> SinkFuture<'_, ()> {
        Box::pin(async move {
            self.push(Outgoing::Release).await;
        })
    }
}

impl DeferredReceiver {
    /// The receiver, if a message was sent (taken: later calls return `None`).
    pub(crate) fn try_take(&self) -> Option<mpsc::Receiver<Outgoing>> {
        self.0.take()
    }

    /// Waits for the first message to be sent, then returns the receiver. Resolves once.
    pub(crate) async fn opened(&self) -> mpsc::Receiver<Outgoing> {
        loop {
            let notified = self.0.opened.notified();
            if let Some(rx) = self.0.take() {
                return rx;
            }
            notified.await;
        }
    }
}

impl Drop for DeferredReceiver {
    fn drop(&mut self) {
        // Senders must see the transport gone, not a queue that nobody reads.
        self.0.closed.store(true, Ordering::Release);
        self.0
            .rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Notification;

    fn ping() -> Message {
        Message::Notification(Notification {
            method: "ping".into(),
            params: None,
        })
    }

    #[tokio::test]
    async fn a_deferred_queue_exists_only_once_something_is_sent() {
        let (sink, opened) = deferred(4);
        assert!(opened.try_take().is_none(), "nothing sent, no queue");
        assert!(sink.send(ping()).await);
        let mut rx = opened
            .try_take()
            .expect("the first message makes the queue");
        assert!(matches!(rx.try_recv(), Ok(Outgoing::One(_))));
        assert!(opened.try_take().is_none(), "the receiver is taken once");
        assert!(sink.try_send(ping()));
        assert!(matches!(rx.try_recv(), Ok(Outgoing::One(_))));
    }

    #[tokio::test]
    async fn opened_waits_for_the_first_message() {
        let (sink, opened) = deferred(4);
        let sender = tokio::spawn(async move {
            tokio::task::yield_now().await;
            sink.send(ping()).await
        });
        let mut rx = opened.opened().await;
        assert!(sender.await.unwrap());
        assert!(matches!(rx.recv().await, Some(Outgoing::One(_))));
    }

    #[tokio::test]
    async fn sending_fails_once_the_transport_stopped_listening() {
        let (sink, opened) = deferred(4);
        drop(opened);
        assert!(!sink.send(ping()).await, "before the queue was made");
        let (sink, opened) = deferred(4);
        assert!(sink.send(ping()).await);
        drop(opened);
        assert!(!sink.send(ping()).await, "after the queue was made");
    }
}

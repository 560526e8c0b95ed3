//! MCP over this process's stdin and stdout, at the speed of a plain loop: one thread reads
//! the lines and runs each request; one that finishes in its first poll (a sync tool) is
//! answered by that thread, into the output buffer, which is flushed when no more input
//! waits. A request that waits goes on in the runtime, and its answer, like every message
//! a handler or the session sends, goes through a bounded queue to the writer thread. The
//! two share the buffer, and a direct answer is written only when nothing is queued: what
//! a call sent always goes out before its result.

use super::stream::{BoundedLines, Frame, Line, encode_into, line_of, too_long};
use crate::error::Result;
use crate::protocol::{Message, Payload, Response};
use crate::server::{Answer, EndReason, Outbound, RequestScope, Server, Session, Sink, SinkFuture};
use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::Decoder as _;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Standard output, shared by the reading thread and the writer thread.
struct Output {
    buffer: Mutex<std::io::BufWriter<std::io::Stdout>>,
    /// Lines queued for the writer and not yet in the buffer.
    queued: AtomicUsize,
}

impl Output {
    fn lock(&self) -> MutexGuard<'_, std::io::BufWriter<std::io::Stdout>> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The queue to the writer thread, counted in [`Output::queued`].
#[derive(Clone)]
struct Queue {
    tx: mpsc::Sender<Line>,
    output: Arc<Output>,
}

impl Queue {
    async fn send(&self, line: Line) -> bool {
        self.output.queued.fetch_add(1, Ordering::AcqRel);
        let sent = self.tx.send(line).await.is_ok();
        if !sent {
            self.output.queued.fetch_sub(1, Ordering::AcqRel);
        }
        sent
    }

    fn try_send(&self, line: Line) -> bool {
        self.output.queued.fetch_add(1, Ordering::AcqRel);
        match self.tx.try_send(line) {
            Ok(()) => true,
            Err(e) => {
                self.output.queued.fetch_sub(1, Ordering::AcqRel);
                tracing::warn!(error = %e, "session message not delivered: the client does not keep up");
                false
            }
        }
    }

    /// From the reading thread (outside the runtime): waits while the queue is full.
    fn blocking_send(&self, line: Line) {
        self.output.queued.fetch_add(1, Ordering::AcqRel);
        if self.tx.blocking_send(line).is_err() {
            self.output.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Sink for Queue {
    fn send(&self, message: Message) -> SinkFuture<'_, bool> {
        Box::pin(Queue::send(self, Line::One(Box::new(message))))
    }

    fn try_send(&self, message: Message) -> bool {
        Queue::try_send(self, Line::One(Box::new(message)))
    }
}

/// Serves on stdin and stdout until stdin closes or `shutdown` resolves; then the
/// requests in flight get `grace` to finish, and those still running are answered with
/// an error and stopped.
pub(crate) async fn serve_stdio(
    server: &Server,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Result<()> {
    let limits = server.limits().clone();
    let stop = CancellationToken::new();
    let session = server.new_session(&stop);
    let output = Arc::new(Output {
        buffer: Mutex::new(std::io::BufWriter::with_capacity(
            64 << 10,
            std::io::stdout(),
        )),
        queued: AtomicUsize::new(0),
    });
    let (tx, rx) = mpsc::channel(limits.outbound_queue);
    let queue = Queue {
        tx,
        output: output.clone(),
    };
    session.set_outbound(Outbound::new(queue.clone()));
    let writer = tokio::task::spawn_blocking({
        let output = output.clone();
        move || write_queued(rx, &output)
    });
    let tasks = TaskTracker::new();
    let stopping = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = oneshot::channel();
    let reader = Reader {
        runtime: tokio::runtime::Handle::current(),
        server: server.clone(),
        session: session.clone(),
        output,
        queue: queue.clone(),
        tasks: tasks.clone(),
        stopping: stopping.clone(),
        max: limits.max_message_bytes,
    };
    // A thread of its own, not the runtime's blocking pool: a read that waits for a line
    // that never comes must not keep the process from exiting once serving is over.
    let spawned = std::thread::Builder::new()
        .name("mcp-stdio".into())
        .spawn(move || {
            reader.run();
            let _ = done_tx.send(());
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the thread that reads stdin");
    }
    tokio::pin!(shutdown);
    tokio::select! {
        _ = done_rx => {}
        () = &mut shutdown => {
            tracing::info!("shutting down: finishing in-flight requests");
            stopping.store(true, Ordering::Release);
        }
    }
    // Long-lived requests (subscriptions/listen) end now, with their graceful answer.
    session.drain();
    tasks.close();
    let finished = tokio::select! {
        () = tasks.wait() => true,
        () = tokio::time::sleep(grace) => false,
    };
    if !finished {
        tracing::warn!(
            "requests still in flight after the {grace:?} grace period are answered with an error and stopped"
        );
        session.end(EndReason::ShuttingDown);
        tasks.wait().await;
    }
    drop(session);
    // The reading thread may still hold senders (it waits for input that may never come):
    // the writer stops at this line instead of waiting for every sender to go.
    queue.send(Line::End).await;
    writer.await.map_err(std::io::Error::other)??;
    Ok(())
}

/// The reading thread's state.
struct Reader {
    runtime: tokio::runtime::Handle,
    server: Server,
    session: Arc<Session>,
    output: Arc<Output>,
    queue: Queue,
    tasks: TaskTracker,
    stopping: Arc<AtomicBool>,
    max: usize,
}

impl Reader {
    fn run(self) {
        use std::io::Read as _;
        let _entered = self.runtime.enter();
        let mut input = std::io::stdin().lock();
        let mut lines = BoundedLines::new(self.max);
        let mut buf = bytes::BytesMut::with_capacity(64 << 10);
        let mut chunk = vec![0u8; 64 << 10];
        let mut eof = false;
        loop {
            // Every whole line read so far; then what they answered goes out, before the
            // thread waits for more input.
            loop {
                let frame = if eof {
                    lines.decode_eof(&mut buf)
                } else {
                    lines.decode(&mut buf)
                };
                let Ok(Some(frame)) = frame else {
                    break;
                };
                if self.stopping.load(Ordering::Acquire) {
                    return;
                }
                match frame {
                    Frame::TooLong => {
                        self.answer(Answer::Refused(Response::error(None, too_long(self.max))));
                    }
                    Frame::Line(line) if line.trim_ascii().is_empty() => {}
                    Frame::Line(line) => self.handle(&line),
                }
            }
            self.flush();
            if eof {
                return;
            }
            match input.read(&mut chunk) {
                Ok(0) => eof = true,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    tracing::warn!(error = %e, "reading from the client failed");
                    return;
                }
            }
            if self.stopping.load(Ordering::Acquire) {
                return;
            }
        }
    }

    fn handle(&self, line: &[u8]) {
        // Reading waits while the session runs as many payloads as it may.
        let admitted = match futures_util::FutureExt::now_or_never(self.session.admit()) {
            Some(admitted) => admitted,
            None => self.runtime.block_on(self.session.admit()),
        };
        let scope = RequestScope {
            outbound: Some(Outbound::new(self.queue.clone())),
            ..RequestScope::default()
        };
        let payload = Payload::decode(line);
        let mut handling = Box::pin(self.server.handle(&self.session, admitted, payload, scope));
        match futures_util::FutureExt::now_or_never(&mut handling) {
            Some(answer) => self.answer(answer),
            None => {
                let queue = self.queue.clone();
                self.tasks.spawn(async move {
                    if let Some(line) = line_of(handling.await) {
                        queue.send(line).await;
                    }
                });
            }
        }
    }

    /// Writes an answer into the buffer, or queues it behind what is queued.
    fn answer(&self, answer: Answer) {
        let Some(line) = line_of(answer) else {
            return;
        };
        let mut buffer = self.output.lock();
        if self.output.queued.load(Ordering::Acquire) == 0 {
            if let Err(e) = encode_into(&line, &mut *buffer) {
                tracing::warn!(error = %e, "writing to the client failed");
            }
            return;
        }
        drop(buffer);
        self.queue.blocking_send(line);
    }

    fn flush(&self) {
        if let Err(e) = self.output.lock().flush() {
            tracing::warn!(error = %e, "writing to the client failed");
        }
    }
}

/// The writer thread: writes what is queued into the shared buffer, and flushes it when
/// no more lines wait; stops at [`Line::End`].
fn write_queued(mut rx: mpsc::Receiver<Line>, output: &Output) -> std::io::Result<()> {
    while let Some(first) = rx.blocking_recv() {
        let mut buffer = output.lock();
        let mut next = Some(first);
        while let Some(line) = next.take() {
            output.queued.fetch_sub(1, Ordering::AcqRel);
            if matches!(line, Line::End) {
                return buffer.flush();
            }
            encode_into(&line, &mut *buffer)?;
            next = rx.try_recv().ok();
        }
        buffer.flush()?;
    }
    output.lock().flush()
}

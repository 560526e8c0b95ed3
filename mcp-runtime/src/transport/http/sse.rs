//! Resumable SSE streams: every event has an id `<stream>-<seq>`, the last events are kept
//! for `Last-Event-ID` replay, and a slow client is disconnected rather than buffered
//! without bound.

use bytes::Bytes;
use futures_util::Stream;
use http_body::Frame;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// One SSE stream of a session (the GET stream, or the stream of one POST).
pub(crate) struct EventStream {
    id: u64,
    replay_cap: usize,
    queue_cap: usize,
    state: Mutex<StreamState>,
}

#[derive(Default)]
struct StreamState {
    next_seq: u64,
    /// Highest sequence number handed to a connection.
    sent: u64,
    buffer: VecDeque<(u64, Bytes)>,
    conn: Option<mpsc::Sender<Bytes>>,
    finished: bool,
}

/// Why a connection could not attach.
pub(crate) enum AttachError {
    /// Another connection is reading this stream.
    Busy,
}

impl EventStream {
    pub(crate) fn new(id: u64, replay_cap: usize, queue_cap: usize) -> Self {
        EventStream {
            id,
            replay_cap,
            queue_cap,
            state: Mutex::default(),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StreamState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an event carrying `json` and sends it to the connected client, if any.
    pub(crate) fn push(&self, json: &[u8]) {
        let mut st = self.lock();
        st.next_seq += 1;
        let seq = st.next_seq;
        let event = encode_event(&format!("{}-{seq}", self.id), json);
        if st.buffer.len() == self.replay_cap {
            st.buffer.pop_front();
        }
        st.buffer.push_back((seq, event.clone()));
        if let Some(conn) = &st.conn {
            match conn.try_send(event) {
                Ok(()) => st.sent = seq,
                // Too slow or gone: drop the connection; the client resumes from its
                // Last-Event-ID and the buffer replays what it missed.
                Err(_) => st.conn = None,
            }
        }
    }

    /// Marks the stream complete: the connection closes after what was sent.
    pub(crate) fn finish(&self) {
        let mut st = self.lock();
        st.finished = true;
        st.conn = None;
    }

    /// Drops the current connection (the stream itself goes on: the client resumes it
    /// with `Last-Event-ID` after the advised `retry`).
    pub(crate) fn disconnect(&self) {
        self.lock().conn = None;
    }

    /// Attaches a new connection: a priming event, then events after `after` (all that
    /// were not yet sent when `None`), then live events until the stream finishes.
    ///
    /// A resumption (`after` given) replaces the connection attached before: the client
    /// lost it, even if the server has not noticed yet (a half-open TCP connection can
    /// look alive for minutes). Only a fresh attach is refused while one is connected.
    pub(crate) fn attach(
        &self,
        after: Option<u64>,
        retry: Duration,
    ) -> Result<mpsc::Receiver<Bytes>, AttachError> {
        let mut st = self.lock();
        if after.is_none() && st.conn.as_ref().is_some_and(|c| !c.is_closed()) {
            return Err(AttachError::Busy);
        }
        let after = after.unwrap_or(st.sent);
        let pending: Vec<(u64, Bytes)> = st
            .buffer
            .iter()
            .filter(|(s, _)| *s > after)
            .cloned()
            .collect();
        let (tx, rx) = mpsc::channel(self.queue_cap.max(pending.len() + 1));
        let prime = format!(
            "id: {}-{after}\nretry: {}\ndata:\n\n",
            self.id,
            retry.as_millis()
        );
        let _ = tx.try_send(Bytes::from(prime));
        for (seq, event) in pending {
            let _ = tx.try_send(event);
            st.sent = st.sent.max(seq);
        }
        if !st.finished {
            st.conn = Some(tx);
        }
        Ok(rx)
    }
}

/// `id: ...` and the JSON as one `data:` line (JSON has no raw newlines).
fn encode_event(id: &str, json: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(json.len() + id.len() + 24);
    out.extend_from_slice(b"id: ");
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b"\nevent: message\ndata: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// Parses a `Last-Event-ID` of ours: `<stream>-<seq>`.
pub(crate) fn parse_event_id(id: &str) -> Option<(u64, u64)> {
    let (stream, seq) = id.split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

/// The body of an SSE response: events from `rx`, with keep-alive comments when idle.
pub(crate) fn body_stream(
    rx: mpsc::Receiver<Bytes>,
    keep_alive: Duration,
) -> impl Stream<Item = Result<Frame<Bytes>, Infallible>> + Send + 'static {
    futures_util::stream::unfold(rx, move |mut rx| async move {
        let bytes = tokio::select! {
            next = rx.recv() => next?,
            _ = tokio::time::sleep(keep_alive) => Bytes::from_static(b": keep-alive\n\n"),
        };
        Some((Ok(Frame::data(bytes)), rx))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(rx: &mut mpsc::Receiver<Bytes>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(b) = rx.try_recv() {
            out.push(String::from_utf8_lossy(&b).into_owned());
        }
        out
    }

    #[test]
    fn replays_after_last_event_id() {
        let stream = EventStream::new(3, 8, 8);
        let mut rx = stream
            .attach(None, Duration::from_millis(500))
            .ok()
            .unwrap();
        stream.push(b"{\"a\":1}");
        let first = drain(&mut rx);
        assert!(first[0].starts_with("id: 3-0\nretry: 500\n"));
        assert!(first[1].starts_with("id: 3-1\n") && first[1].contains("data: {\"a\":1}"));
        stream.disconnect();
        stream.push(b"{\"a\":2}");
        stream.push(b"{\"a\":3}");
        let mut rx = stream
            .attach(Some(1), Duration::from_millis(500))
            .ok()
            .unwrap();
        let events = drain(&mut rx);
        assert_eq!(events.len(), 3, "{events:?}");
        assert!(events[1].contains("{\"a\":2}") && events[2].contains("{\"a\":3}"));
        assert_eq!(parse_event_id("3-2"), Some((3, 2)));
    }

    #[test]
    fn resuming_replaces_the_connection() {
        let stream = EventStream::new(0, 8, 8);
        let retry = Duration::from_millis(500);
        let mut old = stream.attach(None, retry).ok().unwrap();
        assert!(matches!(stream.attach(None, retry), Err(AttachError::Busy)));
        let mut new = stream.attach(Some(0), retry).ok().unwrap();
        stream.push(b"{}");
        assert_eq!(drain(&mut old).len(), 1, "only the old priming event");
        assert!(old.is_closed(), "the replaced connection ends");
        assert_eq!(drain(&mut new).len(), 2, "priming, then the live event");
    }

    #[test]
    fn slow_client_is_dropped_not_buffered() {
        let stream = EventStream::new(0, 4, 2);
        let _rx = stream.attach(None, Duration::from_secs(1)).ok().unwrap();
        for _ in 0..10 {
            stream.push(b"{}");
        }
        assert!(stream.lock().conn.is_none());
        assert_eq!(stream.lock().buffer.len(), 4);
    }
}

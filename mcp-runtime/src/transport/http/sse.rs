//! Resumable SSE streams: every event has an id `<stream>-<seq>`, the last events are kept
//! for `Last-Event-ID` replay, and a slow client is disconnected rather than buffered
//! without bound.

use crate::protocol::{ErrorObject, Message, RequestId, Response};
use crate::server::{EventLog, LoggedEvent, StreamLog};
use bytes::Bytes;
use futures_util::Stream;
use http_body::Frame;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// One SSE stream of a session (the GET stream, or the stream of one POST).
pub(crate) struct EventStream {
    id: u64,
    replay_cap: usize,
    queue_cap: usize,
    /// Where the events are kept for other instances, when sessions are shared: an event
    /// then reaches the client only once it is kept there.
    log: Option<LogTarget>,
    state: Mutex<StreamState>,
}

/// A stream's place in an [`EventLog`].
pub(crate) struct LogTarget {
    pub(crate) log: Arc<dyn EventLog>,
    pub(crate) session: Arc<str>,
    /// The request a POST stream answers (its id as JSON).
    pub(crate) request: Option<Arc<str>>,
}

#[derive(Default)]
struct StreamState {
    next_seq: u64,
    /// Highest sequence number handed to a connection.
    sent: u64,
    /// Highest sequence number that may be sent: every event without a log, the kept ones
    /// with one.
    committed: u64,
    buffer: VecDeque<(u64, Bytes)>,
    conn: Option<mpsc::Sender<Bytes>>,
    finished: bool,
    /// The end is kept in the log (or there is no log).
    end_kept: bool,
}

impl StreamState {
    /// Hands the committed events not yet sent to the connection; closes it once the
    /// stream is over.
    fn flush(&mut self) {
        if let Some(conn) = &self.conn {
            // The buffer holds consecutive sequence numbers: start at the first unsent.
            let first = self.buffer.front().map_or(0, |(seq, _)| *seq);
            let skip = usize::try_from((self.sent + 1).saturating_sub(first)).unwrap_or(usize::MAX);
            for (seq, event) in self.buffer.iter().skip(skip) {
                if *seq > self.committed {
                    break;
                }
                // Too slow or gone: drop the connection; the client resumes from its
                // Last-Event-ID and the buffer replays what it missed.
                if conn.try_send(event.clone()).is_err() {
                    self.conn = None;
                    return;
                }
                self.sent = *seq;
            }
        }
        if self.is_over() {
            self.conn = None;
        }
    }

    fn is_over(&self) -> bool {
        self.finished && self.end_kept && self.committed == self.next_seq
    }
}

/// Why a connection could not attach.
pub(crate) enum AttachError {
    /// Another connection is reading this stream.
    Busy,
}

/// Where a new connection starts reading.
#[derive(Clone, Copy)]
pub(crate) enum Resume {
    /// At the first event not yet sent; refused while another connection reads.
    Fresh,
    /// After this event (`Last-Event-ID`); replaces the connection attached before.
    After(u64),
    /// At the first event not yet sent, replacing the connection attached before (a
    /// client resuming here what another instance sent).
    Unsent,
}

impl EventStream {
    pub(crate) fn new(id: u64, replay_cap: usize, queue_cap: usize) -> Self {
        Self::logged(id, replay_cap, queue_cap, None)
    }

    /// A stream whose events are kept in `log` before they are sent.
    pub(crate) fn logged(
        id: u64,
        replay_cap: usize,
        queue_cap: usize,
        log: Option<LogTarget>,
    ) -> Self {
        EventStream {
            id,
            replay_cap,
            queue_cap,
            state: Mutex::new(StreamState {
                end_kept: log.is_none(),
                ..StreamState::default()
            }),
            log,
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The sequence number of the last event so far.
    pub(crate) fn position(&self) -> u64 {
        self.lock().next_seq
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StreamState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an event carrying `json` and sends it to the connected client, if any
    /// (once it is kept, with a log).
    pub(crate) fn push(self: &Arc<Self>, json: &[u8]) {
        let mut st = self.lock();
        st.next_seq += 1;
        let seq = st.next_seq;
        let event = encode_event(Some(&format!("{}-{seq}", self.id)), json);
        if st.buffer.len() == self.replay_cap {
            st.buffer.pop_front();
        }
        st.buffer.push_back((seq, event.clone()));
        if !self.keep(seq, event) {
            st.committed = seq;
            st.flush();
        }
    }

    /// Queues event `seq` (0: the end) for the log; false when there is none or it
    /// cannot take it (the event then goes out unkept).
    fn keep(self: &Arc<Self>, seq: u64, bytes: Bytes) -> bool {
        let Some(target) = &self.log else {
            return false;
        };
        let stream = Arc::downgrade(self);
        let event = LoggedEvent {
            session: target.session.clone(),
            stream: self.id,
            seq,
            bytes,
            request: target.request.clone(),
            keep: self.replay_cap,
            then: Box::new(move || {
                if let Some(stream) = stream.upgrade() {
                    stream.kept(seq);
                }
            }),
        };
        target.log.append(event)
    }

    /// Event `seq` (0: the end) is in the log: it, and those before, may go out.
    fn kept(&self, seq: u64) {
        let mut st = self.lock();
        if seq == 0 {
            st.end_kept = true;
        } else {
            st.committed = st.committed.max(seq);
        }
        st.flush();
    }

    /// Marks the stream complete: the connection closes after what was sent.
    pub(crate) fn finish(self: &Arc<Self>) {
        let mut st = self.lock();
        if st.finished {
            return;
        }
        st.finished = true;
        if !st.end_kept && !self.keep(0, Bytes::new()) {
            st.end_kept = true;
        }
        st.flush();
    }

    /// Drops the current connection (the stream itself goes on: the client resumes it
    /// with `Last-Event-ID` after the advised `retry`).
    pub(crate) fn disconnect(&self) {
        self.lock().conn = None;
    }

    /// Attaches a new connection: `preamble` (events another instance kept), a priming
    /// event, then the events after where `from` says, then live events until the
    /// stream finishes.
    ///
    /// A resumption replaces the connection attached before: the client lost it, even if
    /// the server has not noticed yet (a half-open TCP connection can look alive for
    /// minutes). Only a fresh attach is refused while one is connected.
    pub(crate) fn attach(
        &self,
        from: Resume,
        retry: Duration,
        preamble: Vec<Bytes>,
    ) -> Result<mpsc::Receiver<Bytes>, AttachError> {
        let mut st = self.lock();
        let after = match from {
            Resume::Fresh if st.conn.as_ref().is_some_and(|c| !c.is_closed()) => {
                return Err(AttachError::Busy);
            }
            Resume::Fresh | Resume::Unsent => st.sent,
            Resume::After(seq) => seq,
        };
        let pending: Vec<(u64, Bytes)> = st
            .buffer
            .iter()
            .filter(|(s, _)| *s > after && *s <= st.committed)
            .cloned()
            .collect();
        let (tx, rx) = mpsc::channel(self.queue_cap.max(pending.len() + preamble.len() + 1));
        for event in preamble {
            let _ = tx.try_send(event);
        }
        let _ = tx.try_send(prime(self.id, after, retry));
        for (seq, event) in pending {
            let _ = tx.try_send(event);
            st.sent = st.sent.max(seq);
        }
        if !st.is_over() {
            st.conn = Some(tx);
        }
        Ok(rx)
    }
}

/// `id: ...` (when the event has one) and the JSON as one `data:` line (JSON has no raw
/// newlines).
pub(crate) fn encode_event(id: Option<&str>, json: &[u8]) -> Bytes {
    let id_len = id.map_or(0, |id| id.len() + 5);
    let mut out = Vec::with_capacity(json.len() + id_len + 22);
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"event: message\ndata: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// The first event of a connection: where it resumes, and how long to wait before
/// reconnecting.
pub(crate) fn prime(stream: u64, after: u64, retry: Duration) -> Bytes {
    Bytes::from(format!(
        "id: {stream}-{after}\nretry: {}\ndata:\n\n",
        retry.as_millis()
    ))
}

/// How often a stream another instance writes is read again.
const TAIL_POLL: Duration = Duration::from_millis(100);
/// Failed reads of such a stream in a row before the connection is closed (the client
/// reconnects).
const TAIL_FAILURES: u32 = 30;

/// Sends `tx` what another instance goes on keeping of `stream` (a request's stream)
/// after event `last`, until the stream ends. If that instance is gone first, the
/// request is answered with an error: its answer will never come.
pub(crate) async fn tail(
    log: Arc<dyn EventLog>,
    session: String,
    stream: u64,
    mut last: u64,
    mut kept: StreamLog,
    tx: mpsc::Sender<Bytes>,
) {
    let mut failures = 0;
    loop {
        for (seq, event) in std::mem::take(&mut kept.events) {
            if seq > last {
                if tx.send(event).await.is_err() {
                    return;
                }
                last = seq;
            }
        }
        if kept.ended {
            return;
        }
        if !kept.owner_alive {
            if let Some(answer) = kept.request.as_deref().and_then(lost_answer) {
                tracing::warn!(
                    stream,
                    "the instance running a request stopped before it answered; the request is answered with an error"
                );
                let _ = tx.send(answer).await;
            }
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(TAIL_POLL) => {}
            () = tx.closed() => return,
        }
        match log.read(&session, stream).await {
            Ok(Some(now)) => {
                kept = now;
                failures = 0;
            }
            Ok(None) => return,
            Err(e) => {
                failures += 1;
                if failures >= TAIL_FAILURES {
                    tracing::warn!(error = %e, "a stream kept by another instance cannot be read; closing the connection");
                    return;
                }
                kept.events.clear();
            }
        }
    }
}

/// The error that answers `request` (an id as JSON) when its instance stopped.
fn lost_answer(request: &str) -> Option<Bytes> {
    let id: RequestId = serde_json::from_str(request).ok()?;
    let answer = Message::Response(Response::error(
        Some(id),
        ErrorObject::internal(
            "the server instance running this request stopped before it answered; it may or may not have taken effect",
        ),
    ));
    Some(encode_event(None, &answer.to_json().ok()?))
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
        let stream = Arc::new(EventStream::new(3, 8, 8));
        let mut rx = stream
            .attach(Resume::Fresh, Duration::from_millis(500), Vec::new())
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
            .attach(Resume::After(1), Duration::from_millis(500), Vec::new())
            .ok()
            .unwrap();
        let events = drain(&mut rx);
        assert_eq!(events.len(), 3, "{events:?}");
        assert!(events[1].contains("{\"a\":2}") && events[2].contains("{\"a\":3}"));
        assert_eq!(parse_event_id("3-2"), Some((3, 2)));
    }

    #[test]
    fn resuming_replaces_the_connection() {
        let stream = Arc::new(EventStream::new(0, 8, 8));
        let retry = Duration::from_millis(500);
        let mut old = stream
            .attach(Resume::Fresh, retry, Vec::new())
            .ok()
            .unwrap();
        assert!(matches!(
            stream.attach(Resume::Fresh, retry, Vec::new()),
            Err(AttachError::Busy)
        ));
        let mut new = stream
            .attach(Resume::After(0), retry, Vec::new())
            .ok()
            .unwrap();
        stream.push(b"{}");
        assert_eq!(drain(&mut old).len(), 1, "only the old priming event");
        assert!(old.is_closed(), "the replaced connection ends");
        assert_eq!(drain(&mut new).len(), 2, "priming, then the live event");
    }

    /// Holds what it is given until `release`.
    #[derive(Default)]
    struct HeldLog(Mutex<Vec<LoggedEvent>>);

    impl HeldLog {
        fn release(&self) -> Vec<u64> {
            let held = std::mem::take(&mut *self.0.lock().unwrap());
            held.into_iter()
                .map(|e| {
                    (e.then)();
                    e.seq
                })
                .collect()
        }
    }

    impl EventLog for HeldLog {
        fn stream_id(&self) -> u64 {
            7
        }
        fn append(&self, event: LoggedEvent) -> bool {
            self.0.lock().unwrap().push(event);
            true
        }
        fn read<'a>(
            &'a self,
            _: &'a str,
            _: u64,
        ) -> crate::server::StoreFuture<'a, Result<Option<StreamLog>, crate::server::StoreError>>
        {
            Box::pin(std::future::ready(Ok(None)))
        }
    }

    #[test]
    fn with_a_log_an_event_goes_out_once_it_is_kept_and_the_end_last() {
        let log = Arc::new(HeldLog::default());
        let target = LogTarget {
            log: log.clone(),
            session: "s".into(),
            request: Some("1".into()),
        };
        let stream = Arc::new(EventStream::logged(7, 8, 8, Some(target)));
        let retry = Duration::from_millis(500);
        let mut rx = stream
            .attach(Resume::Fresh, retry, Vec::new())
            .ok()
            .unwrap();
        stream.push(b"{\"a\":1}");
        stream.push(b"{\"a\":2}");
        assert_eq!(
            drain(&mut rx).len(),
            1,
            "only the priming event: nothing kept yet"
        );
        stream.finish();
        assert!(!rx.is_closed(), "not closed before the end is kept");
        assert_eq!(
            log.release(),
            vec![1, 2, 0],
            "the events in order, then the end"
        );
        let events = drain(&mut rx);
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(events[0].starts_with("id: 7-1\n") && events[1].starts_with("id: 7-2\n"));
        assert!(rx.is_closed() || rx.try_recv().is_err());
        assert!(
            stream.lock().conn.is_none(),
            "closed once everything is kept"
        );
    }

    #[test]
    fn slow_client_is_dropped_not_buffered() {
        let stream = Arc::new(EventStream::new(0, 4, 2));
        let _rx = stream
            .attach(Resume::Fresh, Duration::from_secs(1), Vec::new())
            .ok()
            .unwrap();
        for _ in 0..10 {
            stream.push(b"{}");
        }
        assert!(stream.lock().conn.is_none());
        assert_eq!(stream.lock().buffer.len(), 4);
    }
}

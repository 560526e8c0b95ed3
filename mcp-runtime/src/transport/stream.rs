//! Newline-delimited JSON-RPC over any byte stream: stdio, pipes, in-memory duplexes.

use crate::error::Result;
use crate::protocol::{ErrorCode, ErrorObject, Message, Payload, Response};
use crate::server::{Answer, EndReason, Outbound, RequestScope, Server, Sink, SinkFuture};
use futures_util::StreamExt as _;
use std::future::Future;

use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::codec::{Decoder, FramedRead};
use tokio_util::sync::CancellationToken;

/// Serves one client over a byte stream until it closes its side. Requests are handled
/// concurrently (up to the server's limit, then reading waits); every request read gets
/// its response before this returns. Messages a handler sends during its call share the
/// one ordered queue with the responses, so they arrive before the call's result.
pub async fn serve_io<R, W>(server: &Server, reader: R, writer: W) -> Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_io_until(
        server,
        reader,
        writer,
        std::future::pending(),
        Duration::MAX,
    )
    .await
}

/// Like [`serve_io`], and stops reading when `shutdown` resolves: the requests already
/// read get `grace` to finish, then each one still running is answered with a JSON-RPC
/// error (`-32000`, the server is shutting down) and stopped.
pub(crate) async fn serve_io_until<R, W>(
    server: &Server,
    reader: R,
    writer: W,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_lines(
        server,
        reader,
        |rx| tokio::spawn(write_lines(writer, rx)),
        shutdown,
        grace,
    )
    .await
}

async fn serve_lines<R>(
    server: &Server,
    reader: R,
    start_writer: impl FnOnce(mpsc::Receiver<Line>) -> tokio::task::JoinHandle<std::io::Result<()>>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Result<()>
where
    R: AsyncRead + Unpin,
{
    tokio::pin!(shutdown);
    let limits = server.limits().clone();
    let stop = CancellationToken::new();
    let session = server.new_session(&stop);
    let (tx, rx) = mpsc::channel(limits.outbound_queue);
    let outbox = Outbound::new(Lines(tx.clone()));
    session.set_outbound(outbox.clone());
    let writer_task = start_writer(rx);
    let mut tasks = JoinSet::new();
    let mut lines = FramedRead::new(reader, BoundedLines::new(limits.max_message_bytes));
    loop {
        let frame = tokio::select! {
            biased;
            () = &mut shutdown => {
                tracing::info!("shutting down: finishing in-flight requests");
                break;
            }
            frame = lines.next() => match frame {
                Some(frame) => frame,
                None => break,
            },
        };
        while tasks.try_join_next().is_some() {}
        let line = match frame {
            Ok(Frame::Line(line)) if line.trim_ascii().is_empty() => continue,
            Ok(Frame::Line(line)) => line,
            Ok(Frame::TooLong) => {
                let error = too_long(limits.max_message_bytes);
                write(&tx, Answer::Refused(Response::error(None, error))).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading from the client failed");
                break;
            }
        };
        // Reading waits while the session runs as many payloads as it may.
        let admitted = tokio::select! {
            biased;
            () = &mut shutdown => {
                tracing::info!("shutting down: finishing in-flight requests");
                break;
            }
            admitted = session.admit() => admitted,
        };
        let scope = RequestScope {
            outbound: Some(outbox.clone()),
            ..RequestScope::default()
        };
        let payload = Payload::decode(&line);
        drop(line);
        let mut handling = Box::pin(server.handle(&session, admitted, payload, scope));
        // Most requests finish in their first poll (a sync tool): answered without a task.
        match futures_util::FutureExt::now_or_never(&mut handling) {
            Some(answer) => write(&tx, answer).await,
            None => {
                let tx = tx.clone();
                tasks.spawn(async move { write(&tx, handling.await).await });
            }
        }
    }
    // Long-lived requests (subscriptions/listen) end now, with their graceful answer.
    session.drain();
    let drain = async { while tasks.join_next().await.is_some() {} };
    tokio::pin!(drain);
    let finished = tokio::select! {
        () = &mut drain => true,
        () = tokio::time::sleep(grace) => false,
    };
    if !finished {
        tracing::warn!(
            "requests still in flight after the {grace:?} grace period are answered with an error and stopped"
        );
        session.end(EndReason::ShuttingDown);
        drain.await;
    }
    // The session holds a sender too (its outbound): drop it so the writer can finish.
    drop(session);
    drop((outbox, tx));
    writer_task.await.map_err(std::io::Error::other)??;
    Ok(())
}

/// Writes the core's answer to a payload, if it has one.
async fn write(tx: &mpsc::Sender<Line>, answer: Answer) {
    if let Some(line) = line_of(answer) {
        // The writer ends only once every sender is gone: it cannot be gone here.
        let _ = tx.send(line).await;
    }
}

/// The line that carries the core's answer to a payload, if it has one.
pub(super) fn line_of(answer: Answer) -> Option<Line> {
    Some(match answer {
        Answer::Accepted | Answer::Cancelled => return None,
        Answer::Response(r) | Answer::Refused(r) => Line::One(Box::new(Message::Response(r))),
        Answer::Batch(responses) => {
            Line::Batch(responses.into_iter().map(Message::Response).collect())
        }
    })
}

/// A line to write: one message, or the responses to a batch as one array; or the end of
/// writing (stdio: the writer stops there).
pub(super) enum Line {
    One(Box<Message>),
    Batch(Vec<Message>),
    End,
}

/// The stream's side of the core's [`Outbound`]: a bounded queue of lines.
struct Lines(mpsc::Sender<Line>);

impl Sink for Lines {
    fn send(&self, message: Message) -> SinkFuture<'_, bool> {
        Box::pin(async move { self.0.send(Line::One(Box::new(message))).await.is_ok() })
    }

    fn try_send(&self, message: Message) -> bool {
        match self.0.try_send(Line::One(Box::new(message))) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "session message not delivered: the client does not keep up");
                false
            }
        }
    }
}

/// The refusal of a line over `max` bytes (logged).
pub(super) fn too_long(max: usize) -> ErrorObject {
    let error = ErrorObject::new(
        ErrorCode::INVALID_REQUEST,
        format!("message larger than {max} bytes"),
    );
    tracing::warn!(code = error.code, error = %error.message, "invalid message from the client");
    error
}

/// One line of input (its bytes, without the newline), or why it cannot be one.
pub(super) enum Frame {
    Line(bytes::BytesMut),
    TooLong,
}

/// Newline-delimited frames of at most `max` bytes, split off the read buffer without a
/// copy (the JSON parser checks the UTF-8 of what it reads). A line that is too long is
/// a frame of its own, not a stream error: the reader skips to the next newline and goes
/// on (tokio-util's reader pauses after an error, even with lines buffered).
pub(super) struct BoundedLines {
    max: usize,
    /// Bytes of `buf` already searched for a newline.
    searched: usize,
    /// Inside a line that is too long: its bytes are dropped up to its newline.
    discarding: bool,
}

impl BoundedLines {
    pub(super) fn new(max: usize) -> Self {
        BoundedLines {
            max,
            searched: 0,
            discarding: false,
        }
    }
}

impl Decoder for BoundedLines {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut bytes::BytesMut) -> std::io::Result<Option<Frame>> {
        loop {
            let Some(at) = memchr::memchr(b'\n', &buf[self.searched..]) else {
                self.searched = buf.len();
                if self.discarding {
                    buf.clear();
                    self.searched = 0;
                } else if buf.len() > self.max {
                    // Too long already: say so once, and drop the rest of it.
                    buf.clear();
                    self.searched = 0;
                    self.discarding = true;
                    return Ok(Some(Frame::TooLong));
                }
                return Ok(None);
            };
            let end = self.searched + at;
            self.searched = 0;
            let mut line = buf.split_to(end + 1);
            if self.discarding {
                self.discarding = false;
                continue;
            }
            line.truncate(end);
            if line.last() == Some(&b'\r') {
                line.truncate(end - 1);
            }
            if line.len() > self.max {
                return Ok(Some(Frame::TooLong));
            }
            return Ok(Some(Frame::Line(line)));
        }
    }

    fn decode_eof(&mut self, buf: &mut bytes::BytesMut) -> std::io::Result<Option<Frame>> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        // A last line without its newline.
        if buf.is_empty() || self.discarding {
            buf.clear();
            return Ok(None);
        }
        self.searched = 0;
        let line = buf.split_to(buf.len());
        if line.len() > self.max {
            return Ok(Some(Frame::TooLong));
        }
        Ok(Some(Frame::Line(line)))
    }
}

fn encode(line: &Line) -> Option<Vec<u8>> {
    let bytes = match line {
        Line::One(message) => message.to_json(),
        Line::Batch(responses) => serde_json::to_vec(responses),
        Line::End => return None,
    };
    match bytes {
        Ok(mut bytes) => {
            bytes.push(b'\n');
            Some(bytes)
        }
        Err(e) => {
            tracing::error!(error = %e, "a message could not be serialized");
            None
        }
    }
}

/// Writes `line` and its newline; one that cannot be serialized is logged and skipped.
pub(super) fn encode_into(line: &Line, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let written = match line {
        Line::One(message) => message.write_json(&mut *out),
        Line::Batch(responses) => serde_json::to_writer(&mut *out, responses),
        Line::End => return Ok(()),
    };
    match written {
        Ok(()) => out.write_all(b"\n"),
        Err(e) if e.is_io() => Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "a message could not be serialized");
            Ok(())
        }
    }
}

async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::Receiver<Line>,
) -> std::io::Result<()> {
    while let Some(first) = rx.recv().await {
        writer
            .write_all(&encode(&first).unwrap_or_default())
            .await?;
        // Write whatever else is ready before flushing: one syscall for a burst.
        while let Ok(more) = rx.try_recv() {
            writer.write_all(&encode(&more).unwrap_or_default()).await?;
        }
        writer.flush().await?;
    }
    writer.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    fn lines(max: usize, chunks: &[&[u8]]) -> Vec<String> {
        let mut codec = BoundedLines::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let take = |frame: Option<Frame>, out: &mut Vec<String>| match frame {
            Some(Frame::Line(line)) => out.push(String::from_utf8_lossy(&line).into_owned()),
            Some(Frame::TooLong) => out.push("<too long>".into()),
            None => {}
        };
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            loop {
                let frame = codec.decode(&mut buf).unwrap();
                let done = frame.is_none();
                take(frame, &mut out);
                if done {
                    break;
                }
            }
        }
        while let Some(frame) = codec.decode_eof(&mut buf).unwrap() {
            take(Some(frame), &mut out);
        }
        out
    }

    #[test]
    fn lines_split_across_chunks_with_crlf_and_a_last_line_without_newline() {
        assert_eq!(
            lines(64, &[b"{\"a\":1}\n{\"b\"", b":2}\r\n\n", b"{\"c\":3}"]),
            ["{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"]
        );
    }

    #[test]
    fn a_line_too_long_is_one_frame_and_reading_goes_on() {
        // Whole in one chunk, then spread over several without its newline yet.
        assert_eq!(lines(4, &[b"123456\nok\n"]), ["<too long>", "ok"]);
        assert_eq!(
            lines(4, &[b"1234", b"5678", b"9", b"0\nok\n"]),
            ["<too long>", "ok"]
        );
        assert_eq!(lines(4, &[b"12345678"]), ["<too long>"]);
        assert_eq!(lines(4, &[b"1234\n"]), ["1234"]);
    }
}

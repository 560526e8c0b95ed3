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
use tokio_util::codec::{Decoder, FramedRead, LinesCodec, LinesCodecError};
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
    tokio::pin!(shutdown);
    let limits = server.limits().clone();
    let stop = CancellationToken::new();
    let session = server.new_session(&stop);
    let (tx, rx) = mpsc::channel(limits.outbound_queue);
    let outbox = Outbound::new(Lines(tx.clone()));
    session.set_outbound(outbox.clone());
    let writer_task = tokio::spawn(write_lines(writer, rx));
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
        let refusal = match frame {
            Ok(Frame::Line(line)) if line.trim().is_empty() => continue,
            Ok(Frame::Line(line)) => Ok(line),
            Ok(Frame::TooLong) => Err(ErrorObject::new(
                ErrorCode::INVALID_REQUEST,
                format!("message larger than {} bytes", limits.max_message_bytes),
            )),
            Ok(Frame::NotUtf8) => Err(ErrorObject::new(
                ErrorCode::PARSE_ERROR,
                "Parse error: the message is not UTF-8",
            )),
            Err(e) => {
                tracing::warn!(error = %e, "reading from the client failed");
                break;
            }
        };
        let line = match refusal {
            Ok(line) => line,
            Err(error) => {
                tracing::warn!(code = error.code, error = %error.message, "invalid message from the client");
                write(&tx, Answer::Refused(Response::error(None, error))).await;
                continue;
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
        let payload = Payload::decode(line.as_bytes());
        let handling = server.handle(&session, admitted, payload, scope);
        let tx = tx.clone();
        tasks.spawn(async move { write(&tx, handling.await).await });
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
    let line = match answer {
        Answer::Accepted | Answer::Cancelled => return,
        Answer::Response(r) | Answer::Refused(r) => Line::One(Box::new(Message::Response(r))),
        Answer::Batch(responses) => {
            Line::Batch(responses.into_iter().map(Message::Response).collect())
        }
    };
    // The writer ends only once every sender is gone: it cannot be gone here.
    let _ = tx.send(line).await;
}

/// A line to write: one message, or the responses to a batch as one array.
enum Line {
    One(Box<Message>),
    Batch(Vec<Message>),
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

/// Standard input, read on a thread of its own rather than tokio's blocking pool: a read
/// that waits for a line that never comes must not keep the process from exiting once
/// serving is over (tokio waits for its blocking pool's threads at shutdown). At most
/// `DEPTH` chunks wait in the channel; then the thread waits for the server to read.
pub(crate) fn stdin() -> impl AsyncRead + Unpin {
    const CHUNK: usize = 64 << 10;
    const DEPTH: usize = 4;
    let (tx, rx) = mpsc::channel::<std::io::Result<bytes::Bytes>>(DEPTH);
    let spawned = std::thread::Builder::new()
        .name("mcp-stdin".into())
        .spawn(move || {
            use std::io::Read as _;
            let mut input = std::io::stdin().lock();
            let mut buf = vec![0; CHUNK];
            loop {
                let item = match input.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => Ok(bytes::Bytes::copy_from_slice(&buf[..n])),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(e),
                };
                let failed = item.is_err();
                if tx.blocking_send(item).is_err() || failed {
                    return;
                }
            }
        });
    let rx = match spawned {
        Ok(_) => Some(rx),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the thread that reads stdin");
            None
        }
    };
    let chunks = futures_util::stream::unfold(rx, |rx| async move {
        let mut rx = rx?;
        let item = rx.recv().await?;
        Some((item, Some(rx)))
    });
    tokio_util::io::StreamReader::new(Box::pin(chunks))
}

/// One line of input, or why it cannot be one.
enum Frame {
    Line(String),
    TooLong,
    NotUtf8,
}

/// Newline-delimited frames of bounded size. Unlike `LinesCodec`, a line that is too long
/// or not UTF-8 is a frame of its own, not a stream error: the reader goes on with the
/// next line (tokio-util's reader pauses after an error, even with lines buffered).
struct BoundedLines(LinesCodec);

impl BoundedLines {
    fn new(max: usize) -> Self {
        BoundedLines(LinesCodec::new_with_max_length(max))
    }

    fn lift(result: Result<Option<String>, LinesCodecError>) -> std::io::Result<Option<Frame>> {
        match result {
            Ok(line) => Ok(line.map(Frame::Line)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Frame::TooLong)),
            Err(LinesCodecError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                Ok(Some(Frame::NotUtf8))
            }
            Err(LinesCodecError::Io(e)) => Err(e),
        }
    }
}

impl Decoder for BoundedLines {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut bytes::BytesMut) -> std::io::Result<Option<Frame>> {
        Self::lift(self.0.decode(buf))
    }

    fn decode_eof(&mut self, buf: &mut bytes::BytesMut) -> std::io::Result<Option<Frame>> {
        Self::lift(self.0.decode_eof(buf))
    }
}

fn encode(line: &Line) -> Option<Vec<u8>> {
    let bytes = match line {
        Line::One(message) => message.to_json(),
        Line::Batch(responses) => serde_json::to_vec(responses),
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

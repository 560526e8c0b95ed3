//! Newline-delimited JSON-RPC over any byte stream: stdio, pipes, in-memory duplexes.

use crate::error::Result;
use crate::protocol::{DecodeError, ErrorCode, ErrorObject, Message, Payload, RequestId, Response};
use crate::server::{Outbound, Outgoing, RequestScope, Server, Session};
use futures_util::StreamExt as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::codec::{Decoder, FramedRead, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

/// Messages waiting to be written; when full, handlers wait (the client reads too slowly).
const OUTBOX: usize = 256;

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
    let stop = CancellationToken::new();
    let limits = server.limits().clone();
    let session = server.new_session();
    let (outbox, rx) = Outbound::channel(OUTBOX);
    let notifier = outbox.clone();
    session.set_notifier(Arc::new(move |message| {
        notifier.try_send(Outgoing::One(Box::new(message)));
    }));
    let writer_task = tokio::spawn(write_lines(writer, rx));
    let permits = Arc::new(Semaphore::new(limits.max_concurrent_requests));
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
                let reply = Message::Response(Response::error(None, error));
                outbox.send(Outgoing::One(Box::new(reply))).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let (server, session, outbox) = (server.clone(), session.clone(), outbox.clone());
        let stop = stop.clone();
        match Payload::decode(line.as_bytes()) {
            Payload::Single(Ok(Message::Notification(n))) => {
                server.handle_notification(&session, n)
            }
            Payload::Single(Ok(Message::Response(r))) => server.handle_response(&session, r),
            Payload::Single(message) => {
                tasks.spawn(async move {
                    let id = request_id(&message);
                    let reply = tokio::select! {
                        reply = answer(&server, &session, message, &outbox) => reply,
                        () = stop.cancelled() => id.map(stopped),
                    };
                    if let Some(reply) = reply {
                        outbox
                            .send(Outgoing::One(Box::new(Message::Response(reply))))
                            .await;
                    }
                    drop(permit);
                });
            }
            Payload::Batch(messages) => {
                tasks.spawn(async move {
                    let mut ids: Vec<RequestId> = messages.iter().filter_map(request_id).collect();
                    let mut replies = Vec::new();
                    let all = async {
                        for message in messages {
                            let reply = answer(&server, &session, message, &outbox).await;
                            replies.extend(reply.map(Message::Response));
                        }
                    };
                    let complete = tokio::select! {
                        () = all => true,
                        () = stop.cancelled() => false,
                    };
                    if !complete {
                        // The requests not answered yet get the shutdown error.
                        ids.retain(|id| {
                            !replies.iter().any(
                                |r| matches!(r, Message::Response(r) if r.id.as_ref() == Some(id)),
                            )
                        });
                        replies.extend(ids.into_iter().map(|id| Message::Response(stopped(id))));
                    }
                    if !replies.is_empty() {
                        outbox.send(Outgoing::Batch(replies)).await;
                    }
                    drop(permit);
                });
            }
        }
    }
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
        stop.cancel();
        drain.await;
    }
    // The session holds a sender too (its notifier): drop it so the writer can finish.
    drop(session);
    drop(outbox);
    writer_task.await.map_err(std::io::Error::other)??;
    Ok(())
}

/// The id of a request (the only kind of message that gets an answer).
fn request_id(message: &Result<Message, DecodeError>) -> Option<RequestId> {
    match message {
        Ok(Message::Request(r)) => Some(r.id.clone()),
        _ => None,
    }
}

/// The answer to a request stopped by the end of the shutdown grace period.
fn stopped(id: RequestId) -> Response {
    Response::error(
        Some(id),
        ErrorObject::new(
            ErrorCode::CONNECTION_CLOSED,
            "the server is shutting down: the request was stopped before it finished",
        ),
    )
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

/// The response a decoded message deserves, if any.
async fn answer(
    server: &Server,
    session: &Arc<Session>,
    message: Result<Message, DecodeError>,
    outbox: &Outbound,
) -> Option<Response> {
    match message {
        Ok(Message::Request(request)) => {
            let scope = RequestScope {
                outbound: Some(outbox.clone()),
                ..Default::default()
            };
            server.handle_request(session, request, scope).await
        }
        Ok(Message::Notification(n)) => {
            server.handle_notification(session, n);
            None
        }
        Ok(Message::Response(r)) => {
            server.handle_response(session, r);
            None
        }
        Err(e) => Some(e.into_response()),
    }
}

fn encode(outgoing: &Outgoing) -> Option<Vec<u8>> {
    let bytes = match outgoing {
        Outgoing::One(message) => message.to_json(),
        Outgoing::Batch(messages) => serde_json::to_vec(messages),
        Outgoing::CloseStream => return None,
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
    mut rx: mpsc::Receiver<Outgoing>,
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

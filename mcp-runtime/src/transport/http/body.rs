//! Reading request bodies within bounds: a size limit per body (checked against the
//! declared `Content-Length` before any byte is read), a deadline for the whole body, and a
//! server-wide budget of buffered bytes.

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Why a body was not read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the per-body limit (declared or actual).
    TooLarge,
    /// The server-wide budget of buffered bytes is spent.
    Busy,
    /// The whole body did not arrive in time.
    TimedOut,
    /// The connection failed while reading.
    Read(String),
}

/// Bytes of request bodies buffered at once, across every connection.
#[derive(Debug)]
pub(crate) struct BodyBudget {
    used: AtomicUsize,
    max: usize,
}

impl BodyBudget {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(BodyBudget {
            used: AtomicUsize::new(0),
            max,
        })
    }

    /// A reservation of nothing yet, grown as bytes arrive.
    fn reserve(self: &Arc<Self>) -> Reservation {
        Reservation {
            budget: self.clone(),
            bytes: 0,
        }
    }

    #[cfg(test)]
    fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// Bytes taken from a [`BodyBudget`]; given back when dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    budget: Arc<BodyBudget>,
    bytes: usize,
}

impl Reservation {
    /// Takes `n` more bytes; false (taking nothing) when the budget cannot cover them.
    fn grow(&mut self, n: usize) -> bool {
        let budget = &self.budget;
        let taken = budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= budget.max)
            });
        if taken.is_ok() {
            self.bytes += n;
        }
        taken.is_ok()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// Reads a whole body of at most `max` bytes within `timeout`, its bytes counted against
/// `budget` for as long as the returned [`Reservation`] lives. A body whose declared length
/// is over `max`, or over what the budget has left, is refused before any of it is read.
pub(crate) async fn read<B>(
    body: B,
    max: usize,
    timeout: Duration,
    budget: &Arc<BodyBudget>,
) -> Result<(Bytes, Reservation), BodyError>
where
    B: Body,
    B::Error: std::fmt::Display,
{
    let mut reservation = budget.reserve();
    let declared = body.size_hint().lower();
    if declared > max as u64 {
        return Err(BodyError::TooLarge);
    }
    // Bounded by `max` just above, so it fits a usize.
    if !reservation.grow(declared as usize) {
        return Err(BodyError::Busy);
    }
    match tokio::time::timeout(timeout, collect(body, max, &mut reservation)).await {
        Ok(Ok(bytes)) => Ok((bytes, reservation)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(BodyError::TimedOut),
    }
}

async fn collect<B>(body: B, max: usize, reservation: &mut Reservation) -> Result<Bytes, BodyError>
where
    B: Body,
    B::Error: std::fmt::Display,
{
    let mut body = std::pin::pin!(body);
    // Most bodies arrive in one frame: kept as it is, without a copy.
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers carry nothing we read
        };
        // Without a copy when the body's chunks are `Bytes` already (hyper's are).
        let data = data.copy_to_bytes(data.remaining());
        len = len.saturating_add(data.len());
        if len > max {
            return Err(BodyError::TooLarge);
        }
        // The declared length was reserved up front; only bytes past it are taken now.
        if len > reservation.bytes && !reservation.grow(len - reservation.bytes) {
            return Err(BodyError::Busy);
        }
        match &first {
            None if rest.is_empty() => first = Some(data),
            _ => {
                if let Some(first) = first.take() {
                    rest.extend_from_slice(&first);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| rest.freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, StreamBody};

    fn chunks(
        parts: &[&'static [u8]],
    ) -> impl Body<Data = Bytes, Error = std::convert::Infallible> {
        let frames: Vec<Result<http_body::Frame<Bytes>, std::convert::Infallible>> = parts
            .iter()
            .map(|p| Ok(http_body::Frame::data(Bytes::from_static(p))))
            .collect();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    const LONG: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn reads_one_frame_or_many() {
        let budget = BodyBudget::new(100);
        let (bytes, r) = read(Full::new(Bytes::from_static(b"abc")), 10, LONG, &budget)
            .await
            .unwrap();
        assert_eq!(&bytes[..], b"abc");
        assert_eq!(budget.used(), 3);
        drop(r);
        assert_eq!(budget.used(), 0);
        let (bytes, _r) = read(chunks(&[b"ab", b"cd", b"e"]), 10, LONG, &budget)
            .await
            .unwrap();
        assert_eq!(&bytes[..], b"abcde");
        assert_eq!(budget.used(), 5);
    }

    #[tokio::test]
    async fn refuses_what_is_too_large_declared_or_not() {
        let budget = BodyBudget::new(100);
        let declared = read(
            Full::new(Bytes::from_static(b"0123456789x")),
            10,
            LONG,
            &budget,
        );
        assert!(matches!(declared.await, Err(BodyError::TooLarge)));
        let streamed = read(chunks(&[b"012345", b"6789x"]), 10, LONG, &budget);
        assert!(matches!(streamed.await, Err(BodyError::TooLarge)));
        assert_eq!(budget.used(), 0, "a refused body gives its bytes back");
    }

    #[tokio::test]
    async fn the_budget_is_shared() {
        let budget = BodyBudget::new(8);
        let (_a, held) = read(Full::new(Bytes::from_static(b"12345")), 10, LONG, &budget)
            .await
            .unwrap();
        let declared = read(Full::new(Bytes::from_static(b"1234")), 10, LONG, &budget);
        assert!(matches!(declared.await, Err(BodyError::Busy)));
        let streamed = read(chunks(&[b"12", b"34"]), 10, LONG, &budget);
        assert!(matches!(streamed.await, Err(BodyError::Busy)));
        drop(held);
        assert!(
            read(chunks(&[b"12", b"34"]), 10, LONG, &budget)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_body_that_never_ends_times_out() {
        let budget = BodyBudget::new(100);
        let never = StreamBody::new(futures_util::stream::pending::<
            Result<http_body::Frame<Bytes>, std::convert::Infallible>,
        >());
        let outcome = read(never, 10, Duration::from_millis(10), &budget).await;
        assert!(matches!(outcome, Err(BodyError::TimedOut)));
    }
}

//! Reading a body from a stream against a byte cap (the caps themselves are
//! `limits`'): a request body is read only up to its route's cap and an upstream answer
//! up to `UPSTREAM_MAX_BODY_BYTES`, so a chunked body costs at most the cap, never its
//! size.

use futures::{Stream, StreamExt};

/// Reads `stream` to its end, or stops at the first chunk that takes the total past
/// `cap` and answers `Ok(None)` without pulling another chunk.
pub async fn read_capped<S, E>(stream: S, cap: usize) -> Result<Option<Vec<u8>>, E>
where
    S: Stream<Item = Result<Vec<u8>, E>>,
{
    futures::pin_mut!(stream);
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len().saturating_add(chunk.len()) > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// Like [`read_capped`], but a body over `cap` is read on (discarded) up to
/// `drain_limit` bytes in all before `Ok(None)`; memory stays bounded by `cap`.
pub async fn read_capped_draining<S, E>(
    stream: S,
    cap: usize,
    drain_limit: usize,
) -> Result<Option<Vec<u8>>, E>
where
    S: Stream<Item = Result<Vec<u8>, E>>,
{
    futures::pin_mut!(stream);
    let mut body = Vec::new();
    let mut total: usize = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        total = total.saturating_add(chunk.len());
        if total > drain_limit {
            return Ok(None);
        }
        if total <= cap {
            body.extend_from_slice(&chunk);
        } else {
            body = Vec::new();
        }
    }
    Ok((total <= cap).then_some(body))
}

/// `Content-Length` when it is a plain number (header names lowercase).
pub fn declared_length(headers: &[(String, String)]) -> Option<u64> {
    headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use std::cell::Cell;

    /// An endless chunked body that counts how many chunks were pulled.
    fn endless(pulled: &Cell<usize>, chunk: usize) -> impl Stream<Item = Result<Vec<u8>, ()>> + '_ {
        futures::stream::repeat_with(move || {
            pulled.set(pulled.get() + 1);
            Ok(vec![b'x'; chunk])
        })
        .take(100_000)
    }

    #[test]
    fn an_endless_body_is_dropped_right_after_the_cap() {
        let pulled = Cell::new(0);
        let got = block_on(read_capped(endless(&pulled, 16 * 1024), 1024 * 1024));
        assert_eq!(got, Ok(None));
        assert_eq!(
            pulled.get(),
            65,
            "64 chunks fill the cap, the 65th passes it"
        );
    }

    #[test]
    fn an_oversized_body_is_drained_up_to_the_limit_without_being_kept() {
        let pulled = Cell::new(0);
        let got = block_on(read_capped_draining(
            endless(&pulled, 16 * 1024),
            1024,
            64 * 1024,
        ));
        assert_eq!(got, Ok(None));
        assert_eq!(
            pulled.get(),
            5,
            "4 chunks reach the drain limit, the 5th passes it"
        );
        let finite = vec![Ok(vec![1u8; 600]), Ok(vec![2u8; 600]), Ok(vec![3u8; 600])];
        let got = block_on(read_capped_draining(
            futures::stream::iter(finite),
            1024,
            1 << 20,
        ));
        assert_eq!(got, Ok::<_, ()>(None));
        let fits = vec![Ok(vec![1u8; 600]), Ok(vec![2u8; 400])];
        let got = block_on(read_capped_draining(
            futures::stream::iter(fits),
            1024,
            1 << 20,
        ));
        assert_eq!(got.map(|b| b.map(|b| b.len())), Ok::<_, ()>(Some(1000)));
    }

    #[test]
    fn a_body_at_the_cap_is_read_whole_and_errors_pass_through() {
        let chunks = vec![Ok(vec![1u8; 10]), Ok(vec![2u8; 6])];
        let got = block_on(read_capped(futures::stream::iter(chunks), 16));
        assert_eq!(got.map(|b| b.map(|b| b.len())), Ok::<_, ()>(Some(16)));
        let failing = vec![Ok(vec![1u8; 3]), Err("reset")];
        assert_eq!(
            block_on(read_capped(futures::stream::iter(failing), 16)),
            Err("reset")
        );
    }
}

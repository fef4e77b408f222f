//! gzip answers whose large, unchanging part is compressed once. A gzip member is one
//! deflate stream; a stream may start with stored (uncompressed) blocks, so a short head
//! that differs per request (the JSON-RPC id) goes in stored blocks and the long tail
//! that does not (a cached `tools/list` result) is deflated once and reused. The CRC of
//! the whole is combined from the parts' CRCs, so nothing is re-read per request.
//!
//! The CRC-32 is hand-written (a 1 KiB table and zlib's combine): `crc32fast`, tried in
//! its place on 2026-12-07, made the bundle 17.2 KiB gzip larger (588.5 against 571.3
//! KiB, `make bundle`) for its slice-by-16 tables, speed that a CRC over one cached tail
//! per isolate and a few dozen head bytes per answer does not need.

use miniz_oxide::deflate::compress_to_vec;

/// A tail compressed once: a complete raw deflate stream (its last block final) with the
/// CRC-32 and length of what it holds.
pub struct DeflatedTail {
    deflated: Vec<u8>,
    crc: u32,
    len: u64,
}

/// Level 6 (zlib's default): the tail is compressed once per isolate, so ratio matters
/// more than speed.
const LEVEL: u8 = 6;

impl DeflatedTail {
    pub fn new(tail: &[u8]) -> Self {
        DeflatedTail {
            deflated: compress_to_vec(tail, LEVEL),
            crc: crc32(0, tail),
            len: tail.len() as u64,
        }
    }

    /// Bytes held (for cache bounds).
    pub fn compressed_len(&self) -> usize {
        self.deflated.len()
    }
}

/// One gzip member of `head` followed by `tail`'s bytes.
pub fn with_head(head: &[u8], tail: &DeflatedTail) -> Vec<u8> {
    const STORED_MAX: usize = u16::MAX as usize;
    let blocks = head.len().div_ceil(STORED_MAX);
    let mut out = Vec::with_capacity(10 + head.len() + 5 * blocks + tail.deflated.len() + 8);
    // ID1 ID2, CM = deflate, no flags, no mtime, no extra flags, OS unknown.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    for chunk in head.chunks(STORED_MAX) {
        // BFINAL 0, BTYPE 00 (stored), padded to the byte; then LEN and its complement.
        let len = chunk.len() as u16;
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&tail.deflated);
    let crc = crc32_combine(crc32(0, head), tail.crc, tail.len);
    let size = (head.len() as u64).wrapping_add(tail.len);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out
}

/// Whether an `Accept-Encoding` value accepts gzip: named with a non-zero q, or not
/// named and `*` is accepted.
pub fn accepted(accept_encoding: &str) -> bool {
    let mut star = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if name.eq_ignore_ascii_case("gzip") {
            return !refused;
        }
        star |= name == "*" && !refused;
    }
    star
}

/// CRC-32 (IEEE, reflected, as gzip uses it) of `bytes`, continuing from `crc`.
fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in bytes {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

const POLY: u32 = 0xedb8_8320;

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// a(x) * b(x) modulo the CRC polynomial (bit-reflected, as zlib's `multmodp`).
fn multmodp(a: u32, mut b: u32) -> u32 {
    let mut m = 1u32 << 31;
    let mut p = 0u32;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                break;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    p
}

/// x^(8 * len) modulo the CRC polynomial: what shifting a CRC past `len` bytes multiplies by.
fn x8nmodp(mut len: u64) -> u32 {
    let mut p = 1u32 << 31; // x^0
    let mut square = 1u32 << 23; // x^8, then x^16, x^32, ... by squaring
    while len != 0 {
        if len & 1 != 0 {
            p = multmodp(square, p);
        }
        square = multmodp(square, square);
        len >>= 1;
    }
    p
}

/// The CRC-32 of A followed by B, from A's CRC, B's CRC and B's length.
fn crc32_combine(crc_a: u32, crc_b: u32, len_b: u64) -> u32 {
    multmodp(x8nmodp(len_b), crc_a) ^ crc_b
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::inflate::decompress_to_vec;

    /// A strict gzip reader for the tests: header, raw inflate, then CRC and size checked.
    fn gunzip(gz: &[u8]) -> Vec<u8> {
        assert_eq!(&gz[..4], &[0x1f, 0x8b, 8, 0], "header without flags");
        let body = &gz[10..gz.len() - 8];
        let out = decompress_to_vec(body).expect("a valid deflate stream");
        let trailer = &gz[gz.len() - 8..];
        assert_eq!(trailer[..4], crc32(0, &out).to_le_bytes(), "CRC");
        assert_eq!(trailer[4..], (out.len() as u32).to_le_bytes(), "ISIZE");
        out
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(0, b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(crc32(0, b"1234"), b"56789"), 0xcbf4_3926);
    }

    #[test]
    fn combined_crcs_equal_the_crc_of_the_whole() {
        let whole: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for split in [0, 1, 17, 2500, 4999, 5000] {
            let (a, b) = whole.split_at(split);
            assert_eq!(
                crc32_combine(crc32(0, a), crc32(0, b), b.len() as u64),
                crc32(0, &whole),
                "split at {split}"
            );
        }
    }

    #[test]
    fn a_head_before_a_compressed_tail_inflates_to_both() {
        let tail = br#"{"tools":[{"name":"x","description":"y"}]}"#.repeat(500);
        let compressed = DeflatedTail::new(&tail);
        assert!(compressed.compressed_len() < tail.len() / 10);
        for head in [&b""[..], b"{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":"] {
            let gz = with_head(head, &compressed);
            assert_eq!(gunzip(&gz), [head, &tail[..]].concat());
        }
    }

    #[test]
    fn a_head_longer_than_one_stored_block_is_split() {
        let head = vec![b'a'; 70_000];
        let tail = DeflatedTail::new(b"}");
        assert_eq!(gunzip(&with_head(&head, &tail)), [&head[..], b"}"].concat());
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        for yes in [
            "gzip",
            "gzip, deflate",
            "br;q=1.0, GZIP;q=0.5",
            "*",
            "deflate, *;q=0.1",
        ] {
            assert!(accepted(yes), "{yes}");
        }
        for no in [
            "",
            "identity",
            "deflate, br",
            "gzip;q=0",
            "gzip; q=0.0",
            "x-gzipped",
            "gzip;q=0, *",
        ] {
            assert!(!accepted(no), "{no}");
        }
    }
}

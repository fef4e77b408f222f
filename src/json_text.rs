//! Compact JSON text of a `serde_json::Value`, byte for byte what `serde_json::to_string`
//! writes, with a faster string escaper. A tool call's answer is mostly strings written
//! twice (`structuredContent`, then the same JSON escaped as the text item), and
//! serde_json escapes a byte at a time through a slice split per byte, which the
//! size-optimised wasm build does not inline: on Workers that was a third of a list
//! call's own CPU. Here a run of bytes that need no escape is found first and copied
//! whole.

use serde_json::Value;

/// `value` as compact JSON text, the same bytes as `serde_json::to_string(value)`.
pub fn to_string(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value);
    // Only valid UTF-8 is written: the input strings' bytes and ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `value` as compact JSON text.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // serde_json's own formatting (itoa / ryu), so numbers read back the same.
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            for (i, (name, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, name);
                out.push(b':');
                write_value(out, member);
            }
            out.push(b'}');
        }
    }
}

/// Appends `text` as a JSON string literal, escaped as serde_json escapes: `"` and `\`,
/// the short forms `\b \f \n \r \t`, `\u00XX` (lowercase) for other control bytes, and
/// nothing else (not `/`, not non-ASCII).
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.extend_from_slice(crate::crypto::hex(&[b]).as_bytes());
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn same(value: &Value) {
        assert_eq!(to_string(value), serde_json::to_string(value).unwrap());
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let cases = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-17),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(0.1),
            json!(""),
            json!("plain"),
            json!("quote \" backslash \\ slash / tab \t newline \n cr \r bs \u{8} ff \u{c}"),
            json!("\u{0}\u{1}\u{1f}\u{7f} é ü 日本 😀"),
            json!([]),
            json!({}),
            json!([1, "two", [3], {"four": 4}]),
            json!({"b": 1, "a": {"z": [null, true], "y": "\"x\""}, "": ""}),
            json!({"result": [{"number": "INC0010001", "display_values": {"caller_id": "Alice \"Al\" Johnson"}}], "next_cursor": null}),
        ];
        for case in &cases {
            same(case);
        }
    }

    #[test]
    fn escapes_every_byte_as_serde_json_does() {
        // Every ASCII byte alone, at the start, middle and end of a string.
        for b in 0u8..=0x7f {
            let c = char::from(b);
            for text in [
                format!("{c}"),
                format!("{c}ab"),
                format!("a{c}b"),
                format!("ab{c}"),
            ] {
                same(&Value::String(text));
            }
        }
    }

    #[test]
    fn agrees_on_random_values() {
        let mut rng = crate::test_rng::TestRng::new(0x9e37_79b9_7f4a_7c15_u64);
        let mut next = move || rng.next();
        const PIECES: [&str; 10] = [
            "a", "\"", "\\", "\n", "\u{1}", "é", "😀", " ", "/", "\u{7f}",
        ];
        fn build(next: &mut dyn FnMut() -> u64, depth: u32) -> Value {
            match next() % if depth > 3 { 5 } else { 7 } {
                0 => Value::Null,
                1 => Value::Bool(next().is_multiple_of(2)),
                2 => json!(next() as i64),
                3 => serde_json::Number::from_f64((next() % 1_000_000) as f64 / 7.0)
                    .map_or(Value::Null, Value::Number),
                4 => Value::String(
                    (0..next() % 12)
                        .map(|_| PIECES[(next() % 10) as usize])
                        .collect(),
                ),
                5 => Value::Array((0..next() % 5).map(|_| build(next, depth + 1)).collect()),
                _ => Value::Object(
                    (0..next() % 5)
                        .map(|_| {
                            let key: String = (0..next() % 4)
                                .map(|_| PIECES[(next() % 10) as usize])
                                .collect();
                            (key, build(next, depth + 1))
                        })
                        .collect(),
                ),
            }
        }
        for _ in 0..2_000 {
            same(&build(&mut next, 0));
        }
    }
}

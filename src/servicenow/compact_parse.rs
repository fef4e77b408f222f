//! Reads a Table API answer asked with `sysparm_display_value=all` straight into its
//! compact form: each `{"display_value", "value"}` pair becomes the stored value, with
//! the label kept under `display_values` for the fields that want one. The same result
//! as parsing to a `Value` and then `response::compact`, without building a map for
//! every field of every row first: on Workers that parse-then-rewrite was most of a list
//! call's own time (about 0.15 ms a row of wasm).

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;

/// The scalar `visit_*` methods of a visitor that keeps a scalar as the `Value` it is,
/// passed through `$keep` (the same `Value`s `serde_json::Value` builds).
macro_rules! keep_scalars {
    ($keep:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok($keep(Value::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok($keep(Value::from(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok($keep(Value::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok($keep(
                serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
            ))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok($keep(Value::String(v.to_string())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok($keep(Value::String(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($keep(Value::Null))
        }
    };
}

/// The compact records at `path` (dot-separated, e.g. `result` or `result.attributes`)
/// of a JSON answer; `None` when the body is not JSON or has nothing at `path`.
pub fn compact_result_of(body: &[u8], path: &str, labelled: &[String]) -> Option<Value> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let found = AtPath {
        path: &segments,
        labelled,
    }
    .deserialize(&mut deserializer)
    .ok()?;
    deserializer.end().ok()?;
    found
}

/// Descends `path` through objects, skipping every other member; at its end reads the
/// records (an array of them, or one).
struct AtPath<'a> {
    path: &'a [&'a str],
    labelled: &'a [String],
}

impl<'de> DeserializeSeed<'de> for AtPath<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match self.path.split_first() {
            None => Records {
                labelled: self.labelled,
            }
            .deserialize(deserializer)
            .map(Some),
            Some((first, rest)) => deserializer.deserialize_any(Member {
                name: first,
                then: AtPath {
                    path: rest,
                    labelled: self.labelled,
                },
            }),
        }
    }
}

/// An object's member `name`, read with `then`; `None` for anything else.
struct Member<'a> {
    name: &'a str,
    then: AtPath<'a>,
}

impl<'de> Visitor<'de> for Member<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with `{}`", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<KeyText<'de>>()? {
            if key.0 == self.name {
                // A repeated member: the last one counts, as in a parsed object.
                found = map.next_value_seed(AtPath {
                    path: self.then.path,
                    labelled: self.then.labelled,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    // Anything but an object has no members: nothing at the path.
    keep_scalars!(|_: Value| None);
}

/// A member name, borrowed from the body unless it has escapes.
struct KeyText<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyText(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyText(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(KeyText(std::borrow::Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The value at the path: an array's elements each a record, or one record.
struct Records<'a> {
    labelled: &'a [String],
}

impl<'de> DeserializeSeed<'de> for Records<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Records<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(row) = seq.next_element_seed(Record {
            labelled: self.labelled,
        })? {
            rows.push(row);
        }
        Ok(Value::Array(rows))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        Record {
            labelled: self.labelled,
        }
        .visit_map(map)
    }

    keep_scalars!(|value| value);
}

/// One record: each field's pair made its stored value, labels collected; anything that
/// is not an object is kept as it is.
struct Record<'a> {
    labelled: &'a [String],
}

impl<'de> DeserializeSeed<'de> for Record<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Record<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut labels = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            // Only a labelled field's label is kept: any other's is skipped unread.
            let labelled = self.labelled.contains(&name);
            match map.next_value_seed(FieldSeed { labelled })? {
                Field::Pair { stored, display } => {
                    // A repeated field: the last one counts, its label included.
                    labels.remove(&name);
                    if let Some(display) = display {
                        let differs = stored.as_str() != Some(display.as_str());
                        if differs && !display.is_empty() && labelled {
                            labels.insert(name.clone(), Value::String(display));
                        }
                    }
                    out.insert(name, stored);
                }
                Field::Plain(value) => {
                    labels.remove(&name);
                    out.insert(name, value);
                }
            }
        }
        if !labels.is_empty() {
            out.insert("display_values".into(), Value::Object(labels));
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }

    keep_scalars!(|value| value);
}

/// A record's field: a `{display_value, value}` object (any other members dropped, a
/// missing `value` read as ""), or any other JSON kept whole.
enum Field {
    Pair {
        stored: Value,
        display: Option<String>,
    },
    Plain(Value),
}

/// Reads a [`Field`]; `labelled` says whether its label is wanted (if not, the
/// `display_value` is skipped without building a string for it).
struct FieldSeed {
    labelled: bool,
}

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        struct FieldVisitor {
            labelled: bool,
        }
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field value")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
                let mut stored = None;
                let mut display = None;
                while let Some(key) = map.next_key::<KeyText<'de>>()? {
                    match key.0.as_ref() {
                        "value" => stored = Some(map.next_value::<Value>()?),
                        "display_value" if self.labelled => {
                            display = match map.next_value::<Value>()? {
                                Value::String(text) => Some(text),
                                _ => None,
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Field::Pair {
                    stored: stored.unwrap_or_else(|| Value::String(String::new())),
                    display,
                })
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Field::Plain)
            }
            keep_scalars!(Field::Plain);
        }
        deserializer.deserialize_any(FieldVisitor {
            labelled: self.labelled,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::servicenow::response::{compact, result_of};
    use serde_json::json;

    /// The reference: the answer parsed whole, the path taken, then compacted.
    fn slow(body: &[u8], path: &str, labelled: &[String]) -> Option<Value> {
        let response = HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: body.to_vec(),
        };
        result_of(&response, path).map(|found| compact(found, labelled))
    }

    fn labelled() -> Vec<String> {
        vec!["caller_id".into(), "state".into(), "assigned_to".into()]
    }

    fn same(body: &str, path: &str) {
        let labelled = labelled();
        assert_eq!(
            compact_result_of(body.as_bytes(), path, &labelled),
            slow(body.as_bytes(), path, &labelled),
            "{body} at {path}"
        );
    }

    #[test]
    fn agrees_with_parse_then_compact() {
        let cases = [
            r#"{"result":[{"number":{"display_value":"INC0010001","value":"INC0010001"},"caller_id":{"display_value":"Alice Johnson","value":"62826bf03710200044e0bfc8bcbe5df1","link":"https://x/api"},"state":{"display_value":"New","value":"1"},"short_description":{"display_value":"VPN \"down\"\n","value":"VPN \"down\"\n"}}]}"#,
            r#"{"result":{"sys_id":{"display_value":"a","value":"a"},"assigned_to":{"display_value":"","value":""}}}"#,
            r#"{"result":[]}"#,
            r#"{"result":"text"}"#,
            r#"{"result":null}"#,
            r#"{"result":[1,"two",null,true,[3],{"x":5}]}"#,
            r#"{"result":[{"state":{"value":"2"},"caller_id":{"display_value":"Bob"}}]}"#,
            r#"{"result":[{"state":{"display_value":7,"value":"2"},"n":{"display_value":"x","value":{"nested":[1]}}}]}"#,
            r#"{"result":[{"state":{"display_value":"New","value":"1"},"state":"plain"}]}"#,
            r#"{"result":[{"state":"plain","state":{"display_value":"New","value":"1"}}]}"#,
            r#"{"other":1,"result":[{"a":{"display_value":"é \u00e9 \ud83d\ude00","value":"b"}}],"more":[{"x":{}}]}"#,
            r#"{"result":[{"a":1}],"result":[{"caller_id":{"display_value":"Z","value":"z"}}]}"#,
            r#"{"result":[{"display_values":{"display_value":"q","value":"r"},"caller_id":{"display_value":"Q","value":"q"}}]}"#,
            r#"{"result":{"attributes":{"name":{"display_value":"srv","value":"srv"}},"outbound_relations":[]}}"#,
            r#"[1,2]"#,
            r#""result""#,
            r#"{"error":{"message":"no"}}"#,
        ];
        for case in cases {
            same(case, "result");
            same(case, "result.attributes");
        }
    }

    #[test]
    fn refuses_what_is_not_json() {
        let labelled = labelled();
        for body in [
            "",
            "{",
            r#"{"result":[}"#,
            r#"{"result":[]} trailing"#,
            "\u{0}",
        ] {
            assert_eq!(
                compact_result_of(body.as_bytes(), "result", &labelled),
                None,
                "{body:?}"
            );
            assert_eq!(slow(body.as_bytes(), "result", &labelled), None, "{body:?}");
        }
    }

    #[test]
    fn keeps_labels_only_for_labelled_fields_that_differ() {
        let body = json!({"result": [{
            "caller_id": {"display_value": "Alice", "value": "6282"},
            "state": {"display_value": "1", "value": "1"},
            "category": {"display_value": "Network", "value": "network"},
        }]})
        .to_string();
        let got = compact_result_of(body.as_bytes(), "result", &labelled()).unwrap();
        assert_eq!(
            got,
            json!([{
                "caller_id": "6282",
                "state": "1",
                "category": "network",
                "display_values": {"caller_id": "Alice"},
            }])
        );
    }

    #[test]
    fn agrees_on_random_records() {
        // Deterministic pseudo-random records: pairs, plain values, repeated names.
        let mut rng = crate::test_rng::TestRng::new(0x2545_f491_4f6c_dd1d_u64);
        let mut next = move || rng.next();
        let names = [
            "caller_id",
            "state",
            "number",
            "assigned_to",
            "x",
            "display_values",
        ];
        let texts = ["", "1", "Alice", "é\"\\\n", "62826bf0"];
        for _ in 0..500 {
            let mut rows = Vec::new();
            for _ in 0..(next() % 4) {
                let mut fields = Vec::new();
                for _ in 0..(next() % 6) {
                    let name = names[(next() % names.len() as u64) as usize];
                    let text = |n: u64| json!(texts[(n % texts.len() as u64) as usize]);
                    let value = match next() % 5 {
                        0 => text(next()),
                        1 => json!({"value": text(next())}),
                        2 => json!({"display_value": text(next())}),
                        3 => json!(next() % 100),
                        _ => {
                            json!({"display_value": text(next()), "value": text(next()), "link": "l"})
                        }
                    };
                    fields.push(format!("{}:{}", json!(name), value));
                }
                rows.push(format!("{{{}}}", fields.join(",")));
            }
            same(&format!("{{\"result\":[{}]}}", rows.join(",")), "result");
        }
    }
}

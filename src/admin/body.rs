//! Request bodies: a JSON object of known fields, read field by field so every error
//! names the field it is about. Unknown fields are refused, all of them named.

use super::error::ApiError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub type Object = Map<String, Value>;

/// Parses `body` as a JSON object whose fields are all in `allowed`.
pub fn object(body: &[u8], allowed: &[&str]) -> Result<Object, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "empty_body",
            format!(
                "the request body is empty: send a JSON object with fields {}",
                allowed.join(", ")
            ),
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("the request body is not valid JSON: {e}"),
        )
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad_request(
            "invalid_body",
            format!(
                "the request body must be a JSON object with fields {}",
                allowed.join(", ")
            ),
        ));
    };
    reject_unknown(&object, allowed, "the request body")?;
    Ok(object)
}

/// Refuses fields of `object` not in `allowed`, naming every one of them.
pub fn reject_unknown(object: &Object, allowed: &[&str], place: &str) -> Result<(), ApiError> {
    let unknown: Vec<String> = object
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("`{}`", clip(k)))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "unknown_fields",
        format!(
            "unknown field(s) in {place}: {}; allowed fields: {}",
            unknown.join(", "),
            allowed.join(", ")
        ),
    ))
}

/// A field of a PATCH body: left out, explicitly `null`, or given.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    Absent,
    Null,
    Value(T),
}

/// Reads `name` from `object` as a `T`; a wrong type is a 400 naming the field.
pub fn field<T: DeserializeOwned>(object: &Object, name: &str) -> Result<Field<T>, ApiError> {
    match object.get(name) {
        None => Ok(Field::Absent),
        Some(Value::Null) => Ok(Field::Null),
        Some(value) => serde_json::from_value(value.clone())
            .map(Field::Value)
            .map_err(|e| ApiError::bad_request("invalid_field", format!("`{name}`: {e}"))),
    }
}

/// A field that must be present and not null.
pub fn required<T: DeserializeOwned>(
    object: &Object,
    name: &str,
    hint: &str,
) -> Result<T, ApiError> {
    match field(object, name)? {
        Field::Value(v) => Ok(v),
        Field::Absent | Field::Null => Err(ApiError::bad_request(
            "missing_field",
            format!("`{name}` is required: {hint}"),
        )),
    }
}

/// A field that may be left out or `null` (both mean "not set").
pub fn optional<T: DeserializeOwned>(object: &Object, name: &str) -> Result<Option<T>, ApiError> {
    match field(object, name)? {
        Field::Value(v) => Ok(Some(v)),
        Field::Absent | Field::Null => Ok(None),
    }
}

/// At most 64 characters of caller input for an error message.
pub fn clip(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_json_objects_of_known_fields() {
        let cases: [(&str, &[u8], &str); 5] = [
            ("empty", b"", "empty_body"),
            ("blank", b"  \n", "empty_body"),
            ("not json", b"name=x", "invalid_json"),
            ("array", b"[1]", "invalid_body"),
            (
                "unknown fields",
                br#"{"name":"a","colour":1,"size":2}"#,
                "unknown_fields",
            ),
        ];
        for (name, body, code) in cases {
            let err = object(body, &["name"]).unwrap_err();
            assert_eq!((err.status, err.code), (400, code), "{name}");
        }
        let err = object(br#"{"name":"a","colour":1,"size":2}"#, &["name"]).unwrap_err();
        assert!(
            err.message.contains("`colour`") && err.message.contains("`size`"),
            "{}",
            err.message
        );
        assert!(object(br#"{"name":"a"}"#, &["name"]).is_ok());
    }

    #[test]
    fn fields_distinguish_absent_null_and_value_and_name_type_errors() {
        let body = object(br#"{"a":null,"b":true,"c":"x"}"#, &["a", "b", "c", "d"]).unwrap();
        assert_eq!(field::<bool>(&body, "a"), Ok(Field::Null));
        assert_eq!(field::<bool>(&body, "b"), Ok(Field::Value(true)));
        assert_eq!(field::<bool>(&body, "d"), Ok(Field::Absent));
        let err = field::<bool>(&body, "c").unwrap_err();
        assert!(
            err.message.starts_with("`c`: invalid type"),
            "{}",
            err.message
        );
        assert_eq!(
            required::<bool>(&body, "a", "say yes").unwrap_err().code,
            "missing_field"
        );
        assert_eq!(optional::<bool>(&body, "a"), Ok(None));
    }

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(clip("abc"), "abc");
        let long = "é".repeat(100);
        assert_eq!(clip(&long).chars().count(), 67);
    }
}

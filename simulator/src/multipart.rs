//! `multipart/form-data` bodies (RFC 7578) as the Attachment API's
//! `POST /api/now/attachment/upload` takes them: form fields first, the file in the last
//! part with its own `Content-Type`. Pure; errors are plain sentences.

/// One part: its form field name, the file name when it is a file, its type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let essence = params.next()?.trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        (!value.is_empty() && value.len() <= 70).then(|| value.to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A parameter of a `Content-Disposition` header (`name="table_name"`).
fn disposition_param(header: &str, key: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn part(raw: &[u8]) -> Result<Part, String> {
    let split = find(raw, b"\r\n\r\n", 0).ok_or("a part has no blank line after its headers")?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| "part headers are not UTF-8")?;
    let mut disposition = None;
    let mut content_type = None;
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("malformed part header line {line:?}"))?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => disposition = Some(value.trim().to_string()),
            "content-type" => content_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let disposition = disposition.ok_or("a part has no Content-Disposition header")?;
    if !disposition.to_ascii_lowercase().starts_with("form-data") {
        return Err(format!("a part is {disposition:?}, not form-data"));
    }
    let name = disposition_param(&disposition, "name").ok_or("a part has no name")?;
    Ok(Part {
        name,
        file_name: disposition_param(&disposition, "filename"),
        content_type,
        body: raw[split + 4..].to_vec(),
    })
}

/// The parts of `body`, in order, or why it is not a well-formed multipart body.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or("the body holds no boundary delimiter")?;
    let next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
    let mut parts = Vec::new();
    loop {
        let after = at + delimiter.len();
        match body.get(after..after + 2) {
            Some(b"--") => return Ok(parts),
            Some(b"\r\n") => {}
            _ => return Err("a boundary delimiter is not followed by a line break".into()),
        }
        let start = after + 2;
        let end = find(body, &next_delimiter, start)
            .ok_or("the body ends without the closing boundary")?;
        parts.push(part(&body[start..end])?);
        at = end + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"table_name\"\r\n\r\nincident\r\n--XyZ\r\nContent-Disposition: form-data; name=\"table_sys_id\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"uploadFile\"; filename=\"log.txt\"\r\nContent-Type: text/plain\r\n\r\nline 1\r\n--Xy not it\r\nline 2\r\n--XyZ--\r\n";

    #[test]
    fn fields_then_the_file_with_its_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(
            boundary("Multipart/Form-Data;boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
        let parts = parse(BODY, "XyZ").unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].body.as_slice()),
            ("table_name", b"incident".as_slice())
        );
        assert_eq!(parts[1].file_name, None);
        assert_eq!(parts[2].file_name.as_deref(), Some("log.txt"));
        assert_eq!(parts[2].content_type.as_deref(), Some("text/plain"));
        // A line that only starts like the delimiter is content.
        assert_eq!(parts[2].body, b"line 1\r\n--Xy not it\r\nline 2");
    }

    #[test]
    fn malformed_bodies_are_named() {
        for (case, body) in [
            ("no delimiter", b"hello".as_slice()),
            (
                "no closing boundary",
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1",
            ),
            (
                "no blank line",
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n--XyZ--",
            ),
            (
                "no disposition",
                b"--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--",
            ),
            ("no line break", b"--XyZjunk"),
        ] {
            assert!(parse(body, "XyZ").is_err(), "{case}");
        }
    }
}

//! Which browser origins may call the worker: the one rule the MCP endpoint and the
//! admin API share (DNS-rebinding protection and CORS).

/// Where browsers may call from: loopback origins, the origin of `PUBLIC_URL`, and
/// `ALLOWED_ORIGINS`. The request's own `Host` is deliberately not trusted: a page on
/// `evil.example` whose name was rebound to this server sends `Host` and `Origin` both
/// as `evil.example`, which is exactly the DNS-rebinding request to refuse.
pub struct OriginPolicy<'a> {
    pub allowed: &'a [String],
    pub public_url: Option<&'a str>,
}

impl OriginPolicy<'_> {
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        if is_loopback_origin(origin)
            || self
                .public_url
                .is_some_and(|url| origin_of(url).eq_ignore_ascii_case(origin))
        {
            return true;
        }
        self.allowed
            .iter()
            .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
    }
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> &str {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            &url[..scheme.len() + 3 + host_len]
        }
        None => url,
    }
}

fn is_loopback_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']')
            .next()
            .map(|h| format!("[{h}]"))
            .unwrap_or_default()
    } else {
        rest.split(':').next().unwrap_or("").to_ascii_lowercase()
    };
    let port_ok = match rest.rsplit_once(':') {
        Some((h, port)) if !h.ends_with('[') && !port.contains(']') => port.parse::<u16>().is_ok(),
        _ => true,
    };
    port_ok && matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_allowed_are_loopback_public_url_and_configured() {
        let extra = vec!["https://claude.ai".to_string()];
        let p = OriginPolicy {
            allowed: &extra,
            public_url: Some("https://w.example.com/base"),
        };
        for (origin, ok) in [
            ("http://localhost:6274", true),
            ("http://127.0.0.1:8787", true),
            ("http://[::1]:3000", true),
            ("https://localhost", true),
            ("https://w.example.com", true),
            ("http://w.example.com", false),
            ("https://claude.ai", true),
            ("https://evil.example", false),
            ("http://localhost.evil.example", false),
            ("http://127.0.0.1.nip.io", false),
            ("null", false),
            ("file://localhost", false),
        ] {
            assert_eq!(p.allows(origin), ok, "{origin}");
        }
    }
}

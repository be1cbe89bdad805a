//! Small helpers shared by the readers.

use serde_json::Value;

/// An object's entries sorted by key, so what the readers produce does not
/// depend on whether `serde_json` keeps document order (its `preserve_order`
/// feature, which another crate in a build may turn on).
pub(crate) fn sorted(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<(&String, &Value)> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// Escapes one JSON pointer segment (RFC 6901).
pub(crate) fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `base` + `/` + escaped `segment`.
pub(crate) fn join_pointer(base: &str, segment: impl std::fmt::Display) -> String {
    format!("{base}/{}", escape_pointer(&segment.to_string()))
}

/// A string field, trimmed, `None` when absent or blank.
pub(crate) fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The first of several spellings of a field that is present (camelCase and
/// snake_case server.json fields).
pub(crate) fn field<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k))
}

/// Shortens text for an error message.
pub(crate) fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max_chars).collect();
        out.push('…');
        out
    }
}

/// Replaces `{name}` in a URL template by `variables[name]` (as given by
/// `lookup`); unknown names are left as they are.
pub(crate) fn substitute(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The host of an absolute `http`/`https` (or `ws`/`wss`) URL: lower-case, no
/// port, no trailing dot. `None` for relative URLs, other schemes, and URLs
/// whose host is still a `{template}`.
pub(crate) fn url_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let authority = raw.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or_default()
    });
    if authority.contains('{') {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https" | "ws" | "wss") {
        return None;
    }
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Sorts and deduplicates.
pub(crate) fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(
            url_host("https://API.Example.com:8443/v1").as_deref(),
            Some("api.example.com")
        );
        assert_eq!(
            url_host("http://user:pw@h.example./x").as_deref(),
            Some("h.example")
        );
        assert_eq!(url_host("/v1"), None);
        assert_eq!(url_host("ftp://files.example.com"), None);
        assert_eq!(url_host("https://{tenant}.example.com"), None);
        assert_eq!(
            url_host("https://a.example/x?k={key}").as_deref(),
            Some("a.example")
        );
        assert_eq!(url_host("http://[::1]:3000/mcp").as_deref(), Some("[::1]"));
    }

    #[test]
    fn templates_are_substituted() {
        let s = substitute("https://{host}:{port}/x/{missing}", |n| match n {
            "host" => Some("a.example".into()),
            "port" => Some("80".into()),
            _ => None,
        });
        assert_eq!(s, "https://a.example:80/x/{missing}");
        assert_eq!(substitute("a{b", |_| None), "a{b");
    }

    #[test]
    fn pointers_are_escaped() {
        assert_eq!(join_pointer("/paths", "/v1/a~b"), "/paths/~1v1~1a~0b");
    }

    #[test]
    fn text_is_shortened() {
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}

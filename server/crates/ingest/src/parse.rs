//! Bytes to a JSON value: JSON first, YAML for anything that does not look
//! like JSON.

use serde_json::{Map, Number, Value};

use crate::IngestError;

/// Parses a JSON or YAML document into a JSON value.
///
/// A document whose first character is `{` or `[` is JSON, and a JSON error is
/// reported as such ("invalid JSON at line 3 column 5: …"). Anything else is
/// read as YAML; a YAML document must be a mapping or a sequence (a plain
/// sentence is valid YAML, but not a manifest).
pub(crate) fn parse_document(bytes: &[u8]) -> Result<Value, IngestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        IngestError::NotJsonOrYaml(format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(IngestError::NotJsonOrYaml("the file is empty".into()));
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(text).map_err(|e| {
            IngestError::NotJsonOrYaml(format!(
                "invalid JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                strip_position(&e.to_string())
            ))
        });
    }
    let mut yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let message = strip_position(&e.to_string());
        IngestError::NotJsonOrYaml(match e.location() {
            Some(l) => format!(
                "invalid YAML at line {} column {}: {message}",
                l.line(),
                l.column()
            ),
            None => format!("invalid YAML: {message}"),
        })
    })?;
    yaml.apply_merge()
        .map_err(|e| IngestError::NotJsonOrYaml(format!("invalid YAML merge key (<<): {e}")))?;
    match yaml_to_json(yaml) {
        v @ (Value::Object(_) | Value::Array(_)) => Ok(v),
        _ => Err(IngestError::NotJsonOrYaml(
            "the text is neither a JSON document nor a YAML mapping or list".into(),
        )),
    }
}

/// Drops the " at line L column C" that serde appends to its messages (the
/// position is given in front instead).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_string(),
        _ => message.to_string(),
    }
}

/// Converts YAML to JSON: tags are dropped, mapping keys that are not strings
/// (such as response codes `200:`) become their text, and numbers JSON cannot
/// hold (NaN, infinities) become strings.
fn yaml_to_json(v: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Number::from_f64(f).map_or_else(|| Value::String(n.to_string()), Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                out.insert(yaml_key(k), yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

fn yaml_key(k: serde_yaml_ng::Value) -> String {
    use serde_yaml_ng::Value as Y;
    match k {
        Y::String(s) => s,
        Y::Null => "null".into(),
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => n.to_string(),
        Y::Tagged(t) => yaml_key(t.value),
        other => serde_json::to_string(&yaml_to_json(other)).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(bytes: &[u8]) -> String {
        match parse_document(bytes) {
            Err(IngestError::NotJsonOrYaml(m)) => m,
            other => panic!("expected NotJsonOrYaml, got {other:?}"),
        }
    }

    #[test]
    fn json_errors_give_the_position() {
        let m = err(b"{\n  \"a\": 1,\n  \"b\" 2\n}");
        assert!(
            m.starts_with("invalid JSON at line 3 column 7: expected `:`"),
            "{m}"
        );
        assert!(!m.contains(" at line 3 column 7\""), "{m}");
        let m = err(b"[1, 2");
        assert!(m.starts_with("invalid JSON at line 1 column 5"), "{m}");
    }

    #[test]
    fn yaml_errors_give_the_position() {
        let m = err(b"openapi: 3.0.0\ninfo:\n  title: [unclosed\n");
        assert!(m.starts_with("invalid YAML at line"), "{m}");
    }

    #[test]
    fn empty_binary_and_plain_text_are_refused() {
        assert_eq!(err(b"  \n"), "the file is empty");
        assert!(err(b"\xff\xfe\x00").contains("not UTF-8"));
        assert!(err(b"just some words").contains("neither"));
    }

    #[test]
    fn yaml_becomes_json() {
        let v = parse_document(
            b"\xEF\xBB\xBFbase: &b {x: 1}\nmerged:\n  <<: *b\n  y: !tag 2\nresponses:\n  200: ok\n  true: yes\n",
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"base":{"x":1},"merged":{"x":1,"y":2},"responses":{"200":"ok","true":"yes"}})
        );
    }

    #[test]
    fn json_with_a_bom_is_read() {
        assert_eq!(
            parse_document(b"\xEF\xBB\xBF{\"a\":1}").unwrap(),
            serde_json::json!({"a":1})
        );
    }
}

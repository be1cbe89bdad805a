//! An incremental `text/event-stream` parser (the WHATWG event-stream format),
//! reduced to what MCP needs: the data of each `message` event.

/// Feeds bytes as they arrive; hands back the data of every completed event.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    /// The previous byte was `\r`: a `\n` right after it ends no new line.
    after_cr: bool,
    /// No line has been completed yet (a leading BOM is dropped).
    at_start: bool,
    data: String,
    has_data: bool,
    event: String,
}

/// The stream is not valid UTF-8.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotUtf8;

impl SseParser {
    pub(crate) fn new() -> Self {
        Self {
            at_start: true,
            ..Self::default()
        }
    }

    /// Parses `chunk`, returning the data of each `message` event it completes
    /// (events of other types are skipped).
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<Vec<String>, NotUtf8> {
        let mut out = Vec::new();
        for &byte in chunk {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, &mut out)?;
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(byte);
                }
            }
        }
        Ok(out)
    }

    /// The stream ended: an event still being built is dispatched (the format
    /// would drop it; servers that close without a final blank line are common).
    pub(crate) fn finish(&mut self) -> Result<Vec<String>, NotUtf8> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.line_done(&line, &mut out)?;
        }
        self.line_done(b"", &mut out)?;
        Ok(out)
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<String>) -> Result<(), NotUtf8> {
        let mut line = std::str::from_utf8(line).map_err(|_| NotUtf8)?;
        if self.at_start {
            self.at_start = false;
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let mut data = std::mem::take(&mut self.data);
            if std::mem::take(&mut self.has_data) && (event.is_empty() || event == "message") {
                data.pop(); // the '\n' after the last data line
                out.push(data);
            }
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(()); // comment
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "event" => self.event = value.to_owned(),
            _ => {} // id, retry and unknown fields
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]]) -> Vec<String> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(p.feed(c).unwrap());
        }
        out.extend(p.finish().unwrap());
        out
    }

    #[test]
    fn single_event() {
        assert_eq!(
            parse_all(&[b"event: message\nid: 1\ndata: {\"a\":1}\n\n"]),
            vec!["{\"a\":1}"]
        );
    }

    #[test]
    fn multi_line_data_is_joined_with_newlines() {
        assert_eq!(
            parse_all(&[b"data: {\"a\":\ndata:1}\n\n"]),
            vec!["{\"a\":\n1}"]
        );
    }

    #[test]
    fn crlf_cr_and_split_chunks() {
        let out = parse_all(&[
            b"\xef\xbb\xbfdata: one\r",
            b"\n\r\n: a comment\r\ndata: t",
            b"wo\r\rdata:three\n\n",
        ]);
        assert_eq!(out, vec!["one", "two", "three"]);
    }

    #[test]
    fn other_event_types_and_empty_events_are_skipped() {
        let out = parse_all(&[b"event: ping\ndata: x\n\nid: 7\n\nretry: 10\n\ndata: y\n\n"]);
        assert_eq!(out, vec!["y"]);
    }

    #[test]
    fn unterminated_last_event_is_dispatched_at_end() {
        assert_eq!(parse_all(&[b"data: last"]), vec!["last"]);
    }

    #[test]
    fn field_without_colon_and_value_without_space() {
        assert_eq!(parse_all(&[b"data\ndata:x\n\n"]), vec!["\nx"]);
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: \xff\n"), Err(NotUtf8));
    }
}

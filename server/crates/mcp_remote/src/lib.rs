//! A minimal MCP client: `initialize`, `notifications/initialized`, `tools/list`
//! over Streamable HTTP, returning the bytes the server really sent.
//!
//! Publishers give the URL of their remote MCP server; [`fetch_tools`] asks the
//! server itself and records what it answered, so the tool list Steward reviews
//! is evidence, not a claim.
//!
//! The fetch is made on behalf of a third party, so it is guarded against
//! server-side request forgery: only `http`/`https`, no credentials in the URL,
//! no private or reserved addresses (unless [`FetchPolicy::allow_private`]), the
//! connection pinned to the address that was checked (no DNS rebinding), no
//! redirects, no proxy, a size limit on every response enforced while reading,
//! and one deadline for the whole exchange.

mod addr;
mod sse;
#[cfg(feature = "testing")]
pub mod testing;

pub use addr::is_private;

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tokio::time::{Instant, timeout_at};
use url::{Host, Url};

/// The protocol version Steward asks for; whatever the server answers is accepted.
pub const PROTOCOL_VERSION: &str = "2025-06-18";

/// At most this many `tools/list` pages are followed.
pub const MAX_PAGES: usize = 50;

const CLIENT_NAME: &str = "steward";
const CLIENT_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Server error texts quoted in [`FetchError::Protocol`] are cut to this many characters.
const MAX_QUOTED_CHARS: usize = 500;

/// Limits of one fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Allow loopback, private, link-local and other non-public addresses.
    /// False in production; tests against local servers set it.
    pub allow_private: bool,
    /// The whole fetch, name resolution and every request included.
    pub timeout: Duration,
    /// The most bytes read from any one response body.
    pub max_response_bytes: usize,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: Duration::from_secs(15),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}

/// What a remote MCP server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteCapture {
    /// The URL fetched (as parsed, e.g. `https://example.com/mcp`).
    pub url: String,
    /// `protocolVersion` from the `initialize` result, if the server gave a string.
    pub protocol_version: Option<String>,
    /// `serverInfo` from the `initialize` result as returned (`null` if absent).
    pub server_info: Value,
    /// The JSON-RPC `result` object of `initialize`, as returned.
    pub initialize_result: Value,
    /// `{"tools": [...]}`: the tools of every `tools/list` page, in order.
    pub tools: Value,
    /// `{"url": .., "initialize": <JSON-RPC response>, "toolsList": [<JSON-RPC
    /// responses>]}`: the server's messages as received, serialized with sorted
    /// keys and no whitespace, so the same exchange always gives the same bytes.
    /// No time is recorded; the caller adds it.
    pub raw: Vec<u8>,
}

/// Why a fetch failed. Messages are meant for the publisher: they name only what
/// the publisher gave (the URL, its host) and what the server itself said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    #[error("refused: {0}")]
    Refused(String),
    #[error("could not reach the server: {0}")]
    Unreachable(String),
    #[error("the server did not answer in time")]
    Timeout,
    #[error("the server's response is larger than allowed")]
    TooLarge,
    #[error("the server did not answer as an MCP server: {0}")]
    Protocol(String),
    #[error("{}", http_message(*.0))]
    Http(u16),
}

fn http_message(code: u16) -> String {
    if (300..400).contains(&code) {
        format!(
            "the server answered with a redirect (HTTP {code}); redirects are not followed, give the final URL"
        )
    } else {
        format!("the server answered with HTTP status {code}")
    }
}

/// Calls `initialize`, `notifications/initialized` and `tools/list` (every page)
/// on the MCP server at `url` (Streamable HTTP transport), then ends the session.
pub async fn fetch_tools(url: &str, policy: &FetchPolicy) -> Result<RemoteCapture, FetchError> {
    let url = check_url(url)?;
    let deadline = Instant::now() + policy.timeout;
    let mut session: Option<Session> = None;
    let result = match timeout_at(deadline, exchange(&url, policy, &mut session)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout),
    };
    if let Some(session) = session.filter(|s| s.session_id.is_some()) {
        // Ending the session is a courtesy: failures and timeouts are ignored.
        let _ = timeout_at(deadline, session.delete()).await;
    }
    result
}

/// Parses the URL and applies the rules that need no network.
fn check_url(input: &str) -> Result<Url, FetchError> {
    let url = Url::parse(input.trim()).map_err(|e| FetchError::InvalidUrl(format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Refused(format!(
            "only http and https URLs are fetched, not {}:",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Refused(
            "the URL must not contain a user name or password".into(),
        ));
    }
    if url.host().is_none() {
        return Err(FetchError::InvalidUrl("the URL has no host".into()));
    }
    Ok(url)
}

/// `host` or `host:port` as written in the URL: what messages may name.
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Resolves the host, applies the address policy and builds a client that can
/// only connect to the addresses checked.
async fn pinned_client(url: &Url, policy: &FetchPolicy) -> Result<Client, FetchError> {
    let port = url.port_or_known_default().unwrap_or(80);
    let builder = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("steward-mcp-remote/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(policy.timeout);
    let builder = match url.host() {
        Some(Host::Ipv4(ip)) => {
            refuse_private(ip.into(), policy, &ip.to_string())?;
            builder
        }
        Some(Host::Ipv6(ip)) => {
            refuse_private(ip.into(), policy, &ip.to_string())?;
            builder
        }
        Some(Host::Domain(domain)) => {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((domain, port))
                .await
                .map_err(|_| FetchError::Unreachable(format!("could not resolve {domain}")))?
                .collect();
            if addrs.is_empty() {
                return Err(FetchError::Unreachable(format!(
                    "could not resolve {domain}"
                )));
            }
            for addr in &addrs {
                refuse_private(addr.ip(), policy, domain)?;
            }
            builder.resolve_to_addrs(domain, &addrs)
        }
        None => return Err(FetchError::InvalidUrl("the URL has no host".into())),
    };
    builder
        .build()
        .map_err(|_| FetchError::Unreachable("could not set up an HTTP client".into()))
}

fn refuse_private(
    ip: std::net::IpAddr,
    policy: &FetchPolicy,
    host: &str,
) -> Result<(), FetchError> {
    if is_private(ip) && !policy.allow_private {
        return Err(FetchError::Refused(format!(
            "{host} is or resolves to a private, local or reserved address; only public servers can be fetched"
        )));
    }
    Ok(())
}

/// The whole exchange; `session` is filled in as soon as there is one, so the
/// caller can end it whatever happens afterwards.
async fn exchange(
    url: &Url,
    policy: &FetchPolicy,
    session: &mut Option<Session>,
) -> Result<RemoteCapture, FetchError> {
    let client = pinned_client(url, policy).await?;
    let session = session.insert(Session {
        client,
        url: url.clone(),
        authority: authority(url),
        max_bytes: policy.max_response_bytes,
        session_id: None,
        protocol_version: None,
    });

    let init_params = json!({
        "protocolVersion": PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": CLIENT_NAME, "version": CLIENT_VERSION},
    });
    let init_msg = session.request(1, "initialize", init_params).await?;
    let initialize_result = init_msg["result"].clone();
    if !initialize_result.is_object() {
        return Err(FetchError::Protocol(
            "the initialize result is not a JSON object".into(),
        ));
    }
    let protocol_version = initialize_result
        .get("protocolVersion")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(version) = &protocol_version {
        session.protocol_version = Some(HeaderValue::from_str(version).map_err(|_| {
            FetchError::Protocol("the server announced an unusable protocol version".into())
        })?);
    }
    let server_info = initialize_result
        .get("serverInfo")
        .cloned()
        .unwrap_or(Value::Null);

    session.notify("notifications/initialized").await?;

    let mut tools = Vec::new();
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        if page == MAX_PAGES {
            return Err(FetchError::Protocol(format!(
                "tools/list has more than {MAX_PAGES} pages"
            )));
        }
        let params = match &cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        };
        let id = 2 + page as u64;
        let msg = session.request(id, "tools/list", params).await?;
        let result = &msg["result"];
        let Some(page_tools) = result.get("tools").and_then(Value::as_array) else {
            return Err(FetchError::Protocol(
                "the tools/list result has no \"tools\" array".into(),
            ));
        };
        tools.extend(page_tools.iter().cloned());
        cursor = match result.get("nextCursor") {
            None | Some(Value::Null) => None,
            Some(Value::String(c)) if c.is_empty() => None,
            Some(Value::String(c)) => Some(c.clone()),
            Some(_) => {
                return Err(FetchError::Protocol(
                    "the tools/list nextCursor is not a string".into(),
                ));
            }
        };
        pages.push(msg);
        if cursor.is_none() {
            break;
        }
    }

    let raw = json!({
        "url": url.as_str(),
        "initialize": init_msg,
        "toolsList": pages,
    });
    let raw = serde_json::to_vec(&canonical(&raw)).expect("a JSON value serializes");
    Ok(RemoteCapture {
        url: url.as_str().to_owned(),
        protocol_version,
        server_info,
        initialize_result,
        tools: json!({ "tools": tools }),
        raw,
    })
}

/// The same value with every object's keys inserted in sorted order, so the
/// serialization is the same whichever map serde_json was built with.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// One MCP session over Streamable HTTP.
struct Session {
    client: Client,
    url: Url,
    authority: String,
    max_bytes: usize,
    session_id: Option<HeaderValue>,
    protocol_version: Option<HeaderValue>,
}

impl Session {
    fn with_session_headers(&self, mut req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(id) = &self.session_id {
            req = req.header("Mcp-Session-Id", id.clone());
        }
        if let Some(version) = &self.protocol_version {
            req = req.header("MCP-Protocol-Version", version.clone());
        }
        req
    }

    fn post(&self, body: &Value) -> reqwest::RequestBuilder {
        let body = serde_json::to_vec(body).expect("a JSON value serializes");
        self.with_session_headers(self.client.post(self.url.clone()))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .body(body)
    }

    /// Sends a request and returns the server's JSON-RPC response to it (the
    /// whole message, checked to carry a `result`).
    async fn request(&mut self, id: u64, method: &str, params: Value) -> Result<Value, FetchError> {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut resp = self
            .post(&body)
            .send()
            .await
            .map_err(|e| self.send_error(&e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Http(status.as_u16()));
        }
        if status == StatusCode::ACCEPTED || status == StatusCode::NO_CONTENT {
            return Err(FetchError::Protocol(format!(
                "the server sent no answer to {method} (HTTP {})",
                status.as_u16()
            )));
        }
        if method == "initialize"
            && let Some(sid) = resp.headers().get("mcp-session-id")
        {
            // The spec allows visible ASCII only.
            if sid.is_empty() || !sid.as_bytes().iter().all(|b| (0x21..=0x7e).contains(b)) {
                return Err(FetchError::Protocol(
                    "the server sent an invalid Mcp-Session-Id".into(),
                ));
            }
            self.session_id = Some(sid.clone());
        }
        if resp
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let message = match content_type.as_str() {
            "application/json" => {
                let body = self.read_body(&mut resp).await?;
                let value: Value = serde_json::from_slice(&body).map_err(|_| {
                    FetchError::Protocol(format!("the answer to {method} is not valid JSON"))
                })?;
                find_response(value, id).ok_or_else(|| {
                    FetchError::Protocol(format!(
                        "the answer to {method} is not a JSON-RPC response to it"
                    ))
                })?
            }
            "text/event-stream" => self.read_event_stream(&mut resp, id, method).await?,
            "" => {
                return Err(FetchError::Protocol(format!(
                    "the answer to {method} has no content type"
                )));
            }
            other => {
                return Err(FetchError::Protocol(format!(
                    "the answer to {method} is {}, not JSON or an event stream",
                    quote(other)
                )));
            }
        };
        check_response(&message, method)?;
        Ok(message)
    }

    /// Sends a notification; the server acknowledges it with 202 (or 200).
    async fn notify(&self, method: &str) -> Result<(), FetchError> {
        let body = json!({"jsonrpc": "2.0", "method": method});
        let resp = self
            .post(&body)
            .send()
            .await
            .map_err(|e| self.send_error(&e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Http(status.as_u16()));
        }
        Ok(())
    }

    /// Ends the session (HTTP DELETE); the answer does not matter.
    async fn delete(self) {
        let _ = self
            .with_session_headers(self.client.delete(self.url.clone()))
            .send()
            .await;
    }

    fn body_error(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout
        } else {
            FetchError::Unreachable(format!(
                "the connection to {} broke off during the response",
                self.authority
            ))
        }
    }

    async fn read_body(&self, resp: &mut Response) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.body_error(e))? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Reads events until the response to request `id` arrives; other messages
    /// (notifications, server requests, responses to other ids) are skipped.
    async fn read_event_stream(
        &self,
        resp: &mut Response,
        id: u64,
        method: &str,
    ) -> Result<Value, FetchError> {
        let mut parser = sse::SseParser::new();
        let mut read = 0usize;
        let bad_stream =
            || FetchError::Protocol(format!("the event stream answering {method} is not UTF-8"));
        loop {
            let chunk = resp.chunk().await.map_err(|e| self.body_error(e))?;
            let events = match &chunk {
                Some(chunk) => {
                    read += chunk.len();
                    if read > self.max_bytes {
                        return Err(FetchError::TooLarge);
                    }
                    parser.feed(chunk).map_err(|_| bad_stream())?
                }
                None => parser.finish().map_err(|_| bad_stream())?,
            };
            for data in events {
                let value: Value = serde_json::from_str(&data).map_err(|_| {
                    FetchError::Protocol(format!(
                        "an event in the stream answering {method} is not JSON"
                    ))
                })?;
                if let Some(message) = find_response(value, id) {
                    return Ok(message);
                }
            }
            if chunk.is_none() {
                return Err(FetchError::Protocol(format!(
                    "the event stream ended without an answer to {method}"
                )));
            }
        }
    }

    fn send_error(&self, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout;
        }
        let what = if e.is_connect() {
            "could not connect to"
        } else {
            "the request failed at"
        };
        // The innermost cause says why (connection refused, certificate not
        // valid for the name, ...) without naming addresses.
        let mut cause: &dyn std::error::Error = e;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        let cause = cause.to_string();
        let cause = match cause.find(" (os error") {
            Some(i) => &cause[..i],
            None => &cause,
        };
        FetchError::Unreachable(format!("{what} {}: {cause}", self.authority))
    }
}

/// The message in `value` (a JSON-RPC message, or a batch of them) that answers
/// request `id`: it carries that id and a result or an error, no method.
fn find_response(value: Value, id: u64) -> Option<Value> {
    let answers = |m: &Value| {
        m.get("id").and_then(Value::as_u64) == Some(id)
            && m.get("method").is_none()
            && (m.get("result").is_some() || m.get("error").is_some())
    };
    match value {
        Value::Array(items) => items.into_iter().find(answers),
        message if answers(&message) => Some(message),
        _ => None,
    }
}

/// A JSON-RPC 2.0 response with a result; an error response becomes a
/// [`FetchError::Protocol`] quoting the server's message.
fn check_response(message: &Value, method: &str) -> Result<(), FetchError> {
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(FetchError::Protocol(format!(
            "the answer to {method} is not a JSON-RPC 2.0 message"
        )));
    }
    if let Some(error) = message.get("error") {
        let text = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        let code = match error.get("code").and_then(Value::as_i64) {
            Some(code) => format!(" (code {code})"),
            None => String::new(),
        };
        return Err(FetchError::Protocol(format!(
            "the server answered {method} with an error: {}{code}",
            quote(text)
        )));
    }
    if message.get("result").is_none() {
        return Err(FetchError::Protocol(format!(
            "the answer to {method} has no result"
        )));
    }
    Ok(())
}

/// Server-given text, cut to a readable length and stripped of control characters.
fn quote(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_QUOTED_CHARS)
        .collect();
    if text.chars().count() > MAX_QUOTED_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_rules() {
        assert!(matches!(
            check_url("not a url"),
            Err(FetchError::InvalidUrl(_))
        ));
        assert!(matches!(
            check_url("ftp://example.com/mcp"),
            Err(FetchError::Refused(_))
        ));
        assert!(matches!(
            check_url("file:///etc/passwd"),
            Err(FetchError::Refused(_))
        ));
        assert!(matches!(
            check_url("https://user:pw@example.com/mcp"),
            Err(FetchError::Refused(_))
        ));
        assert!(matches!(
            check_url("https://user@example.com/mcp"),
            Err(FetchError::Refused(_))
        ));
        assert_eq!(
            check_url(" https://Example.COM/mcp ").unwrap().as_str(),
            "https://example.com/mcp"
        );
    }

    #[tokio::test]
    async fn private_literal_addresses_are_refused_without_network() {
        let policy = FetchPolicy::default();
        for url in [
            "http://127.0.0.1:9/mcp",
            "http://[::1]:9/mcp",
            "http://10.1.2.3/mcp",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:192.168.0.1]/mcp",
            "http://0x7f000001/mcp",
        ] {
            let err = fetch_tools(url, &policy).await.unwrap_err();
            assert!(matches!(err, FetchError::Refused(_)), "{url}: {err:?}");
        }
    }

    #[test]
    fn find_response_matches_id_and_skips_others() {
        let notification = json!({"jsonrpc":"2.0","method":"notifications/message","params":{}});
        assert_eq!(find_response(notification, 1), None);
        let request = json!({"jsonrpc":"2.0","id":1,"method":"ping"});
        assert_eq!(find_response(request, 1), None);
        let other = json!({"jsonrpc":"2.0","id":2,"result":{}});
        assert_eq!(find_response(other, 1), None);
        let batch =
            json!([{"jsonrpc":"2.0","id":2,"result":{}},{"jsonrpc":"2.0","id":1,"result":{"a":1}}]);
        assert_eq!(
            find_response(batch, 1),
            Some(json!({"jsonrpc":"2.0","id":1,"result":{"a":1}}))
        );
    }

    #[test]
    fn error_responses_quote_the_server() {
        let err = check_response(
            &json!({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}),
            "tools/list",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the server did not answer as an MCP server: the server answered tools/list with an error: Method not found (code -32601)"
        );
        assert!(check_response(&json!({"id":1,"result":{}}), "x").is_err());
    }

    #[test]
    fn quote_cuts_and_cleans() {
        assert_eq!(quote("a\nb"), "a b");
        let long = "x".repeat(MAX_QUOTED_CHARS + 10);
        assert_eq!(quote(&long).chars().count(), MAX_QUOTED_CHARS + 1);
    }

    #[test]
    fn canonical_sorts_keys_deeply() {
        let v = json!({"b": [{"z": 1, "a": 2}], "a": null});
        assert_eq!(
            serde_json::to_string(&canonical(&v)).unwrap(),
            r#"{"a":null,"b":[{"a":2,"z":1}]}"#
        );
    }

    #[test]
    fn redirect_message_says_so() {
        assert!(FetchError::Http(302).to_string().contains("redirect"));
        assert_eq!(
            FetchError::Http(404).to_string(),
            "the server answered with HTTP status 404"
        );
    }
}

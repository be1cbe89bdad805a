//! `fetch_tools` against scripted HTTP servers written with a bare
//! `tokio::net::TcpListener`: SSE framing, error answers, redirects, size and
//! time limits.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_remote::{FetchError, FetchPolicy, MAX_PAGES, fetch_tools};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the scripted server read it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn rpc_method(&self) -> String {
        self.json()["method"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

enum Reply {
    /// Written as is, then the connection is closed.
    Bytes(Vec<u8>),
    /// The connection is held open, nothing is ever written.
    Hang,
    /// `head`, then `chunk` over and over until the client goes away (bounded).
    Endless { head: Vec<u8>, chunk: Vec<u8> },
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

struct Scripted {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(async move { serve(stream, handler, log).await });
            }
        });
        Scripted { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Seen>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    log.lock().unwrap().push(request.clone());
    match handler(&request) {
        Reply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Reply::Endless { head, chunk } => {
            if stream.write_all(&head).await.is_err() {
                return;
            }
            // Bounded: 100,000 chunks at most, ends when the client hangs up.
            for _ in 0..100_000 {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}

fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Bytes(bytes)
}

fn json_reply(value: &Value) -> Reply {
    http(
        "200 OK",
        &[("Content-Type", "application/json")],
        value.to_string().as_bytes(),
    )
}

fn sse_reply(body: &str) -> Reply {
    http(
        "200 OK",
        &[
            ("Content-Type", "text/event-stream"),
            ("Mcp-Session-Id", "sess-123"),
        ],
        body.as_bytes(),
    )
}

fn init_result(id: &Value) -> Value {
    json!({"jsonrpc":"2.0","id":id,"result":{
        "protocolVersion":"2025-03-26",
        "capabilities":{"tools":{}},
        "serverInfo":{"name":"scripted","version":"9.9.9"}
    }})
}

fn policy() -> FetchPolicy {
    FetchPolicy {
        allow_private: true,
        timeout: Duration::from_secs(10),
        ..FetchPolicy::default()
    }
}

/// A server answering like a well-behaved MCP server; `tools_list` answers
/// `tools/list` requests.
fn mcp_server(
    tools_list: impl Fn(&Seen, &Value) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |req: &Seen| {
        if req.method == "DELETE" {
            return http("200 OK", &[], b"");
        }
        let body = req.json();
        match body["method"].as_str() {
            Some("initialize") => sse_reply(&format!("data: {}\n\n", init_result(&body["id"]))),
            Some("notifications/initialized") => http("202 Accepted", &[], b""),
            Some("tools/list") => tools_list(req, &body),
            _ => http("400 Bad Request", &[], b""),
        }
    }
}

#[tokio::test]
async fn sse_with_notifications_pagination_and_session_headers() {
    let server = Scripted::start(|req: &Seen| {
        if req.method == "DELETE" {
            return http("200 OK", &[], b"");
        }
        let body = req.json();
        let id = &body["id"];
        match body["method"].as_str() {
            Some("initialize") => {
                // A log notification, a comment, an event of another type, a
                // response to another id, then the result spread over several
                // data lines, all with CRLF line ends.
                let result = serde_json::to_string_pretty(&init_result(id)).unwrap();
                let data: String = result.lines().map(|l| format!("data: {l}\r\n")).collect();
                sse_reply(&format!(
                    ": keep-alive\r\n\
                     event: message\r\nid: e1\r\ndata: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{{\"level\":\"info\",\"data\":\"hi\"}}}}\r\n\r\n\
                     event: other\r\ndata: not even json\r\n\r\n\
                     data: {{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{{}}}}\r\n\r\n\
                     id: e2\r\n{data}\r\n"
                ))
            }
            Some("notifications/initialized") => http("202 Accepted", &[], b""),
            Some("tools/list") => match body["params"]["cursor"].as_str() {
                None => json_reply(&json!({"jsonrpc":"2.0","id":id,"result":{
                    "tools":[{"name":"a","inputSchema":{"type":"object"}},{"name":"b","inputSchema":{"type":"object"}}],
                    "nextCursor":"page-2"
                }})),
                Some("page-2") => sse_reply(&format!(
                    "data: {}\n\n",
                    json!({"jsonrpc":"2.0","id":id,"result":{"tools":[{"name":"c","inputSchema":{"type":"object"}}]}})
                )),
                Some(_) => http("400 Bad Request", &[], b""),
            },
            _ => http("400 Bad Request", &[], b""),
        }
    })
    .await;

    let capture = fetch_tools(&server.url, &policy()).await.expect("fetch");
    assert_eq!(capture.protocol_version.as_deref(), Some("2025-03-26"));
    assert_eq!(
        capture.server_info,
        json!({"name":"scripted","version":"9.9.9"})
    );
    let names: Vec<&str> = capture.tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);

    let raw: Value = serde_json::from_slice(&capture.raw).unwrap();
    assert_eq!(raw["url"], server.url.as_str());
    assert_eq!(raw["initialize"], init_result(&json!(1)));
    assert_eq!(raw["toolsList"].as_array().unwrap().len(), 2);
    assert_eq!(raw["toolsList"][1]["id"], 3);
    assert_eq!(raw["toolsList"][0]["result"]["nextCursor"], "page-2");

    let seen = server.seen();
    let steps: Vec<(String, String)> = seen
        .iter()
        .map(|s| (s.method.clone(), s.rpc_method()))
        .collect();
    assert_eq!(
        steps,
        [
            ("POST".into(), "initialize".into()),
            ("POST".into(), "notifications/initialized".into()),
            ("POST".into(), "tools/list".into()),
            ("POST".into(), "tools/list".into()),
            ("DELETE".into(), String::new()),
        ]
    );
    let init = &seen[0];
    assert_eq!(init.path, "/mcp");
    assert_eq!(init.header("content-type"), Some("application/json"));
    assert_eq!(
        init.header("accept"),
        Some("application/json, text/event-stream")
    );
    assert_eq!(init.header("mcp-session-id"), None);
    assert_eq!(init.header("mcp-protocol-version"), None);
    let params = &init.json()["params"];
    assert_eq!(params["protocolVersion"], "2025-06-18");
    assert_eq!(params["capabilities"], json!({}));
    assert_eq!(params["clientInfo"]["name"], "steward");
    assert_eq!(params["clientInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(init.json()["id"].is_u64());
    assert!(
        seen[1].json().get("id").is_none(),
        "a notification has no id"
    );
    assert_eq!(seen[3].json()["params"]["cursor"], "page-2");
    for later in &seen[1..] {
        assert_eq!(later.header("mcp-session-id"), Some("sess-123"));
        assert_eq!(later.header("mcp-protocol-version"), Some("2025-03-26"));
    }
}

#[tokio::test]
async fn json_rpc_error_is_reported_with_the_server_message() {
    let server = Scripted::start(mcp_server(|_, body| {
        json_reply(&json!({"jsonrpc":"2.0","id":body["id"],"error":{"code":-32603,"message":"database on fire"}}))
    }))
    .await;
    let err = fetch_tools(&server.url, &policy()).await.unwrap_err();
    let FetchError::Protocol(message) = &err else {
        panic!("expected Protocol, got {err:?}");
    };
    assert!(message.contains("database on fire"), "{message}");
    assert!(message.contains("tools/list"), "{message}");
    // The session is ended even though the fetch failed.
    assert_eq!(server.seen().last().unwrap().method, "DELETE");
}

#[tokio::test]
async fn redirect_is_not_followed() {
    let server = Scripted::start(|_: &Seen| {
        http(
            "302 Found",
            &[("Location", "http://127.0.0.1:9/elsewhere")],
            b"",
        )
    })
    .await;
    let err = fetch_tools(&server.url, &policy()).await.unwrap_err();
    assert_eq!(err, FetchError::Http(302));
    assert!(err.to_string().contains("redirect"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn oversized_response_with_content_length_is_too_large() {
    let server = Scripted::start(|_: &Seen| {
        http(
            "200 OK",
            &[("Content-Type", "application/json")],
            &vec![b' '; 64 * 1024],
        )
    })
    .await;
    let policy = FetchPolicy {
        max_response_bytes: 1024,
        ..policy()
    };
    assert_eq!(
        fetch_tools(&server.url, &policy).await.unwrap_err(),
        FetchError::TooLarge
    );
}

#[tokio::test]
async fn endless_event_stream_is_cut_off_at_the_limit() {
    // No Content-Length: the limit can only be enforced while reading.
    let server = Scripted::start(|_: &Seen| Reply::Endless {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n".to_vec(),
        chunk: format!(
            "data: {}\n\n",
            json!({"jsonrpc":"2.0","method":"notifications/message","params":{"data":"x".repeat(900)}})
        )
        .into_bytes(),
    })
    .await;
    let policy = FetchPolicy {
        max_response_bytes: 64 * 1024,
        ..policy()
    };
    let started = Instant::now();
    assert_eq!(
        fetch_tools(&server.url, &policy).await.unwrap_err(),
        FetchError::TooLarge
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn endless_json_body_is_cut_off_at_the_limit() {
    let server = Scripted::start(|_: &Seen| Reply::Endless {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n["
            .to_vec(),
        chunk: b"1,".repeat(512),
    })
    .await;
    let policy = FetchPolicy {
        max_response_bytes: 16 * 1024,
        ..policy()
    };
    assert_eq!(
        fetch_tools(&server.url, &policy).await.unwrap_err(),
        FetchError::TooLarge
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let server = Scripted::start(|_: &Seen| Reply::Hang).await;
    let policy = FetchPolicy {
        timeout: Duration::from_millis(500),
        ..policy()
    };
    let started = Instant::now();
    assert_eq!(
        fetch_tools(&server.url, &policy).await.unwrap_err(),
        FetchError::Timeout
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn non_json_answer_is_a_protocol_error() {
    let server = Scripted::start(|_: &Seen| {
        http("200 OK", &[("Content-Type", "application/json")], b"hello")
    })
    .await;
    let err = fetch_tools(&server.url, &policy()).await.unwrap_err();
    assert!(matches!(err, FetchError::Protocol(_)), "{err:?}");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
}

#[tokio::test]
async fn html_answer_is_a_protocol_error() {
    let server = Scripted::start(|_: &Seen| {
        http(
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8")],
            b"<html></html>",
        )
    })
    .await;
    let err = fetch_tools(&server.url, &policy()).await.unwrap_err();
    assert_eq!(
        err,
        FetchError::Protocol(
            "the answer to initialize is text/html, not JSON or an event stream".into()
        )
    );
}

#[tokio::test]
async fn event_stream_without_the_answer_is_a_protocol_error() {
    let server = Scripted::start(|_: &Seen| {
        sse_reply("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n")
    })
    .await;
    let err = fetch_tools(&server.url, &policy()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("ended without an answer to initialize"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_json_in_an_event_is_a_protocol_error() {
    let server = Scripted::start(|_: &Seen| sse_reply("data: {oops\n\n")).await;
    let err = fetch_tools(&server.url, &policy()).await.unwrap_err();
    assert!(matches!(err, FetchError::Protocol(_)), "{err:?}");
}

#[tokio::test]
async fn endless_pagination_stops_at_the_page_limit() {
    let server = Scripted::start(mcp_server(|_, body| {
        json_reply(
            &json!({"jsonrpc":"2.0","id":body["id"],"result":{"tools":[],"nextCursor":"again"}}),
        )
    }))
    .await;
    let err = fetch_tools(&server.url, &policy()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("more than {MAX_PAGES} pages")),
        "{err}"
    );
    let lists = server
        .seen()
        .iter()
        .filter(|s| s.rpc_method() == "tools/list")
        .count();
    assert_eq!(lists, MAX_PAGES);
}

#[tokio::test]
async fn http_error_status_is_reported() {
    let server = Scripted::start(|_: &Seen| http("500 Internal Server Error", &[], b"boom")).await;
    assert_eq!(
        fetch_tools(&server.url, &policy()).await.unwrap_err(),
        FetchError::Http(500)
    );
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    drop(listener);
    let err = fetch_tools(&url, &policy()).await.unwrap_err();
    let FetchError::Unreachable(message) = &err else {
        panic!("expected Unreachable, got {err:?}");
    };
    assert!(
        message.starts_with("could not connect to 127.0.0.1:"),
        "{message}"
    );
}

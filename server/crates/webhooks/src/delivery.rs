//! One delivery attempt: sign, check the address, POST, classify the answer.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Client, Response, StatusCode};
use tokio::time::{Instant, timeout_at};
use url::{Host, Url};

use crate::retry::parse_retry_after;
use crate::signature::{ID_HEADER, SIGNATURE_HEADER, Secret, SignError, TIMESTAMP_HEADER, sign};

/// How deliveries may reach endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Deliver to loopback, private, link-local and other non-public
    /// addresses. Only for tests and closed deployments.
    pub allow_private: bool,
    /// Deliver to `http://` endpoints; otherwise only `https://`.
    pub allow_http: bool,
    /// Time to establish the connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time for the whole attempt: resolution, connection, request and the
    /// response's status and headers (the spec recommends 15 to 30 s).
    pub timeout: Duration,
    /// At most this much of a response body is read; the rest is dropped
    /// with the connection.
    pub max_response_bytes: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            allow_private: false,
            allow_http: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_response_bytes: 64 * 1024,
        }
    }
}

/// What is signed and sent. `id` is the event's id, the same on every
/// attempt (receivers use it to deduplicate); `timestamp` is this attempt's
/// time in unix seconds; `payload` is the exact body.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub id: &'a str,
    pub timestamp: i64,
    pub payload: &'a [u8],
}

/// How an attempt ended; see the crate documentation for what the dispatcher
/// does with each (or [`crate::RetryPolicy::decide`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// A failure worth retrying: any status but 2xx and 410 (3xx included:
    /// redirects are never followed), a timeout, or no connection.
    /// `retry_after` is the receiver's `Retry-After`, if it sent one.
    Retry {
        failure: Failure,
        retry_after: Option<Duration>,
    },
    /// 410 Gone: the receiver wants no more webhooks; disable the endpoint.
    Gone,
    /// Nothing was sent: the endpoint or message breaks the rules, and
    /// retrying will not change that.
    Refused(Refusal),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The endpoint answered with this status.
    Status(u16),
    /// No answer within the configured time.
    Timeout,
    /// No answer at all: the name did not resolve, the connection failed or
    /// broke off. The message names the host and the cause, no addresses.
    Unreachable(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status(code @ 300..=399) => write!(
                f,
                "the endpoint answered with a redirect (HTTP {code}); redirects are not followed, update the endpoint URL"
            ),
            Failure::Status(code) => write!(f, "the endpoint answered HTTP {code}"),
            Failure::Timeout => f.write_str("the endpoint did not answer in time"),
            Failure::Unreachable(why) => f.write_str(why),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the endpoint URL is not a valid absolute URL with a host")]
    InvalidUrl,
    #[error("the endpoint URL must use https")]
    Scheme,
    #[error("the endpoint URL must not contain a user name or password")]
    Credentials,
    #[error(
        "{0} is or resolves to a private, local or reserved address; webhooks go only to public addresses"
    )]
    PrivateAddress(String),
    #[error(transparent)]
    Unsignable(#[from] SignError),
}

/// Makes delivery attempts under one [`DeliveryConfig`].
#[derive(Debug, Clone)]
pub struct Delivery {
    config: DeliveryConfig,
    /// Clients already built, by host and the exact addresses they are pinned
    /// to (building one, with its TLS roots, costs far more than an attempt
    /// to a fast receiver). A host that resolves differently gets a new one.
    clients: std::sync::Arc<std::sync::Mutex<HashMap<PinnedHost, Client>>>,
}

/// A host as written and the addresses its connections are pinned to.
type PinnedHost = (String, Vec<SocketAddr>);

/// Clients kept at most; beyond it the cache starts over.
const MAX_CACHED_CLIENTS: usize = 256;

impl Delivery {
    pub fn new(config: DeliveryConfig) -> Self {
        Delivery {
            config,
            clients: Default::default(),
        }
    }

    pub fn config(&self) -> &DeliveryConfig {
        &self.config
    }

    /// One attempt to POST `message` to `url`, signed with every secret in
    /// `secrets` (two during a rotation). The address policy is applied now,
    /// to what the host resolves to now, and the connection can only go to
    /// the addresses checked. Never follows redirects; never fails: every
    /// ending is an [`Outcome`].
    pub async fn deliver(&self, url: &str, message: &Message<'_>, secrets: &[Secret]) -> Outcome {
        let deadline = Instant::now() + self.config.timeout;
        let signature = match sign(message.id, message.timestamp, message.payload, secrets) {
            Ok(signature) => signature,
            Err(e) => return Outcome::Refused(e.into()),
        };
        let url = match self.check_url(url) {
            Ok(url) => url,
            Err(refusal) => return Outcome::Refused(refusal),
        };
        let authority = authority(&url);
        let sent = timeout_at(deadline, async {
            let client = self.pinned_client(&url).await?;
            client
                .post(url.clone())
                .header(CONTENT_TYPE, "application/json")
                .header(ID_HEADER, message.id)
                .header(TIMESTAMP_HEADER, message.timestamp.to_string())
                .header(SIGNATURE_HEADER, signature)
                .body(message.payload.to_vec())
                .send()
                .await
                .map_err(|e| retry(send_failure(&e, &authority)))
        })
        .await;
        let mut response = match sent {
            Ok(Ok(response)) => response,
            Ok(Err(outcome)) => return outcome,
            Err(_) => return retry(Failure::Timeout),
        };

        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        // The status decides; the body is read (up to the cap, within the
        // deadline) only so the receiver can finish writing it.
        let _ = timeout_at(deadline, self.drain(&mut response)).await;

        if status.is_success() {
            Outcome::Delivered {
                status: status.as_u16(),
            }
        } else if status == StatusCode::GONE {
            Outcome::Gone
        } else {
            Outcome::Retry {
                failure: Failure::Status(status.as_u16()),
                retry_after,
            }
        }
    }

    fn check_url(&self, raw: &str) -> Result<Url, Refusal> {
        let url = Url::parse(raw).map_err(|_| Refusal::InvalidUrl)?;
        match url.scheme() {
            "https" => {}
            "http" if self.config.allow_http => {}
            _ => return Err(Refusal::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Credentials);
        }
        if url.host().is_none() {
            return Err(Refusal::InvalidUrl);
        }
        Ok(url)
    }

    /// Resolves the host, applies the address policy and builds a client that
    /// can only connect to the addresses checked (no DNS rebinding between
    /// the check and the connection).
    async fn pinned_client(&self, url: &Url) -> Result<Client, Outcome> {
        let port = url.port_or_known_default().unwrap_or(443);
        let (host, pinned) = self.checked_addresses(url, port).await?;
        let key = (host, pinned);
        if let Some(client) = self.clients.lock().expect("not poisoned").get(&key) {
            return Ok(client.clone());
        }
        let builder = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("Steward-Webhooks/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.config.connect_timeout)
            .timeout(self.config.timeout);
        let builder = match url.host() {
            Some(Host::Domain(domain)) => builder.resolve_to_addrs(domain, &key.1),
            _ => builder,
        };
        let client = builder.build().map_err(|_| {
            retry(Failure::Unreachable(
                "could not set up an HTTP client".into(),
            ))
        })?;
        let mut cache = self.clients.lock().expect("not poisoned");
        if cache.len() >= MAX_CACHED_CLIENTS {
            cache.clear();
        }
        cache.insert(key, client.clone());
        Ok(client)
    }

    /// The host as written and the addresses the connection may use, each
    /// checked against the address policy (for an IP literal, no addresses:
    /// there is nothing to pin).
    async fn checked_addresses(
        &self,
        url: &Url,
        port: u16,
    ) -> Result<(String, Vec<SocketAddr>), Outcome> {
        match url.host() {
            Some(Host::Ipv4(ip)) => {
                self.check_address(ip.into(), &ip.to_string())?;
                Ok((ip.to_string(), Vec::new()))
            }
            Some(Host::Ipv6(ip)) => {
                self.check_address(ip.into(), &ip.to_string())?;
                Ok((ip.to_string(), Vec::new()))
            }
            Some(Host::Domain(domain)) => {
                let unresolved =
                    || retry(Failure::Unreachable(format!("could not resolve {domain}")));
                let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host((domain, port))
                    .await
                    .map_err(|_| unresolved())?
                    .collect();
                if addrs.is_empty() {
                    return Err(unresolved());
                }
                // Every address: a name with one public and one private
                // address must not reach the private one.
                for addr in &addrs {
                    self.check_address(addr.ip(), domain)?;
                }
                addrs.sort();
                addrs.dedup();
                Ok((domain.to_owned(), addrs))
            }
            None => Err(Outcome::Refused(Refusal::InvalidUrl)),
        }
    }

    fn check_address(&self, ip: IpAddr, host: &str) -> Result<(), Outcome> {
        if mcp_remote::is_private(ip) && !self.config.allow_private {
            return Err(Outcome::Refused(Refusal::PrivateAddress(host.to_owned())));
        }
        Ok(())
    }

    /// Reads the body until it ends, breaks or passes the size cap.
    async fn drain(&self, response: &mut Response) {
        let mut read = 0usize;
        while let Ok(Some(chunk)) = response.chunk().await {
            read += chunk.len();
            if read > self.config.max_response_bytes {
                return;
            }
        }
    }
}

fn retry(failure: Failure) -> Outcome {
    Outcome::Retry {
        failure,
        retry_after: None,
    }
}

/// `host` or `host:port` as written in the URL: what messages may name.
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn send_failure(e: &reqwest::Error, authority: &str) -> Failure {
    if e.is_timeout() {
        return Failure::Timeout;
    }
    let what = if e.is_connect() {
        "could not connect to"
    } else {
        "the request failed at"
    };
    // The innermost cause says why (connection refused, certificate not valid
    // for the name, ...) without naming addresses.
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let cause = cause.to_string();
    let cause = match cause.find(" (os error") {
        Some(i) => &cause[..i],
        None => &cause,
    };
    Failure::Unreachable(format!("{what} {authority}: {cause}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(allow_http: bool) -> Delivery {
        Delivery::new(DeliveryConfig {
            allow_http,
            ..DeliveryConfig::default()
        })
    }

    #[test]
    fn only_https_unless_http_is_allowed() {
        assert!(
            delivery(false)
                .check_url("https://example.com/hook")
                .is_ok()
        );
        assert_eq!(
            delivery(false).check_url("http://example.com/hook"),
            Err(Refusal::Scheme)
        );
        assert!(delivery(true).check_url("http://example.com/hook").is_ok());
        for other in ["ftp://example.com/", "file:///etc/passwd", "gopher://x/"] {
            assert_eq!(
                delivery(true).check_url(other),
                Err(Refusal::Scheme),
                "{other}"
            );
        }
    }

    #[test]
    fn malformed_urls_and_credentials_are_refused() {
        for bad in ["", "example.com/hook", "https://", "https://exa mple.com/"] {
            assert_eq!(
                delivery(false).check_url(bad),
                Err(Refusal::InvalidUrl),
                "{bad:?}"
            );
        }
        for creds in [
            "https://u:p@example.com/",
            "https://u@example.com/",
            "https://:p@example.com/",
        ] {
            assert_eq!(
                delivery(false).check_url(creds),
                Err(Refusal::Credentials),
                "{creds}"
            );
        }
    }

    #[test]
    fn redirect_failures_say_not_followed() {
        assert!(Failure::Status(302).to_string().contains("not followed"));
        assert!(!Failure::Status(500).to_string().contains("redirect"));
    }
}

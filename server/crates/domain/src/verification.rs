//! Publisher domain verification: what a publisher must publish, and where.

use serde::{Deserialize, Serialize};

/// How a publisher proves control of a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A file at `https://DOMAIN/.well-known/steward-verification.txt`.
    Https,
    /// A TXT record at `_steward-verification.DOMAIN`.
    DnsTxt,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Https => "https",
            Method::DnsTxt => "dns_txt",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "https" => Some(Method::Https),
            "dns_txt" => Some(Method::DnsTxt),
            _ => None,
        }
    }
}

/// Where a check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Challenge issued, not yet seen.
    Pending,
    /// Seen; the domain is the publisher's.
    Verified,
    /// The last check did not find the proof.
    Failed,
    /// Was verified; a later re-check no longer found the proof.
    Lapsed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Verified => "verified",
            Status::Failed => "failed",
            Status::Lapsed => "lapsed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::Verified,
            Status::Failed,
            Status::Lapsed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

pub const WELL_KNOWN_PATH: &str = "/.well-known/steward-verification.txt";
pub const TXT_PREFIX: &str = "_steward-verification";
pub const TOKEN_PREFIX: &str = "steward-verification=";

/// The DNS name that carries the TXT proof.
pub fn txt_name(domain: &str) -> String {
    format!("{TXT_PREFIX}.{domain}")
}

/// Whether published text proves `token` (the whole value, trimmed).
pub fn proves(published: &str, token: &str) -> bool {
    published.lines().any(|l| l.trim() == token)
}

/// A registrable host name: lowercase ASCII labels, at least two, no port, no
/// IP literal, 253 characters at most.
pub fn normalize_domain(raw: &str) -> Result<String, &'static str> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() {
        return Err("Enter a domain, like example.com.");
    }
    if d.len() > 253 {
        return Err("That domain is too long.");
    }
    if d.contains(':') || d.contains('/') || d.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("Enter only the domain name, without scheme, port or path.");
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err("Enter a full domain, like example.com.");
    }
    for l in &labels {
        if l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err("That is not a valid domain name.");
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("That is not a valid domain name.");
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(normalize_domain(" Example.COM. ").unwrap(), "example.com");
        assert_eq!(
            normalize_domain("tools.acme.co.uk").unwrap(),
            "tools.acme.co.uk"
        );
        for bad in [
            "",
            "localhost",
            "https://example.com",
            "example.com:443",
            "10.0.0.1",
            "-a.com",
            "a..com",
            "ex ample.com",
            "a.123",
        ] {
            assert!(normalize_domain(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn proofs() {
        let t = "steward-verification=abc";
        assert!(proves("steward-verification=abc\n", t));
        assert!(proves("other\n  steward-verification=abc  \n", t));
        assert!(!proves("steward-verification=abcd", t));
        assert!(!proves("", t));
        assert_eq!(txt_name("example.com"), "_steward-verification.example.com");
    }

    #[test]
    fn statuses_round_trip() {
        for s in ["pending", "verified", "failed", "lapsed"] {
            assert_eq!(Status::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(Method::parse("dns_txt"), Some(Method::DnsTxt));
        assert_eq!(Method::parse("email"), None);
    }
}

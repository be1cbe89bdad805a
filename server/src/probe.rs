//! The real domain prober: DNS through hickory (the system's resolver, or one
//! named by STEWARD_DNS_SERVER), HTTPS through reqwest pinned to the address
//! that was checked. No redirects are followed, and private, loopback and
//! link-local addresses are refused unless configuration allows them (tests).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::Resolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

use domain::verification::WELL_KNOWN_PATH;

/// How the prober reaches the outside world.
#[derive(Clone, Debug, Default)]
pub struct ProbeConfig {
    /// A DNS server to ask instead of the system's (ip:port).
    pub dns_server: Option<SocketAddr>,
    /// Fetch the well-known file over plain http on this port (tests only).
    pub insecure_http_port: Option<u16>,
    /// Allow private and loopback addresses (tests only).
    pub allow_private: bool,
}

pub struct NetProber {
    resolver: Resolver<TokioRuntimeProvider>,
    config: ProbeConfig,
}

impl std::fmt::Debug for NetProber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetProber")
            .field("config", &self.config)
            .finish()
    }
}

/// Addresses a verification fetch must never reach (SSRF): loopback, private,
/// link-local, unique-local, unspecified, multicast, documentation, CGNAT.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

impl NetProber {
    pub fn new(config: ProbeConfig) -> Result<NetProber, String> {
        let mut builder = match config.dns_server {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                Resolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => Resolver::builder_tokio()
                .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?,
        };
        // A publisher who just fixed a record and clicks "Check now" must see
        // the fix: no answer is cached between checks.
        builder.options_mut().cache_size = 0;
        let resolver = builder.build().map_err(|e| e.to_string())?;
        Ok(NetProber { resolver, config })
    }

    async fn address_of(&self, domain: &str) -> Result<IpAddr, String> {
        let fqdn = format!("{domain}.");
        let ips: Vec<IpAddr> = self
            .resolver
            .lookup_ip(fqdn.as_str())
            .await
            .map_err(|_| format!("{domain} does not resolve"))?
            .iter()
            .collect();
        if ips.is_empty() {
            return Err(format!("{domain} does not resolve"));
        }
        if !self.config.allow_private && ips.iter().any(|ip| is_private(*ip)) {
            return Err(format!("{domain} resolves to a private address; refused"));
        }
        Ok(ips[0])
    }
}

#[async_trait::async_trait]
impl services::verification::DomainProber for NetProber {
    async fn well_known(&self, domain: &str) -> Result<String, String> {
        let ip = self.address_of(domain).await?;
        let (scheme, port) = match self.config.insecure_http_port {
            Some(p) => ("http", p),
            None => ("https", 443),
        };
        // Pin the connection to the address that passed the check (no DNS rebinding).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .resolve(domain, SocketAddr::new(ip, port))
            .build()
            .map_err(|e| e.to_string())?;
        let url = format!("{scheme}://{domain}:{port}{WELL_KNOWN_PATH}");
        let res = client
            .get(&url)
            .send()
            .await
            .map_err(|_| format!("could not fetch {scheme}://{domain}{WELL_KNOWN_PATH}"))?;
        let status = res.status();
        if status.is_redirection() {
            return Err(format!(
                "{WELL_KNOWN_PATH} answered with a redirect, which is not followed"
            ));
        }
        if !status.is_success() {
            return Err(format!("{WELL_KNOWN_PATH} answered {}", status.as_u16()));
        }
        let bytes = res.bytes().await.map_err(|e| e.to_string())?;
        if bytes.len() > 4096 {
            return Err(format!("{WELL_KNOWN_PATH} is larger than 4 KiB"));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn txt(&self, name: &str) -> Result<Vec<String>, String> {
        let fqdn = format!("{name}.");
        let lookup = match self.resolver.lookup(fqdn.as_str(), RecordType::TXT).await {
            Ok(l) => l,
            Err(_) => return Ok(Vec::new()),
        };
        Ok(lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|part| String::from_utf8_lossy(part).into_owned())
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}

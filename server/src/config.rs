//! Configuration from the environment. Every problem is reported at once, with
//! the variable's name, before anything starts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use store::DatabaseUrl;

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub addr: SocketAddr,
    pub evidence_url: String,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    /// The cookie/signing secret (32+ bytes).
    pub secret: Secret,
    pub log_format: LogFormat,
    /// Session cookies carry `Secure` (set STEWARD_SECURE_COOKIES=true when
    /// Steward is served over https, e.g. behind a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Where people reach Steward, e.g. https://steward.example.com (default
    /// http://STEWARD_ADDR). OIDC redirect URIs are built from it.
    pub public_url: String,
    /// OpenID Connect providers (STEWARD_OIDC_PROVIDERS and STEWARD_OIDC_<NAME>_*).
    pub oidc: Vec<crate::oidc::Provider>,
    /// How domain verification reaches DNS and HTTPS.
    pub probe: crate::probe::ProbeConfig,
    /// Whether the portal may read remote MCP servers on private addresses.
    pub fetch_allow_private: bool,
    /// The optional model-backed reviewer (STEWARD_MODEL_URL and friends).
    pub model: Option<model_review::ModelConfig>,
    /// How often verified domains are checked again.
    pub verify_recheck: std::time::Duration,
    /// How often `serve` signs a checkpoint of the audit chain's head (when it
    /// moved); `None` when STEWARD_AUDIT_CHECKPOINT_SECS is 0.
    pub audit_checkpoint: Option<std::time::Duration>,
    /// Calls a second one API token may make (STEWARD_TOKEN_RATE; default 6,000).
    pub token_rate: u32,
    /// Webhook delivery (STEWARD_WEBHOOK_ALLOW_PRIVATE, _MAX_ATTEMPTS,
    /// _LEASE_SECS, _BACKOFF_MS).
    pub webhooks: services::integrations::WebhookConfig,
}

/// STEWARD_WEBHOOK_*: private addresses (tests), the attempt limit, the
/// dispatcher's lease (an attempt's time limit is half of it, at most 20 s)
/// and the first retry's delay ceiling.
fn webhook_config(
    env: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> services::integrations::WebhookConfig {
    use std::time::Duration;
    let mut c = services::integrations::WebhookConfig {
        allow_private: matches!(
            env("STEWARD_WEBHOOK_ALLOW_PRIVATE").as_deref(),
            Some("true") | Some("1")
        ),
        ..Default::default()
    };
    let mut number = |name: &str, min: u64, max: u64| -> Option<u64> {
        let raw = env(name).filter(|s| !s.trim().is_empty())?;
        match raw.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                problems.push(format!(
                    "{name}: {raw:?} is not a number from {min} to {max}"
                ));
                None
            }
        }
    };
    if let Some(n) = number("STEWARD_WEBHOOK_MAX_ATTEMPTS", 1, 100) {
        c.max_attempts = n as u32;
    }
    if let Some(n) = number("STEWARD_WEBHOOK_LEASE_SECS", 2, 3600) {
        c.lease = Duration::from_secs(n);
    }
    c.timeout = (c.lease / 2).min(Duration::from_secs(20));
    if let Some(n) = number("STEWARD_WEBHOOK_BACKOFF_MS", 1, 3_600_000) {
        c.backoff_base = Duration::from_millis(n);
    }
    c
}

/// Reads STEWARD_OIDC_PROVIDERS=name[,name...] and, for each NAME,
/// STEWARD_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET and optional _LABEL.
fn oidc_providers(
    env: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Vec<crate::oidc::Provider> {
    let Some(list) = env("STEWARD_OIDC_PROVIDERS").filter(|s| !s.trim().is_empty()) else {
        return Vec::new();
    };
    let mut out: Vec<crate::oidc::Provider> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            problems.push(format!(
                "STEWARD_OIDC_PROVIDERS: {name:?} must be lowercase letters, digits and hyphens"
            ));
            continue;
        }
        if out.iter().any(|p| p.name == name) {
            problems.push(format!("STEWARD_OIDC_PROVIDERS: {name:?} is listed twice"));
            continue;
        }
        let key = |k: &str| {
            format!(
                "STEWARD_OIDC_{}_{k}",
                name.to_ascii_uppercase().replace('-', "_")
            )
        };
        let mut need = |k: &str| {
            let v = env(&key(k)).filter(|v| !v.trim().is_empty());
            if v.is_none() {
                problems.push(format!("{}: required for provider {name:?}", key(k)));
            }
            v.unwrap_or_default()
        };
        let issuer = need("ISSUER");
        let client_id = need("CLIENT_ID");
        let client_secret = need("CLIENT_SECRET");
        if !issuer.is_empty() && url::Url::parse(&issuer).is_err() {
            problems.push(format!("{}: {issuer:?} is not a URL", key("ISSUER")));
        }
        out.push(crate::oidc::Provider {
            label: env(&key("LABEL")).unwrap_or_else(|| name.to_owned()),
            name: name.to_owned(),
            issuer,
            client_id,
            client_secret,
        });
    }
    out
}

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where the secret came from, to say so at start-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSource {
    Environment,
    DataFile,
    Generated,
}

#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

pub const SECRET_MIN_BYTES: usize = 32;

impl Config {
    /// Reads the configuration from `env` (a lookup, so tests need not touch
    /// the process environment). The secret is resolved separately, since it may
    /// write a file.
    pub fn from_lookup(
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Config, Option<String>), ConfigError> {
        let mut problems = Vec::new();
        let data_dir = PathBuf::from(env("STEWARD_DATA_DIR").unwrap_or_else(|| "data".into()));
        let db_raw = env("DATABASE_URL")
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("sqlite://{}/steward.db", data_dir.display()));
        let database_url = DatabaseUrl::parse(&db_raw)
            .map_err(|e| problems.push(format!("DATABASE_URL: {e}")))
            .ok();
        let addr_raw = env("STEWARD_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = addr_raw
            .parse::<SocketAddr>()
            .map_err(|_| {
                problems.push(format!(
                    "STEWARD_ADDR: {addr_raw:?} is not an address and port, e.g. 127.0.0.1:3000"
                ))
            })
            .ok();
        let evidence_url = env("STEWARD_EVIDENCE_URL")
            .unwrap_or_else(|| data_dir.join("evidence").display().to_string());
        let site_root =
            PathBuf::from(env("STEWARD_SITE_ROOT").unwrap_or_else(|| "target/site".into()));
        let log_format = match env("STEWARD_LOG_FORMAT")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("") | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                problems.push(format!(
                    "STEWARD_LOG_FORMAT: {other:?} is not one of text, json"
                ));
                LogFormat::Text
            }
        };
        let secure_cookies = match env("STEWARD_SECURE_COOKIES")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("") | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                problems.push(format!(
                    "STEWARD_SECURE_COOKIES: {other:?} is not true or false"
                ));
                false
            }
        };
        let oidc = oidc_providers(&env, &mut problems);
        let public_url = env("STEWARD_PUBLIC_URL")
            .filter(|s| !s.trim().is_empty())
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{addr_raw}"));
        if url::Url::parse(&public_url).is_err() {
            problems.push(format!("STEWARD_PUBLIC_URL: {public_url:?} is not a URL"));
        }
        let dns_server = env("STEWARD_DNS_SERVER")
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| {
                s.trim()
                    .parse::<SocketAddr>()
                    .map_err(|_| problems.push(format!("STEWARD_DNS_SERVER: {s:?} is not IP:PORT")))
                    .ok()
            });
        let insecure_http_port = env("STEWARD_VERIFY_INSECURE_HTTP_PORT")
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| {
                s.trim()
                    .parse::<u16>()
                    .map_err(|_| {
                        problems.push(format!(
                            "STEWARD_VERIFY_INSECURE_HTTP_PORT: {s:?} is not a port"
                        ))
                    })
                    .ok()
            });
        let allow_private = matches!(
            env("STEWARD_VERIFY_ALLOW_PRIVATE").as_deref(),
            Some("true") | Some("1")
        );
        let fetch_allow_private = matches!(
            env("STEWARD_FETCH_ALLOW_PRIVATE").as_deref(),
            Some("true") | Some("1")
        );
        let model = match env("STEWARD_MODEL_URL").filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(u) => {
                let u = u.trim().to_owned();
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    problems.push(format!(
                        "STEWARD_MODEL_URL: {u:?} is not an http(s) URL (the base of an OpenAI-compatible API, e.g. https://api.example.com/v1)"
                    ));
                }
                let mut m = model_review::ModelConfig::new(
                    u,
                    env("STEWARD_MODEL_NAME")
                        .filter(|s| !s.trim().is_empty())
                        .unwrap_or_else(|| "gpt-4o-mini".into()),
                );
                m.api_key = env("STEWARD_MODEL_API_KEY").filter(|s| !s.is_empty());
                if let Some(t) = env("STEWARD_MODEL_TIMEOUT_SECS").filter(|s| !s.trim().is_empty())
                {
                    match t.trim().parse::<u64>() {
                        Ok(n) if (1..=600).contains(&n) => m.timeout = std::time::Duration::from_secs(n),
                        _ => problems.push(format!(
                            "STEWARD_MODEL_TIMEOUT_SECS: {t:?} is not a number of seconds from 1 to 600"
                        )),
                    }
                }
                Some(m)
            }
        };
        let verify_recheck =
            match env("STEWARD_VERIFY_RECHECK_SECS").filter(|s| !s.trim().is_empty()) {
                None => std::time::Duration::from_secs(86_400),
                Some(s) => match s.trim().parse::<u64>() {
                    Ok(n) if n >= 60 => std::time::Duration::from_secs(n),
                    _ => {
                        problems.push(format!(
                            "STEWARD_VERIFY_RECHECK_SECS: {s:?} is not a number of seconds >= 60"
                        ));
                        std::time::Duration::from_secs(86_400)
                    }
                },
            };
        let audit_checkpoint = match env("STEWARD_AUDIT_CHECKPOINT_SECS")
            .filter(|s| !s.trim().is_empty())
        {
            None => Some(std::time::Duration::from_secs(3600)),
            Some(s) => match s.trim().parse::<u64>() {
                Ok(0) => None,
                Ok(n) => Some(std::time::Duration::from_secs(n)),
                Err(_) => {
                    problems.push(format!(
                            "STEWARD_AUDIT_CHECKPOINT_SECS: {s:?} is not a number of seconds (0 turns checkpoints off)"
                        ));
                    None
                }
            },
        };
        let token_rate = match env("STEWARD_TOKEN_RATE").filter(|s| !s.trim().is_empty()) {
            None => 6_000,
            Some(s) => match s.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    problems.push(format!(
                        "STEWARD_TOKEN_RATE: {s:?} is not a number of calls a second (1 or more)"
                    ));
                    6_000
                }
            },
        };
        let webhooks = webhook_config(&env, &mut problems);
        let secret_env = env("STEWARD_SECRET");
        if let Some(s) = &secret_env
            && s.len() < SECRET_MIN_BYTES
        {
            problems.push(format!(
                "STEWARD_SECRET: must be at least {SECRET_MIN_BYTES} characters (it was {})",
                s.len()
            ));
        }
        match (database_url, addr) {
            (Some(database_url), Some(addr)) if problems.is_empty() => Ok((
                Config {
                    database_url,
                    addr,
                    evidence_url,
                    data_dir,
                    site_root,
                    secret: Secret(Vec::new()),
                    log_format,
                    secure_cookies,
                    public_url,
                    oidc,
                    probe: crate::probe::ProbeConfig {
                        dns_server,
                        insecure_http_port,
                        allow_private,
                    },
                    fetch_allow_private,
                    model,
                    verify_recheck,
                    audit_checkpoint,
                    token_rate,
                    webhooks,
                },
                secret_env,
            )),
            _ => Err(ConfigError { problems }),
        }
    }

    /// Reads the process environment and resolves the secret.
    pub fn from_env() -> Result<(Config, SecretSource), ConfigError> {
        let (mut config, secret_env) = Self::from_lookup(|k| std::env::var(k).ok())?;
        let (secret, source) = resolve_secret(secret_env, &config.data_dir)
            .map_err(|e| ConfigError { problems: vec![e] })?;
        config.secret = secret;
        Ok((config, source))
    }
}

/// The secret from STEWARD_SECRET; else the one kept in DATA_DIR/secret.key; else
/// a new random one written there (mode 0600) for development.
fn resolve_secret(
    from_env: Option<String>,
    data_dir: &Path,
) -> Result<(Secret, SecretSource), String> {
    if let Some(s) = from_env {
        return Ok((Secret(s.into_bytes()), SecretSource::Environment));
    }
    let path = data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|_| {
                format!(
                    "{}: not a hex secret; delete it to generate a new one",
                    path.display()
                )
            })?;
            if bytes.len() < SECRET_MIN_BYTES {
                return Err(format!("{}: secret too short", path.display()));
            }
            Ok((Secret(bytes), SecretSource::DataFile))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = vec![0u8; 32];
            rand::fill(&mut bytes[..]);
            std::fs::create_dir_all(data_dir)
                .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            write_private(&path, hex::encode(&bytes).as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok((Secret(bytes), SecretSource::Generated))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let (c, secret) = Config::from_lookup(lookup(&[])).unwrap();
        assert_eq!(
            c.database_url,
            DatabaseUrl::parse("sqlite://data/steward.db").unwrap()
        );
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.evidence_url, "data/evidence");
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(
            c.audit_checkpoint,
            Some(std::time::Duration::from_secs(3600))
        );
        assert!(secret.is_none());
    }

    #[test]
    fn every_problem_is_reported_with_its_variable() {
        let err = Config::from_lookup(lookup(&[
            ("DATABASE_URL", "mysql://nope"),
            ("STEWARD_ADDR", "localhost"),
            ("STEWARD_LOG_FORMAT", "xml"),
            ("STEWARD_SECRET", "short"),
            ("STEWARD_OIDC_PROVIDERS", "corp,Bad Name"),
            ("STEWARD_AUDIT_CHECKPOINT_SECS", "hourly"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for var in [
            "DATABASE_URL",
            "STEWARD_ADDR",
            "STEWARD_LOG_FORMAT",
            "STEWARD_SECRET",
            "STEWARD_AUDIT_CHECKPOINT_SECS",
        ] {
            assert!(text.contains(var), "{var} missing from {text}");
        }
    }

    #[test]
    fn a_generated_secret_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (a, src) = resolve_secret(None, dir.path()).unwrap();
        assert_eq!(src, SecretSource::Generated);
        let (b, src) = resolve_secret(None, dir.path()).unwrap();
        assert_eq!(src, SecretSource::DataFile);
        assert_eq!(a.bytes(), b.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(format!("{a:?}"), "Secret(***)");
    }
}

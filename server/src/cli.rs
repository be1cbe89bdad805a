//! `steward`: serve, migrate, seed, and audit commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use evidence::EvidenceStore;
use services::Services;
use services::demo::SeedOutcome;
use services::domain::audit::CheckpointSigner;
use store::Store;

use crate::config::{Config, SecretSource};
use crate::{http, observability};

#[derive(Parser, Debug)]
#[command(
    name = "steward",
    version,
    about = "Steward: the governance control plane for AI agent marketplaces",
    after_help = "Configuration comes from the environment: DATABASE_URL, STEWARD_ADDR, \
                  STEWARD_EVIDENCE_URL, STEWARD_DATA_DIR, STEWARD_SECRET, STEWARD_SITE_ROOT, \
                  STEWARD_LOG_FORMAT (text|json), STEWARD_AUDIT_CHECKPOINT_SECS, STEWARD_WEBHOOK_*, RUST_LOG. \
                  See README.md."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (the default): migrates, then serves on STEWARD_ADDR.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The demo marketplace: an operator, two publishers, two tenants and a
        /// dozen listings built from real MCP tool lists. Running it twice is safe.
        #[arg(long)]
        demo: bool,
        /// Also this many synthetic published listings (made-up publishers,
        /// tools and plans), for load tests and the catalog search benchmark.
        /// Never on a real marketplace.
        #[arg(long, value_name = "N")]
        bulk_listings: Option<usize>,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Publisher domain verification.
    Domains {
        #[command(subcommand)]
        command: DomainsCommand,
    },
    /// Import an MCP registry export (a seed file with many servers, one
    /// server.json, or a folder of server.json files) as draft versions of a
    /// publisher's listings. Prints what was rejected and why; running it
    /// again imports nothing twice.
    Import {
        /// A JSON file or a folder of JSON files.
        path: std::path::PathBuf,
        /// The publisher organization (its short name) that gets the listings.
        #[arg(long)]
        publisher: String,
    },
    /// Classify a manifest: what each tool can do, the buyer's disclosure
    /// label and review findings. Needs no database (for publishers' CI).
    Classify(crate::classify::ClassifyArgs),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Review routing policies: which teams review what, with how many approvals.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Load a routing policy document (JSON, with its own version id).
    Load {
        path: std::path::PathBuf,
        /// Make it the active policy at once.
        #[arg(long)]
        activate: bool,
    },
    /// Make a loaded policy version the active one.
    Activate { version: String },
    /// List loaded policies; the active one is marked.
    List,
}

#[derive(Subcommand, Debug)]
enum DomainsCommand {
    /// Check every verified domain again now; lapses are flagged and audited.
    Recheck,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account. The password is read from STEWARD_NEW_PASSWORD, or
    /// from the first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Operator")]
        name: String,
        /// Make the account an admin of the operator organization (creating
        /// that organization if there is none): the first operator's bootstrap.
        #[arg(long)]
        operator_admin: bool,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Recompute the hash chain and check every signed checkpoint of it; name
    /// the first entry and the first checkpoint that fail. Exit 1 if any does.
    Verify {
        /// Also trust checkpoints signed with this public key (hex): one this
        /// server used before STEWARD_SECRET was changed. Repeatable.
        #[arg(long = "trust-key", value_name = "HEX")]
        trust_keys: Vec<String>,
    },
    /// Sign the chain's head now, keep the checkpoint in the evidence store and
    /// record it (`steward serve` does this every STEWARD_AUDIT_CHECKPOINT_SECS).
    Checkpoint,
}

/// Exit codes: 0 ok, 1 failure at run time, 2 bad configuration or usage.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Offline commands: no configuration, no database.
    if let Some(Command::Classify(args)) = &cli.command {
        return crate::classify::run(args);
    }
    let (config, secret_source) = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("steward: configuration error:\n{e}");
            return ExitCode::from(2);
        }
    };
    observability::init_tracing(config.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("steward: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(run(
        cli.command.unwrap_or(Command::Serve),
        config,
        secret_source,
    ))
}

fn prober(config: &Config) -> Result<std::sync::Arc<crate::probe::NetProber>, ExitCode> {
    crate::probe::NetProber::new(config.probe.clone())
        .map(std::sync::Arc::new)
        .map_err(|e| {
            eprintln!("steward: domain verification: {e}");
            ExitCode::from(2)
        })
}

async fn open(config: &Config) -> Result<Services, ExitCode> {
    let store = Store::connect(&config.database_url).await.map_err(|e| {
        eprintln!(
            "steward: cannot open the database at {}: {e}",
            config.database_url.redacted()
        );
        ExitCode::from(2)
    })?;
    let evidence = EvidenceStore::open(&config.evidence_url).map_err(|e| {
        eprintln!("steward: STEWARD_EVIDENCE_URL: {e}");
        ExitCode::from(2)
    })?;
    Ok(Services::new(store, evidence)
        .with_prober(prober(config)?)
        .with_remote_allow_private(config.fetch_allow_private)
        .with_model(config.model.clone())
        .with_token_rate(config.token_rate)
        .with_webhooks(config.webhooks.clone()))
}

async fn migrate(services: &Services) -> Result<(), ExitCode> {
    services.store.migrate().await.map_err(|e| {
        eprintln!("steward: migration failed: {e}");
        ExitCode::FAILURE
    })
}

async fn run(command: Command, config: Config, secret_source: SecretSource) -> ExitCode {
    let services = match open(&config).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    match command {
        Command::Migrate => match migrate(&services).await {
            Ok(()) => {
                println!("migrations applied");
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Seed {
            demo,
            bulk_listings,
        } => {
            if !demo && bulk_listings.is_none() {
                eprintln!("steward seed: nothing to seed; pass --demo or --bulk-listings N");
                return ExitCode::from(2);
            }
            if let Err(code) = migrate(&services).await {
                return code;
            }
            if demo {
                match services.seed_demo().await {
                    Ok(SeedOutcome::Seeded {
                        organizations,
                        listings,
                        versions,
                        tools,
                    }) => {
                        println!(
                            "demo data seeded: {organizations} organizations, {listings} listings, \
                             {versions} versions, {tools} tools"
                        );
                    }
                    Ok(SeedOutcome::AlreadySeeded) => {
                        println!("demo data already present; nothing changed");
                    }
                    Err(e) => {
                        eprintln!("steward seed: failed: {e:?}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            if let Some(n) = bulk_listings {
                let started = std::time::Instant::now();
                if let Err(e) =
                    store::bulk::bulk_catalog(&services.store, n, store::now_ms() as u64).await
                {
                    eprintln!("steward seed: bulk listings failed: {e}");
                    return ExitCode::FAILURE;
                }
                println!(
                    "{n} synthetic listings seeded in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
            ExitCode::SUCCESS
        }
        Command::Audit { command } => {
            if let Err(code) = migrate(&services).await {
                return code;
            }
            let signer = CheckpointSigner::from_secret(config.secret.bytes());
            audit_command(command, &services, &signer).await
        }
        Command::User { command } => {
            if let Err(code) = migrate(&services).await {
                return code;
            }
            user_command(command, &services).await
        }
        Command::Domains {
            command: DomainsCommand::Recheck,
        } => {
            if let Err(code) = migrate(&services).await {
                return code;
            }
            match services.recheck_verified_domains(0).await {
                Ok((checked, lapsed)) => {
                    println!("{checked} verified domains checked; {lapsed} lapsed");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("steward domains recheck: failed: {e:?}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Import { path, publisher } => {
            if let Err(code) = migrate(&services).await {
                return code;
            }
            crate::import::run(&services, &path, &publisher).await
        }
        Command::Policy { command } => policy_command(command, &services).await,
        Command::Serve => serve(config, secret_source, services).await,
        Command::Classify(args) => crate::classify::run(&args),
    }
}

async fn policy_command(command: PolicyCommand, services: &Services) -> ExitCode {
    let system = services::Actor::System;
    let result = match command {
        PolicyCommand::Load { path, activate } => {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("steward policy load: cannot read {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            };
            services
                .load_routing_policy(&system, &text, activate)
                .await
                .map(|p| {
                    println!(
                        "loaded routing policy {} ({} rules, sha256 {}){}",
                        p.version,
                        p.policy.rules.len(),
                        p.digest,
                        if activate { ", now active" } else { "" }
                    )
                })
        }
        PolicyCommand::Activate { version } => services
            .activate_routing_policy(&system, &version)
            .await
            .map(|()| println!("routing policy {version} is now active")),
        PolicyCommand::List => services
            .store
            .routing_policies()
            .await
            .map_err(Into::into)
            .map(|all: Vec<services::records::StoredPolicy>| {
                let active = all
                    .iter()
                    .filter(|p| p.activated_at.is_some())
                    .max_by_key(|p| p.activated_at)
                    .map(|p| p.version.clone());
                if active.is_none() {
                    println!(
                        "* {} (built in; active until a loaded policy is activated)",
                        services::domain::routing::default_policy().version
                    );
                }
                for p in &all {
                    let mark = if Some(&p.version) == active.as_ref() {
                        "*"
                    } else {
                        " "
                    };
                    println!(
                        "{mark} {} ({} rules, sha256 {})",
                        p.version,
                        p.policy.rules.len(),
                        p.digest
                    );
                }
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(services::ServiceError::NotFound) => {
            eprintln!("steward policy: no such policy version is loaded");
            ExitCode::from(1)
        }
        Err(e @ (services::ServiceError::Invalid(_) | services::ServiceError::Conflict(_))) => {
            eprintln!("steward policy: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("steward policy: {e}");
            tracing::error!(error = ?e, "policy command failed");
            ExitCode::from(1)
        }
    }
}

async fn audit_command(
    command: AuditCommand,
    services: &Services,
    signer: &CheckpointSigner,
) -> ExitCode {
    match command {
        AuditCommand::Verify { trust_keys } => {
            let mut trusted = vec![signer.public_key()];
            trusted.extend(trust_keys.iter().map(|k| k.trim().to_ascii_lowercase()));
            let v = match services.verify_audit(&trusted).await {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("steward audit verify: cannot read the audit trail: {e:?}");
                    return ExitCode::FAILURE;
                }
            };
            match &v.chain_break {
                None => println!("audit chain intact: {} entries verified", v.entries),
                Some(brk) => println!("audit chain BROKEN at entry {}: {}", brk.seq, brk.problem),
            }
            match &v.bad_checkpoint {
                Some(bad) => println!("audit checkpoints BROKEN: {bad}"),
                None if v.checkpoints == 0 => {
                    println!("no audit checkpoints yet (`steward audit checkpoint` signs the head)")
                }
                None => println!(
                    "audit checkpoints intact: {} verified, signed by key {}…",
                    v.checkpoints,
                    &signer.public_key()[..16]
                ),
            }
            if v.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        AuditCommand::Checkpoint => match services.write_checkpoint(signer).await {
            Ok(c) => {
                println!(
                    "audit checkpoint written: entry {} (hash {}…), signed by key {}…",
                    c.seq,
                    &c.hash[..12],
                    c.key_id()
                );
                println!("public key: {}", c.public_key);
                ExitCode::SUCCESS
            }
            Err(services::ServiceError::Invalid(m)) => {
                eprintln!("steward audit checkpoint: nothing to sign: {m}");
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("steward audit checkpoint: failed: {e:?}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn user_command(command: UserCommand, services: &Services) -> ExitCode {
    match command {
        UserCommand::Create {
            email,
            name,
            operator_admin,
        } => {
            let password = match std::env::var("STEWARD_NEW_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    if std::io::stdin().read_line(&mut line).is_err() || line.trim().is_empty() {
                        eprintln!(
                            "steward user create: give the password in STEWARD_NEW_PASSWORD or on standard input"
                        );
                        return ExitCode::from(2);
                    }
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            match services
                .create_user(&email, &name, &password, operator_admin)
                .await
            {
                Ok(user) => {
                    println!(
                        "created {}{}",
                        user.email,
                        if operator_admin {
                            " (operator admin)"
                        } else {
                            ""
                        }
                    );
                    ExitCode::SUCCESS
                }
                Err(services::ServiceError::InvalidFields(fields)) => {
                    for (f, m) in fields {
                        eprintln!("steward user create: {f}: {m}");
                    }
                    ExitCode::from(2)
                }
                Err(e @ services::ServiceError::Conflict(_)) => {
                    eprintln!("steward user create: {e}");
                    ExitCode::from(2)
                }
                Err(e) => {
                    eprintln!("steward user create: failed: {e:?}");
                    ExitCode::FAILURE
                }
            }
        }
        UserCommand::Disable { email } => {
            let user = match services
                .store
                .user_by_email(&email.trim().to_lowercase())
                .await
            {
                Ok(Some(u)) => u,
                Ok(None) => {
                    eprintln!("steward user disable: no account for {email}");
                    return ExitCode::from(2);
                }
                Err(e) => {
                    eprintln!("steward user disable: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match services
                .disable_user(&services::Actor::System, user.id)
                .await
            {
                Ok(()) => {
                    println!("disabled {}; their sessions have ended", user.email);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("steward user disable: failed: {e:?}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn serve(config: Config, secret_source: SecretSource, services: Services) -> ExitCode {
    if let Err(code) = migrate(&services).await {
        return code;
    }
    match secret_source {
        SecretSource::Generated => tracing::warn!(
            path = %config.data_dir.join("secret.key").display(),
            "STEWARD_SECRET is not set: generated a development secret; set STEWARD_SECRET in production"
        ),
        SecretSource::DataFile => {
            tracing::info!("using the development secret kept in the data directory")
        }
        SecretSource::Environment => {}
    }
    if !config
        .site_root
        .join("pkg")
        .join("steward_bg.wasm")
        .exists()
    {
        tracing::warn!(
            site_root = %config.site_root.display(),
            "no WASM bundle found: pages render but will not hydrate (build with `make site`)"
        );
    }
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(l) => l,
        Err(e) => {
            let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                " (is another steward already running? set STEWARD_ADDR to use another port)"
            } else {
                ""
            };
            eprintln!("steward: cannot listen on {}: {e}{hint}", config.addr);
            return ExitCode::from(2);
        }
    };
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // Screening of submitted versions: durable jobs, taken over after a crash.
    services.spawn_screening_worker();
    // The runtime permission check's cache, kept in step with every process.
    let (stop_feed, feed_stopped) = tokio::sync::watch::channel(false);
    let feed = services.spawn_decision_feed(feed_stopped);
    // Webhooks: leased deliveries from the outbox, taken over after a crash.
    services.spawn_webhook_dispatcher();
    // Billing: a `usage.summarized` event per install and hour, once each.
    services.spawn_usage_summarizer(std::time::Duration::from_secs(60));
    // Catalog search on SQLite: its full-text index kept in few b-trees.
    if services.store.engine() == store::Engine::Sqlite {
        services.spawn_catalog_index_upkeep(std::time::Duration::from_secs(30));
    }
    {
        use tower_sessions::ExpiredDeletion;
        let sessions = services.store.session_store();
        tokio::spawn(async move {
            let _ = sessions
                .continuously_delete_expired(std::time::Duration::from_secs(3600))
                .await;
        });
    }
    {
        let services = services.clone();
        let every = config.verify_recheck;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.min(std::time::Duration::from_secs(3600)));
            loop {
                tick.tick().await;
                match services
                    .recheck_verified_domains(every.as_millis() as i64)
                    .await
                {
                    Ok((0, _)) => {}
                    Ok((checked, lapsed)) => {
                        tracing::info!(checked, lapsed, "re-checked verified domains")
                    }
                    Err(e) => tracing::warn!(error = ?e, "domain re-check failed"),
                }
            }
        });
    }
    if let Some(every) = config.audit_checkpoint {
        let services = services.clone();
        let signer = CheckpointSigner::from_secret(config.secret.bytes());
        tokio::spawn(async move {
            // The first one after a full period: a restart does not sign at once.
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match services.checkpoint_if_moved(&signer).await {
                    Ok(Some(c)) => tracing::info!(seq = c.seq, "audit checkpoint written"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = ?e, "audit checkpoint failed"),
                }
            }
        });
    }
    if let Ok(Some(_)) = services
        .store
        .user_by_email(services::demo::DEMO_USERS[0].0)
        .await
    {
        println!(
            "Demo sign-ins (development only; password \"{}\"):",
            services::demo::DEMO_PASSWORD
        );
        for (email, _, what) in services::demo::DEMO_USERS {
            println!("  {email:<28} {what}");
        }
    }
    let metrics = observability::metrics_handle();
    observability::spawn_metrics_upkeep(metrics.clone());
    let state = http::AppState {
        leptos_options: http::leptos_options(&config.site_root, config.addr),
        services,
        metrics,
        secure_cookies: config.secure_cookies,
        public_url: config.public_url.clone(),
        oidc: std::sync::Arc::new(config.oidc.clone()),
    };
    tracing::info!(
        addr = %local,
        database = ?config.database_url.engine(),
        "Steward is listening on http://{local}"
    );
    let served = http::serve(listener, http::app(state), shutdown_signal()).await;
    // Leave the set of processes writers wait for, and write the last counts.
    let _ = stop_feed.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), feed).await;
    match served {
        Ok(()) => {
            tracing::info!("shut down cleanly");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("steward: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

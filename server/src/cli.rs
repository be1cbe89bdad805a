//! `steward`: serve, migrate, seed, and audit commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use evidence::EvidenceStore;
use services::Services;
use services::demo::SeedOutcome;
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
                  STEWARD_LOG_FORMAT (text|json), RUST_LOG. See README.md."
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
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Recompute the hash chain; name the first entry that fails. Exit 1 if any does.
    Verify,
}

/// Exit codes: 0 ok, 1 failure at run time, 2 bad configuration or usage.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
    Ok(Services::new(store, evidence))
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
        Command::Seed { demo } => {
            if !demo {
                eprintln!("steward seed: nothing to seed; pass --demo");
                return ExitCode::from(2);
            }
            if let Err(code) = migrate(&services).await {
                return code;
            }
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
                    ExitCode::SUCCESS
                }
                Ok(SeedOutcome::AlreadySeeded) => {
                    println!("demo data already present; nothing changed");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("steward seed: failed: {e:?}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => match services.store.verify_audit_chain().await {
            Ok(Ok(n)) => {
                println!("audit chain intact: {n} entries verified");
                ExitCode::SUCCESS
            }
            Ok(Err(brk)) => {
                println!("audit chain BROKEN at entry {}: {}", brk.seq, brk.problem);
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("steward audit verify: cannot read the audit trail: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Serve => serve(config, secret_source, services).await,
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
    let state = http::AppState {
        leptos_options: http::leptos_options(&config.site_root, config.addr),
        services,
        metrics: observability::metrics_handle(),
    };
    tracing::info!(
        addr = %local,
        database = ?config.database_url.engine(),
        "Steward is listening on http://{local}"
    );
    match http::serve(listener, http::router(state), shutdown_signal()).await {
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

//! The real `steward` binary as a process: bad configuration, an occupied port,
//! SIGKILL in the middle of writes, and the audit commands against tampering.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_steward");

fn steward(data: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STEWARD_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_ready(client: &reqwest::Client, base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("steward exited early: {status}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("steward did not become ready");
}

#[tokio::test]
async fn a_malformed_database_url_is_a_clear_message_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["mysql://root@localhost/x", "postgres://", "not a url"] {
        let out = steward(dir.path())
            .env("DATABASE_URL", url)
            .arg("migrate")
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{url}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("DATABASE_URL"), "{url}: {err}");
        assert!(!err.contains("panicked"), "{url}: {err}");
    }
    // A well-formed URL to a server that is not there: also a message, not a panic.
    let out = steward(dir.path())
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .arg("migrate")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open the database"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn bad_settings_are_all_named_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = steward(dir.path())
        .env("STEWARD_ADDR", "localhost")
        .env("STEWARD_LOG_FORMAT", "xml")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("STEWARD_ADDR") && err.contains("STEWARD_LOG_FORMAT"),
        "{err}"
    );
}

#[tokio::test]
async fn an_occupied_port_is_a_clear_message_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = steward(dir.path())
        .env("STEWARD_ADDR", &addr)
        .arg("serve")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(err.contains("STEWARD_ADDR"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Writes through the server, SIGKILLs it mid-stream, restarts it: every write
/// the server acknowledged is there, and the audit chain is intact.
async fn sigkill_mid_write_loses_nothing(database_url: &str, data: &std::path::Path) {
    let seed = steward(data)
        .env("DATABASE_URL", database_url)
        .args(["seed", "--demo"])
        .output()
        .await
        .unwrap();
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut child = steward(data)
        .env("DATABASE_URL", database_url)
        .env("STEWARD_ADDR", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(&client, &base, &mut child).await;

    // Eight writers, each reporting as fast as it can until the kill.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (client, base, acked) = (client.clone(), base.clone(), acked.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let res = client
                        .post(format!("{base}/api/report"))
                        .form(&[
                            ("slug", "time-and-timezones"),
                            ("reason", "spam"),
                            (
                                "details",
                                &format!("writer {w} report {i}: spam links everywhere"),
                            ),
                        ])
                        .send()
                        .await;
                    let Ok(res) = res else { break };
                    if res.status() != 200 {
                        break;
                    }
                    let Ok(body) = res.json::<serde_json::Value>().await else {
                        break;
                    };
                    acked
                        .lock()
                        .unwrap()
                        .push(body["reference"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    // Let some writes land, then kill -9 while they are in flight.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().len() < 50 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 50,
        "only {} writes before the kill",
        acked.len()
    );

    // Restart on the same database: it comes up, and every acknowledged report is there.
    let mut child = steward(data)
        .env("DATABASE_URL", database_url)
        .env("STEWARD_ADDR", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(&client, &base, &mut child).await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    let store = store::Store::connect(&store::DatabaseUrl::parse(database_url).unwrap())
        .await
        .unwrap();
    for id in &acked {
        let id: domain::ReportId = id.parse().unwrap();
        assert!(
            store.report_by_id(id).await.unwrap().is_some(),
            "acknowledged report {id} was lost"
        );
    }
    let counts = store.counts().await.unwrap();
    assert!(counts.reports as usize >= acked.len());
    // Every committed report has its audit entry: the seed's one, plus one each.
    assert_eq!(counts.audit_entries, counts.reports + 1);
    assert_eq!(
        store.verify_audit_chain().await.unwrap(),
        Ok(counts.audit_entries),
        "audit chain broken after SIGKILL"
    );

    let out = steward(data)
        .env("DATABASE_URL", database_url)
        .args(["audit", "verify"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit chain intact"));
}

#[tokio::test]
async fn sigkill_mid_write_loses_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/steward.db", dir.path().display());
    sigkill_mid_write_loses_nothing(&url, dir.path()).await;
}

#[tokio::test]
async fn sigkill_mid_write_loses_nothing_on_postgres() {
    let Some(db) = store::testing::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    sigkill_mid_write_loses_nothing(&db.url, dir.path()).await;
}

async fn seeded(db: &store::testing::TestDb, data: &std::path::Path) {
    let out = steward(data)
        .env("DATABASE_URL", &db.url)
        .args(["seed", "--demo"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `steward <args>` on `db`: (exit code, standard output).
async fn run(db: &store::testing::TestDb, data: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = steward(data)
        .env("DATABASE_URL", &db.url)
        .args(args)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), stdout)
}

#[tokio::test]
async fn audit_verify_names_a_tampered_entry() {
    for db in store::testing::engines().await {
        let dir = tempfile::tempdir().unwrap();
        seeded(&db, dir.path()).await;
        let n = db
            .tamper("UPDATE audit_entry SET actor = 'user:mallory' WHERE seq = 1")
            .await;
        assert_eq!(n, 1);
        let (code, text) = run(&db, dir.path(), &["audit", "verify"]).await;
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("BROKEN at entry 1"), "{text}");
    }
}

#[tokio::test]
async fn a_signed_checkpoint_catches_a_cut_tail() {
    for db in store::testing::engines().await {
        let dir = tempfile::tempdir().unwrap();
        seeded(&db, dir.path()).await;
        let (code, text) = run(&db, dir.path(), &["audit", "verify"]).await;
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("no audit checkpoints yet"), "{text}");

        // The seed's entry, then each checkpoint's own entry after it.
        let (code, text) = run(&db, dir.path(), &["audit", "checkpoint"]).await;
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("audit checkpoint written: entry 1 "),
            "{text}"
        );
        let public_key = text
            .lines()
            .find_map(|l| l.strip_prefix("public key: "))
            .expect("the public key is printed")
            .to_owned();
        let (code, text) = run(&db, dir.path(), &["audit", "checkpoint"]).await;
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("audit checkpoint written: entry 2 "),
            "{text}"
        );
        let (code, text) = run(&db, dir.path(), &["audit", "verify"]).await;
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("audit chain intact: 3 entries verified"),
            "{text}"
        );
        assert!(
            text.contains("audit checkpoints intact: 2 verified"),
            "{text}"
        );

        // Another secret does not vouch for them, unless the old key is trusted.
        let other = steward(dir.path())
            .env("DATABASE_URL", &db.url)
            .env("STEWARD_SECRET", "another secret, at least 32 bytes long")
            .args(["audit", "verify"])
            .output()
            .await
            .unwrap();
        let out = String::from_utf8_lossy(&other.stdout);
        assert_eq!(other.status.code(), Some(1), "{out}");
        assert!(out.contains("not a trusted checkpoint key"), "{out}");
        assert!(out.contains("--trust-key"), "{out}");
        let trusting = steward(dir.path())
            .env("DATABASE_URL", &db.url)
            .env("STEWARD_SECRET", "another secret, at least 32 bytes long")
            .args(["audit", "verify", "--trust-key", &public_key])
            .output()
            .await
            .unwrap();
        assert!(
            trusting.status.success(),
            "{}",
            String::from_utf8_lossy(&trusting.stdout)
        );

        // Cut the tail: what is left still chains, but the checkpoint of entry 2 fails.
        assert_eq!(db.tamper("DELETE FROM audit_entry WHERE seq >= 2").await, 2);
        let (code, text) = run(&db, dir.path(), &["audit", "verify"]).await;
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains("audit chain intact: 1 entries verified"),
            "{text}"
        );
        assert!(
            text.contains(
                "audit checkpoints BROKEN: checkpoint of entry 2: the chain has no entry 2"
            ),
            "{text}"
        );
        // Deleting the checkpoint's row too does not hide it: the evidence store keeps it.
        assert_eq!(
            db.tamper("DELETE FROM audit_checkpoint WHERE seq >= 2")
                .await,
            1
        );
        let (code, text) = run(&db, dir.path(), &["audit", "verify"]).await;
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains("checkpoint of entry 2: the chain has no entry 2"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn serve_checkpoints_the_head_when_it_moved() {
    for db in store::testing::engines().await {
        let dir = tempfile::tempdir().unwrap();
        seeded(&db, dir.path()).await;
        let port = free_port();
        let client = reqwest::Client::new();
        let mut child = steward(dir.path())
            .env("DATABASE_URL", &db.url)
            .env("STEWARD_ADDR", format!("127.0.0.1:{port}"))
            .env("STEWARD_AUDIT_CHECKPOINT_SECS", "1")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_ready(&client, &format!("http://127.0.0.1:{port}"), &mut child).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while db.store.audit_checkpoints().await.unwrap().is_empty() {
            assert!(Instant::now() < deadline, "no checkpoint was written");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Nothing moved since but the checkpoint's own entry: no more of them.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        child.start_kill().unwrap();
        child.wait().await.unwrap();
        let checkpoints = db.store.audit_checkpoints().await.unwrap();
        assert_eq!(checkpoints.len(), 1, "{checkpoints:?}");
        assert_eq!(checkpoints[0].checkpoint.seq, 1);
        let (code, text) = run(&db, dir.path(), &["audit", "verify"]).await;
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("audit checkpoints intact: 1 verified"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn seed_needs_demo_and_help_works() {
    let dir = tempfile::tempdir().unwrap();
    let out = steward(dir.path()).arg("seed").output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "--help"],
    ] {
        let out = steward(dir.path()).args(&args).output().await.unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
}

#[tokio::test]
async fn routing_policies_are_loaded_listed_and_activated_by_cli() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/steward.db", dir.path().display());
    let run = |args: Vec<String>| {
        let mut c = steward(dir.path());
        c.env("DATABASE_URL", &url).args(args);
        c
    };
    let arg = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    assert!(
        run(arg(&["migrate"]))
            .output()
            .await
            .unwrap()
            .status
            .success()
    );

    let out = run(arg(&["policy", "list"])).output().await.unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("* steward-routing-2026.1 (built in"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let mut policy: serde_json::Value =
        serde_json::from_str(include_str!("../../crates/domain/src/routing_default.json")).unwrap();
    policy["version"] = serde_json::json!("ops-2026-11");
    let file = dir.path().join("policy.json");
    std::fs::write(&file, policy.to_string()).unwrap();
    let path = file.display().to_string();
    let out = run(arg(&["policy", "load", &path, "--activate"]))
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ops-2026-11"));
    let out = run(arg(&["policy", "list"])).output().await.unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("* ops-2026-11"));

    // The same version again, a broken document, an unknown version: refused, said why.
    let out = run(arg(&["policy", "load", &path])).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already loaded"));
    std::fs::write(
        &file,
        r#"{"version":"x","rules":[],"default":{"teams":["wizards"],"approvals":1}}"#,
    )
    .unwrap();
    let out = run(arg(&["policy", "load", &path])).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wizards"));
    let out = run(arg(&["policy", "activate", "nope"]))
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such policy"));
    let out = run(arg(&["audit", "verify"])).output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

//! Cross-check with an independent implementation: the official Python
//! `standardwebhooks` package (pinned), installed into a venv under the
//! target dir on first run. Skipped, saying so, only where python3 or its
//! venv/pip module is missing; a failed install fails the test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use rand::Rng;
use serde_json::{Value, json};
use webhooks::{ID_HEADER, SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, TOLERANCE, sign, verify};

const PACKAGE: &str = "standardwebhooks==1.1.0";

/// The venv's python with the package importable, or why there is none.
fn python_with_package() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("standardwebhooks-venv");
    let python = venv.join("bin").join("python");
    let runs = |cmd: &mut Command| {
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if runs(Command::new(&python).args(["-c", "import standardwebhooks"])) {
        return Ok(python);
    }
    if !runs(Command::new("python3").arg("--version")) {
        return Err("python3 is not installed".into());
    }
    if !runs(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    ) {
        return Err("python3 cannot create a venv with pip (install python3-venv)".into());
    }
    let install = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", PACKAGE])
        .output()
        .expect("the venv's python runs");
    assert!(
        install.status.success(),
        "pip could not install {PACKAGE}:\n{}",
        String::from_utf8_lossy(&install.stderr)
    );
    Ok(python)
}

fn random_text(rng: &mut impl Rng) -> String {
    let len = rng.random_range(0..200);
    (0..len)
        .map(|_| match rng.random_range(0..4) {
            0 => rng.random::<char>(),
            1 => ['"', '\\', '.', ' ', '\n', ',', '{', '}'][rng.random_range(0..8)],
            _ => rng.random_range('a'..='z'),
        })
        .collect()
}

fn random_id(rng: &mut impl Rng) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let len = rng.random_range(1..40);
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

fn random_secret(rng: &mut impl Rng) -> Secret {
    use base64::Engine as _;
    let mut key = vec![0u8; rng.random_range(24..=64)];
    rng.fill_bytes(&mut key);
    Secret::parse(&format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    ))
    .unwrap()
}

#[test]
fn the_official_python_library_agrees_with_our_signatures() {
    let python = match python_with_package() {
        Ok(python) => python,
        Err(why) => {
            eprintln!("SKIPPED standardwebhooks cross-check: {why}");
            return;
        }
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut rng = rand::rng();

    struct Case {
        id: String,
        payload: String,
        current: Secret,
        previous: Secret,
        header: String,
    }
    let cases: Vec<Case> = (0..64)
        .map(|_| {
            let (id, payload) = (random_id(&mut rng), random_text(&mut rng));
            let (current, previous) = (random_secret(&mut rng), random_secret(&mut rng));
            let header = sign(
                &id,
                now,
                payload.as_bytes(),
                &[current.clone(), previous.clone()],
            )
            .unwrap();
            Case {
                id,
                payload,
                current,
                previous,
                header,
            }
        })
        .collect();

    // For each case: each rotated secret verifies, a stranger's does not, a
    // changed payload does not.
    let mut verify_cases = Vec::new();
    let mut expected = Vec::new();
    for c in &cases {
        let headers = json!({
            "webhook-id": c.id,
            "webhook-timestamp": now.to_string(),
            "webhook-signature": c.header,
        });
        for (secret, payload, ok) in [
            (&c.current, c.payload.clone(), true),
            (&c.previous, c.payload.clone(), true),
            (&Secret::generate(), c.payload.clone(), false),
            (&c.current, format!("{} ", c.payload), false),
        ] {
            verify_cases.push(json!({
                "secret": secret.expose(), "payload": payload, "headers": headers,
            }));
            expected.push(ok);
        }
    }
    let sign_cases: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "secret": c.current.expose(), "id": c.id, "timestamp": now, "payload": c.payload,
            })
        })
        .collect();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/standardwebhooks_interop.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let input = json!({ "verify": verify_cases, "sign": sign_cases }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the Python check failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();

    let verified: Vec<bool> = serde_json::from_value(answer["verified"].clone()).unwrap();
    assert_eq!(verified.len(), expected.len());
    for (i, (got, want)) in verified.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "case {} check {}", i / 4, i % 4);
    }

    // What Python signs is byte for byte what we sign, and verifies here.
    let signed: Vec<String> = serde_json::from_value(answer["signed"].clone()).unwrap();
    assert_eq!(signed.len(), cases.len());
    for (c, theirs) in cases.iter().zip(&signed) {
        let ours = sign(
            &c.id,
            now,
            c.payload.as_bytes(),
            std::slice::from_ref(&c.current),
        )
        .unwrap();
        assert_eq!(&ours, theirs);
        let mut headers = HeaderMap::new();
        headers.insert(ID_HEADER, HeaderValue::from_str(&c.id).unwrap());
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from(now));
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(theirs).unwrap());
        assert_eq!(
            verify(
                &headers,
                c.payload.as_bytes(),
                std::slice::from_ref(&c.current),
                now,
                TOLERANCE
            ),
            Ok(())
        );
    }
}

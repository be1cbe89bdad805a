//! For tests (feature `testing`): the real MCP reference server,
//! `@modelcontextprotocol/server-everything` (an end2end npm dev dependency),
//! run in Streamable HTTP mode on 127.0.0.1.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn package_dir() -> PathBuf {
    // The checkout cargo runs the test in (its package dir is set at run time;
    // the repository root is an ancestor), else the one it was built in: a test
    // binary reused from another checkout must not look in that checkout.
    let run_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let node_modules = Path::new(&run_dir)
        .ancestors()
        .map(|d| d.join("end2end/node_modules"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../end2end/node_modules")
        });
    let entry = node_modules.join("@modelcontextprotocol/server-everything/dist/index.js");
    if !node_modules.is_dir() || !entry.is_file() {
        panic!(
            "{} not found: run `scripts/tools.sh test` (installs end2end npm packages)",
            entry.display()
        );
    }
    entry
}

/// The server as a child process; killed when dropped.
pub struct Everything {
    child: Child,
    pub port: u16,
    /// The server's stdout (it logs every session it ends).
    log: PathBuf,
}

impl Everything {
    pub fn start() -> Self {
        let entry = package_dir();
        let preload = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/loopback.mjs");
        // A free port can be taken between probing and listening: retry then.
        for _ in 0..3 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let log = std::env::temp_dir().join(format!(
                "steward-mcp-remote-everything-{}-{port}.log",
                std::process::id()
            ));
            let stdout = std::fs::File::create(&log).expect("a log file");
            let child = Command::new("node")
                .arg("--import")
                .arg(&preload)
                .arg(&entry)
                .arg("streamableHttp")
                .env("PORT", port.to_string())
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("could not start node (is Node.js installed?): {e}"));
            let mut server = Everything { child, port, log };
            if server.wait_ready() {
                return server;
            }
        }
        panic!("server-everything did not start listening on 127.0.0.1");
    }

    /// Waits until the port accepts connections; false if the process exited.
    fn wait_ready(&mut self) -> bool {
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "server-everything did not listen on port {} within 30 s",
            self.port
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Everything {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

//! A fixed-rate HTTP/1.1 load generator for latency at a given request rate
//! (`scripts/bench_authorize.sh`), in the manner of wrk2: keep-alive
//! connections on one tokio thread, the same prebuilt request every time,
//! released on a schedule of `rate` requests a second (round robin over the
//! connections) by a pacing OS thread.
//!
//!     cargo run -p server --release --example bench_load -- \
//!         --url http://127.0.0.1:3200/api/v1/authorize --rate 30000 \
//!         --header 'authorization: Bearer stw_…' --body '{"install_id":…}'
//!
//! Latency is measured from the later of the request's scheduled time and
//! the moment its connection was free (the previous answer had arrived): a
//! server that falls behind is charged for the queue it causes (no
//! coordinated omission). The pacer sleeps with the operating system's
//! timer (tens of microseconds late at most, usually), not tokio's, whose
//! millisecond ticks would release requests in bursts and charge the server
//! for the client's lateness. Prints one JSON object: the rate reached, the
//! 2xx share and the latency percentiles in milliseconds.
//!
//! Why not oha: at the rates measured here oha (multi-threaded, TUI-less but
//! still heavy) took a core of the two, and its own queueing put the p99 of a
//! constant-answer server at 3 ms; this client spends a fraction of that.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser, Debug)]
#[command(about = "Fixed-rate HTTP/1.1 load with keep-alive; latency percentiles as JSON")]
struct Args {
    /// http://host:port/path
    #[arg(long)]
    url: String,
    /// Requests a second, all connections together.
    #[arg(long)]
    rate: u64,
    #[arg(long, default_value_t = 32)]
    connections: u64,
    /// Seconds measured (after the warm-up).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds at the same rate before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// POST this body (else GET).
    #[arg(long)]
    body: Option<String>,
    /// `name: value`, repeatable.
    #[arg(long = "header")]
    headers: Vec<String>,
}

struct Sample {
    micros: u32,
    ok: bool,
}

fn request_bytes(args: &Args, host: &str, path: &str) -> Vec<u8> {
    let method = if args.body.is_some() { "POST" } else { "GET" };
    let mut r = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\n");
    for h in &args.headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    if let Some(b) = &args.body {
        if !args
            .headers
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with("content-type:"))
        {
            r.push_str("content-type: application/json\r\n");
        }
        r.push_str(&format!("content-length: {}\r\n\r\n{b}", b.len()));
    } else {
        r.push_str("\r\n");
    }
    r.into_bytes()
}

/// Reads one response; returns its status. `buf` keeps bytes past it.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).map_err(|_| bad("head not UTF-8"))?;
            let status: u16 = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("no status"))?;
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .ok_or_else(|| bad("no content-length"))?;
            let total = end + 4 + len;
            while buf.len() < total {
                let mut chunk = [0u8; 8192];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(bad("closed mid-body"));
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..total);
            return Ok(status);
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn connection(
    addr: String,
    request: std::sync::Arc<Vec<u8>>,
    mut due: tokio::sync::mpsc::UnboundedReceiver<Instant>,
    measure_from: Instant,
) -> std::io::Result<Vec<Sample>> {
    let mut stream = TcpStream::connect(&addr).await?;
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut samples = Vec::new();
    let mut free_at = Instant::now();
    while let Some(scheduled) = due.recv().await {
        let from = scheduled.max(free_at);
        stream.write_all(&request).await?;
        let status = read_response(&mut stream, &mut buf).await?;
        let done = Instant::now();
        free_at = done;
        if scheduled >= measure_from {
            samples.push(Sample {
                micros: done.duration_since(from).as_micros().min(u32::MAX as u128) as u32,
                ok: (200..300).contains(&status),
            });
        }
    }
    Ok(samples)
}

/// Releases each request at its scheduled time, from an OS thread: tokio's
/// timers tick by the millisecond, which at these rates is many requests'
/// worth of lateness; a thread's sleep wakes within tens of microseconds
/// (and releases together what fell due meanwhile). Request `k` is due at
/// `start + k / rate` on connection `k mod connections`.
fn pace(
    due: Vec<tokio::sync::mpsc::UnboundedSender<Instant>>,
    start: Instant,
    rate: u64,
    until: Instant,
) {
    let mut k: u64 = 0;
    loop {
        let now = Instant::now();
        loop {
            let t = start + Duration::from_nanos(k * 1_000_000_000 / rate);
            if t >= until {
                return;
            }
            if t > now {
                std::thread::sleep(t - now);
                break;
            }
            let _ = due[(k % due.len() as u64) as usize].send(t);
            k += 1;
        }
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Some(rest) = args.url.strip_prefix("http://") else {
        eprintln!("bench_load: only http:// URLs");
        return ExitCode::from(2);
    };
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if args.rate == 0 || args.connections == 0 {
        eprintln!("bench_load: --rate and --connections must be positive");
        return ExitCode::from(2);
    }
    let request = std::sync::Arc::new(request_bytes(&args, host, path));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let start = Instant::now() + Duration::from_millis(200);
        let measure_from = start + Duration::from_secs(args.warmup);
        let until = measure_from + Duration::from_secs(args.duration);
        let mut tasks = Vec::new();
        let mut due = Vec::new();
        for _ in 0..args.connections {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            due.push(tx);
            tasks.push(tokio::spawn(connection(
                host.to_owned(),
                request.clone(),
                rx,
                measure_from,
            )));
        }
        let rate = args.rate;
        let pacer = std::thread::spawn(move || pace(due, start, rate, until));
        let mut all = Vec::new();
        for t in tasks {
            match t.await {
                Ok(Ok(s)) => all.extend(s),
                Ok(Err(e)) => return Err(format!("a connection failed: {e}")),
                Err(e) => return Err(format!("a connection task failed: {e}")),
            }
        }
        let _ = pacer.join();
        Ok((all, args.duration))
    });
    let (samples, secs) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ok = samples.iter().filter(|s| s.ok).count();
    let mut lat: Vec<u32> = samples.iter().map(|s| s.micros).collect();
    lat.sort_unstable();
    println!(
        "{{\"requests\":{},\"rate\":{:.0},\"ok_share\":{:.4},\"p50_ms\":{:.3},\"p90_ms\":{:.3},\"p99_ms\":{:.3},\"p999_ms\":{:.3},\"max_ms\":{:.3}}}",
        samples.len(),
        samples.len() as f64 / secs as f64,
        ok as f64 / samples.len().max(1) as f64,
        percentile(&lat, 50.0),
        percentile(&lat, 90.0),
        percentile(&lat, 99.0),
        percentile(&lat, 99.9),
        lat.last().copied().unwrap_or(0) as f64 / 1000.0,
    );
    ExitCode::SUCCESS
}

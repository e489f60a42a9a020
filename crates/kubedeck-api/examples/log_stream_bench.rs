//! The log stream benchmark's client (issue 6). `benches/log_stream.sh` starts a fresh testbed and, for each
//! phase, a fresh `kubedeck serve` (so each phase's memory figures start from a server that has served nothing),
//! logs in, imports the testbed and runs this against that server:
//!
//! ```text
//! log_stream_bench --phase latency|stalled|concurrent --base http://127.0.0.1:PORT --token TOKEN --cluster ID
//!                  --testbed DIR --namespace NS --server-pid PID
//!                  [--connects 15] [--streams 100,200] [--hold 60] [--stalled 20] [--idle 130]
//! ```
//!
//! Its pods live in NS (created by the script; per-pod log rates, so nothing depends on the simulator's global
//! rate). With `kubectl logs -f` against the same pods as the baseline in the same run, it measures:
//! - `latency`: time to first line, connect → first log line, `--connects` times each (interleaved with kubectl,
//!   and with `kubectl version --client`, kubectl's own start-up, reported beside it); then lines per second
//!   through one stream of a pod writing 1,000 lines/s, `RUNS` times each: a 20,000-line backlog timed from its
//!   first line to its last (so neither kubectl's start-up nor the WebSocket handshake is in the rate; the time to
//!   that first line is reported separately), then live;
//! - `stalled`: the per-stream memory bound: `--stalled` clients that stop reading a 1,000 lines/s pod for `--hold`;
//! - `concurrent`: the server's RSS with 100, then 200 streams open for `--hold` seconds while lines flow, after
//!   they close, and when as many open again; alongside, idle survival: a stream on a silent pod for `--idle`
//!   seconds (pings counted), then the container crashes through the simulator's control API and its FATAL line
//!   must still arrive.
//!
//! Every WebSocket upgrade's HTTP status is checked: a connect answered 401, 429, 500 ... (or a kubectl that exits
//! without a line) is a failed sample, counted by status in the output and never timed.

use futures::{SinkExt, Stream, StreamExt};
use kubedeck_api::routes::log_stream::BUFFERED_LINES;
use kubedeck_testbed::Testbed;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws = WebSocketStream<TcpStream>;

/// Lines the throughput runs ask for from the past (`tailLines` / `--tail`).
const BACKLOG: u64 = 20_000;
/// Throughput runs through kubedeck, and as many through kubectl.
const RUNS: usize = 5;
/// How long the throughput runs keep counting after the backlog.
const LIVE: Duration = Duration::from_secs(10);
/// Log rate of each of the 10 pods the concurrent streams follow.
const FLOW_RATE: u64 = 10;
const FLOW_PODS: usize = 10;

struct Args {
    phase: String,
    base: String,
    token: String,
    cluster: i64,
    testbed: PathBuf,
    namespace: String,
    server_pid: u32,
    connects: usize,
    streams: Vec<usize>,
    hold: Duration,
    stalled: usize,
    idle: Duration,
}

fn args() -> Args {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let map: HashMap<&str, &str> = raw
        .chunks(2)
        .map(|kv| (kv[0].trim_start_matches("--"), kv.get(1).map_or("", |v| v)))
        .collect();
    let get = |k: &str, default: Option<&str>| -> String {
        map.get(k)
            .map(|v| v.to_string())
            .or(default.map(str::to_string))
            .unwrap_or_else(|| panic!("--{k} is required (see the file's doc comment)"))
    };
    let secs = |k: &str, d: &str| Duration::from_secs(get(k, Some(d)).parse().expect("seconds"));
    Args {
        phase: get("phase", None),
        base: get("base", None),
        token: get("token", None),
        cluster: get("cluster", None).parse().expect("--cluster is a number"),
        testbed: get("testbed", None).into(),
        namespace: get("namespace", None),
        server_pid: get("server-pid", None)
            .parse()
            .expect("--server-pid is a number"),
        connects: get("connects", Some("15"))
            .parse()
            .expect("--connects is a number"),
        streams: get("streams", Some("100,200"))
            .split(',')
            .map(|n| n.parse().expect("--streams: numbers"))
            .collect(),
        hold: secs("hold", "60"),
        stalled: get("stalled", Some("20"))
            .parse()
            .expect("--stalled is a number"),
        idle: secs("idle", "130"),
    }
}

/// What every connection needs: the server, the token and where the pods are.
#[derive(Clone)]
struct Target {
    base: String,
    token: String,
    cluster: i64,
    ns: String,
    kubeconfig: PathBuf,
}

impl Target {
    /// Opens a log stream; `recv_buffer` shrinks the client's socket buffer (a slow browser on a slow link). A
    /// refused upgrade is `Err("HTTP 401")` (its status), anything else that fails `Err(the error)`.
    async fn connect(
        &self,
        pod: &str,
        query: &str,
        recv_buffer: Option<u32>,
    ) -> Result<Ws, String> {
        let url = format!(
            "{}/ws/k8s/cluster/{}/namespaces/{}/pods/{pod}/logs?{query}",
            self.base.replace("http://", "ws://"),
            self.cluster,
            self.ns
        );
        let mut req = url.into_client_request().expect("a valid URL");
        req.headers_mut().insert(
            "sec-websocket-protocol",
            format!("kubedeck, bearer.{}", self.token)
                .parse()
                .expect("a header value"),
        );
        let addr = self
            .base
            .trim_start_matches("http://")
            .parse()
            .expect("--base is http://IP:PORT");
        let socket = TcpSocket::new_v4().expect("a socket");
        if let Some(size) = recv_buffer {
            socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
        }
        let tcp = socket
            .connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        match tokio_tungstenite::client_async(req, tcp).await {
            Ok((ws, _)) => Ok(ws),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(format!("HTTP {}", response.status().as_u16()))
            }
            Err(e) => Err(format!("{e}")),
        }
    }

    /// `kubectl logs -f` of the same pod: its stdout, line by line.
    fn kubectl_follow(
        &self,
        pod: &str,
        flags: &[&str],
    ) -> (
        tokio::process::Child,
        tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    ) {
        let mut child = tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(["-n", &self.ns, "logs", "-f", pod])
            .args(flags)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("kubectl");
        let out = child.stdout.take().expect("piped stdout");
        (child, tokio::io::BufReader::new(out).lines())
    }
}

/// The text lines of a stream (pings and other frames skipped), ending with the stream.
fn text_lines(ws: Ws) -> impl Stream<Item = String> + Unpin {
    ws.filter_map(|m| async move {
        match m {
            Ok(Message::Text(t)) => Some(Some(t.to_string())),
            Ok(Message::Close(_)) | Err(_) => Some(None),
            Ok(_) => None,
        }
    })
    .take_while(|l| futures::future::ready(l.is_some()))
    .map(|l| l.unwrap_or_default())
    .boxed()
}

fn kubectl_lines(
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> impl Stream<Item = String> + Unpin {
    futures::stream::unfold(lines, |mut l| async move {
        l.next_line().await.ok().flatten().map(|line| (line, l))
    })
    .boxed()
}

/// `line=N` of a simulated log line.
fn line_no(l: &str) -> Option<u64> {
    l.split(" line=").nth(1)?.split(' ').next()?.parse().ok()
}

/// The count in kubedeck's `[kubedeck] N lines dropped` notice.
fn dropped_notice(l: &str) -> Option<u64> {
    l.strip_prefix("[kubedeck] ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

fn rss_kib(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server is running");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        f64::NAN
    } else {
        s[s.len() / 2]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Creates the benchmark's pods (annotated log rates; `apply`, so later phases find them as they are) and waits
/// until they all run.
fn create_pods(tb: &Testbed, ns: &str) {
    let mut pods = vec![
        ("steady".to_string(), 1, "Always"),
        ("fast".to_string(), 1000, "Always"),
        ("quiet".to_string(), 0, "Never"),
    ];
    pods.extend((0..FLOW_PODS).map(|i| (format!("flow-{i}"), FLOW_RATE, "Always")));
    let items: Vec<_> = pods
        .iter()
        .map(|(name, rate, restart)| {
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns, "annotations": {"sim.kubedeck.io/log-lines-per-second": rate.to_string()}},
                "spec": {"restartPolicy": restart, "containers": [{"name": "app", "image": "busybox"}]}})
        })
        .collect();
    let path = std::env::temp_dir().join(format!("{ns}.json"));
    std::fs::write(
        &path,
        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string(),
    )
    .expect("writing the manifest");
    tb.kubectl_ok(&["apply", "-f", path.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(path);
    kubedeck_testbed::wait_until(
        "the benchmark's pods to run",
        Duration::from_secs(120),
        || {
            let phases = tb.kubectl_ok(&[
                "-n",
                ns,
                "get",
                "pods",
                "-o",
                "jsonpath={.items[*].status.phase}",
            ]);
            (phases
                .split_whitespace()
                .filter(|p| *p == "Running")
                .count()
                == pods.len())
            .then_some(())
        },
    );
}

/// Failed samples by reason ("HTTP 429", "kubectl exit status: 1", ...): reported, never timed.
type Failures = BTreeMap<String, u64>;

fn fail(f: &mut Failures, why: impl Into<String>) {
    *f.entry(why.into()).or_default() += 1;
}

fn show_failures(f: &Failures) -> String {
    if f.is_empty() {
        return "none".into();
    }
    f.iter()
        .map(|(why, n)| format!("{why}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why kubectl gave no (more) lines: its exit status once it has ended.
async fn kubectl_ended(child: &mut tokio::process::Child) -> String {
    match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
        Ok(Ok(status)) => format!("kubectl {status}"),
        _ => "kubectl closed its output".into(),
    }
}

#[derive(Default)]
struct FirstLine {
    ws_ms: Vec<f64>,
    kubectl_ms: Vec<f64>,
    /// `kubectl version --client`: kubectl's start-up without any request, the share of `kubectl_ms` that is not
    /// the API server's.
    kubectl_startup_ms: Vec<f64>,
    ws_failed: Failures,
    kubectl_failed: Failures,
}

/// 1. Connect → first line, alternately through kubedeck and kubectl (and kubectl's bare start-up).
async fn time_to_first_line(t: &Target, connects: usize) -> FirstLine {
    let mut r = FirstLine::default();
    let wait = Duration::from_secs(30);
    for _ in 0..connects {
        let started = Instant::now();
        match t.connect("steady", "tailLines=1", None).await {
            Ok(ws) => match tokio::time::timeout(wait, text_lines(ws).next()).await {
                Ok(Some(_)) => r.ws_ms.push(ms(started.elapsed())),
                Ok(None) => fail(&mut r.ws_failed, "closed before a line"),
                Err(_) => fail(&mut r.ws_failed, "no line within 30 s"),
            },
            Err(why) => fail(&mut r.ws_failed, why),
        }

        let started = Instant::now();
        let (mut child, mut lines) = t.kubectl_follow("steady", &["--tail=1"]);
        match tokio::time::timeout(wait, lines.next_line()).await {
            Ok(Ok(Some(_))) => r.kubectl_ms.push(ms(started.elapsed())),
            Ok(_) => fail(&mut r.kubectl_failed, kubectl_ended(&mut child).await),
            Err(_) => fail(&mut r.kubectl_failed, "no line within 30 s"),
        }
        let _ = child.kill().await;

        let started = Instant::now();
        let status = tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&t.kubeconfig)
            .args(["version", "--client"])
            .stdout(std::process::Stdio::null())
            .status()
            .await;
        if status.is_ok_and(|s| s.success()) {
            r.kubectl_startup_ms.push(ms(started.elapsed()));
        }
    }
    r
}

#[derive(Debug, Default)]
struct Throughput {
    /// Connect (or kubectl's start) → the first line: the handshake, or kubectl's start-up, and the first request.
    first_line_ms: f64,
    /// Seconds from the first line's arrival until the line BACKLOG - 1 after it arrived.
    backlog_secs: f64,
    /// Lines received in the backlog, the first included (BACKLOG less what was lost).
    backlog_lines: u64,
    /// Lines per second over `LIVE` after the backlog.
    live_rate: f64,
    /// Lines kubedeck said it dropped, and line numbers missing from the sequence (backlog and live).
    dropped: u64,
    missing: u64,
}

impl Throughput {
    /// The lines after the first, over the time from the first line to the last: delivery alone, without the
    /// start-up or the handshake before the first line.
    fn backlog_rate(&self) -> f64 {
        self.backlog_lines.saturating_sub(1) as f64 / self.backlog_secs
    }
}

/// 2. Reads a follow of `fast` until the line BACKLOG - 1 after the first one has come, then counts for LIVE.
/// `started` is when the connect (or kubectl) began; a stream that ends (or stalls for 30 s) before the backlog and
/// the live stretch are through is a failed run: `Err(why)`.
async fn throughput(
    mut lines: impl Stream<Item = String> + Unpin,
    started: Instant,
) -> Result<Throughput, String> {
    let mut r = Throughput::default();
    let (mut first, mut first_at, mut last, mut caught_up, mut received) =
        (None, None::<Instant>, None, None::<Instant>, 0u64);
    loop {
        let l = match tokio::time::timeout(Duration::from_secs(30), lines.next()).await {
            Ok(Some(l)) => l,
            Ok(None) => {
                return Err(format!(
                    "ended after {received} lines ({})",
                    if caught_up.is_some() {
                        "live"
                    } else {
                        "backlog"
                    }
                ));
            }
            Err(_) => return Err(format!("no line for 30 s after {received} lines")),
        };
        if let Some(n) = dropped_notice(&l) {
            r.dropped += n;
            continue;
        }
        let Some(no) = line_no(&l) else { continue };
        if let Some(prev) = last {
            r.missing += no.saturating_sub(prev + 1);
        }
        last = Some(no);
        received += 1;
        let first = *first.get_or_insert(no);
        let first_at = *first_at.get_or_insert_with(|| {
            r.first_line_ms = ms(started.elapsed());
            Instant::now()
        });
        match caught_up {
            None if no + 1 >= first + BACKLOG => {
                r.backlog_secs = first_at.elapsed().as_secs_f64();
                r.backlog_lines = received;
                received = 0;
                caught_up = Some(Instant::now());
            }
            Some(at) if at.elapsed() >= LIVE => break,
            _ => {}
        }
    }
    r.live_rate = received as f64 / LIVE.as_secs_f64();
    Ok(r)
}

/// Counters shared by the concurrent streams' readers.
#[derive(Default)]
struct Counters {
    lines: AtomicU64,
    pings: AtomicU64,
    dropped: AtomicU64,
    /// Streams that ended before we closed them.
    ended: AtomicU64,
}

/// Reads one stream until told to stop, then closes it politely.
async fn read_until_stopped(ws: Ws, c: Arc<Counters>, mut stop: watch::Receiver<bool>) {
    let (mut tx, mut rx) = ws.split();
    loop {
        tokio::select! {
            m = rx.next() => match m {
                Some(Ok(Message::Text(t))) => match dropped_notice(&t) {
                    Some(n) => { c.dropped.fetch_add(n, Ordering::Relaxed); }
                    None => { c.lines.fetch_add(1, Ordering::Relaxed); }
                },
                Some(Ok(Message::Ping(_))) => { c.pings.fetch_add(1, Ordering::Relaxed); }
                Some(Ok(_)) => {}
                _ => { c.ended.fetch_add(1, Ordering::Relaxed); return; }
            },
            _ = stop.changed() => {
                let _ = tx.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

/// Samples the server's RSS every 5 s for `hold`; (seconds since start, KiB).
async fn sample_rss(pid: u32, hold: Duration) -> Vec<(u64, u64)> {
    let started = Instant::now();
    let mut samples = vec![(0, rss_kib(pid))];
    while started.elapsed() < hold {
        tokio::time::sleep(Duration::from_secs(5)).await;
        samples.push((started.elapsed().as_secs(), rss_kib(pid)));
    }
    samples
}

/// The server's RSS once it is quiet: a fresh server's import and first sync allocate and free for a while, and the
/// allocator returns memory lazily, so one reading can be ~10 MiB off. Waits 10 s, then the median of 10 readings 1 s
/// apart (KiB).
async fn settled_rss(pid: u32) -> f64 {
    tokio::time::sleep(Duration::from_secs(10)).await;
    let mut v = Vec::new();
    for _ in 0..10 {
        v.push(rss_kib(pid) as f64);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    median(&v)
}

fn show(samples: &[(u64, u64)]) -> String {
    samples
        .iter()
        .map(|(t, kib)| format!("{t}s:{:.1}", *kib as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Opens streams `range` (each on one of the FLOW_PODS pods) and starts a reader for each: (readers, seconds taken);
/// the connects that failed are added to `failed`.
async fn open_readers(
    t: &Target,
    range: std::ops::Range<usize>,
    c: &Arc<Counters>,
    stop: &watch::Receiver<bool>,
    failed: &mut Failures,
) -> (Vec<tokio::task::JoinHandle<()>>, f64) {
    let started = Instant::now();
    let opened: Vec<Result<Ws, String>> = futures::stream::iter(range)
        .map(|i| async move {
            t.connect(&format!("flow-{}", i % FLOW_PODS), "tailLines=10", None)
                .await
        })
        .buffer_unordered(10)
        .collect()
        .await;
    let readers = opened
        .into_iter()
        .filter_map(|ws| ws.map_err(|why| fail(failed, why)).ok())
        .map(|ws| tokio::spawn(read_until_stopped(ws, c.clone(), stop.clone())))
        .collect();
    (readers, started.elapsed().as_secs_f64())
}

async fn close_readers(stop: watch::Sender<bool>, readers: Vec<tokio::task::JoinHandle<()>>) {
    let _ = stop.send(true);
    for r in readers {
        let _ = r.await;
    }
}

fn mib(kib: f64) -> f64 {
    kib / 1024.0
}

/// 3. Concurrent reading streams, opened in steps; RSS over each hold, after closing, and when as many open again.
async fn concurrent(t: &Target, pid: u32, steps: &[usize], hold: Duration) {
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut readers = Vec::new();
    let before = settled_rss(pid).await;
    println!(
        "concurrent streams (each follows one of {FLOW_PODS} pods writing {FLOW_RATE} lines/s): RSS before {:.1} MiB",
        mib(before)
    );
    let (mut open, mut prev_at, mut failed) = (0, before, Failures::new());
    for &target in steps {
        let was_open = readers.len();
        let (more, took) = open_readers(t, open..target, &counters, &stop_rx, &mut failed).await;
        readers.extend(more);
        // Per-stream figures divide by the streams that did open (failed connects are reported instead).
        let (streams, added) = (readers.len(), readers.len() - was_open);
        let lines_before = counters.lines.load(Ordering::Relaxed);
        let samples = sample_rss(pid, hold).await;
        let lines = counters.lines.load(Ordering::Relaxed) - lines_before;
        // Settled: the samples after the first 10 s.
        let settled: Vec<f64> = samples
            .iter()
            .filter(|(s, _)| *s >= 10)
            .map(|(_, k)| *k as f64)
            .collect();
        let at = median(&settled);
        let (lo, hi) = settled
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), k| (lo.min(*k), hi.max(*k)));
        println!(
            "  {streams} streams open of {target} asked for (opened in {took:.1} s; failed connects so far: {}): RSS median {:.1} MiB, {:.0} bytes per stream over before, \
             {:.0} bytes per stream for the {added} just added; range over the hold {:.1}..{:.1} MiB; {:.0} lines/s delivered in all (expected {}), \
             {} lines dropped, {} streams ended early",
            show_failures(&failed),
            mib(at),
            (at - before) * 1024.0 / streams as f64,
            (at - prev_at) * 1024.0 / added as f64,
            mib(lo),
            mib(hi),
            lines as f64 / hold.as_secs_f64(),
            streams as u64 * FLOW_RATE,
            counters.dropped.load(Ordering::Relaxed),
            counters.ended.load(Ordering::Relaxed),
        );
        println!("    RSS samples (MiB): {}", show(&samples));
        (open, prev_at) = (target, at);
    }
    close_readers(stop_tx, readers).await;
    let after = settled_rss(pid).await;
    println!(
        "  after closing them all (settled): RSS {:.1} MiB ({:+.1} MiB over before); server pings seen {}",
        mib(after),
        mib(after - before),
        counters.pings.load(Ordering::Relaxed)
    );
    // Kept by the allocator or leaked? As many streams again must fit in what the first round freed.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut failed_again = Failures::new();
    let (again, _) = open_readers(t, 0..open, &counters, &stop_rx, &mut failed_again).await;
    let streams = again.len();
    let samples = sample_rss(pid, Duration::from_secs(20)).await;
    close_readers(stop_tx, again).await;
    let peak = samples.iter().map(|(_, k)| *k).max().unwrap_or_default() as f64;
    println!(
        "  {streams} streams again for 20 s (failed connects: {}): RSS peak {:.1} MiB ({:+.1} MiB over the first round's after-close)",
        show_failures(&failed_again),
        mib(peak),
        mib(peak - after)
    );
}

/// 4. Clients that stop reading a 1,000 lines/s pod: the server may hold BUFFERED_LINES per stream, no more.
async fn stalled(t: &Target, pid: u32, n: usize, hold: Duration) {
    if n == 0 {
        return;
    }
    let before = settled_rss(pid).await as u64;
    let opened: Vec<Result<Ws, String>> = futures::stream::iter(0..n)
        .map(|_| t.connect("fast", "tailLines=0", Some(16 * 1024)))
        .buffer_unordered(10)
        .collect()
        .await;
    let mut failed = Failures::new();
    let streams: Vec<Ws> = opened
        .into_iter()
        .filter_map(|ws| ws.map_err(|why| fail(&mut failed, why)).ok())
        .collect();
    let asked = n;
    // Per-stream figures divide by the streams that did open.
    let n = streams.len().max(1);
    let samples = sample_rss(pid, hold).await;
    // Reading again: each stream first yields what sat in buffers, then kubedeck's notice of what it dropped.
    let dropped: Vec<u64> = futures::stream::iter(streams)
        .map(|ws| async move {
            let mut lines = text_lines(ws);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            while let Ok(Some(l)) = tokio::time::timeout_at(deadline, lines.next()).await {
                if let Some(n) = dropped_notice(&l) {
                    return n;
                }
            }
            0
        })
        .buffer_unordered(n)
        .collect()
        .await;
    let peak = samples.iter().map(|(_, k)| *k).max().unwrap_or(before);
    // Bounded means flat once full: the range of the second half of the hold.
    let late: Vec<u64> = samples
        .iter()
        .filter(|(s, _)| *s >= hold.as_secs() / 2)
        .map(|(_, k)| *k)
        .collect();
    let (lo, hi) = (
        late.iter().copied().min().unwrap_or(before),
        late.iter().copied().max().unwrap_or(before),
    );
    // The line buffer's share: BUFFERED_LINES lines of this pod (text plus a String and an allocation header).
    let (mut child, mut lines) = t.kubectl_follow("fast", &["--tail=1"]);
    let line_len = lines
        .next_line()
        .await
        .ok()
        .flatten()
        .map_or(0, |l| l.len());
    let _ = child.kill().await;
    let buffer_kib = (BUFFERED_LINES * (line_len + 24 + 16)) as f64 / 1024.0;
    println!(
        "stalled clients: {n} streams (of {asked} asked for; failed connects: {}) of a 1000 lines/s pod not read for {} s (client SO_RCVBUF 16 KiB): RSS {:.1} -> peak {:.1} MiB \
         ({:.0} KiB per stream), second half of the hold {:.1}..{:.1} MiB; of that, the line buffer holds at most {BUFFERED_LINES} x {line_len} B ≈ \
         {buffer_kib:.0} KiB per stream; kubedeck dropped {} lines in all ({} of {n} streams said so)",
        show_failures(&failed),
        hold.as_secs(),
        mib(before as f64),
        mib(peak as f64),
        (peak as f64 - before as f64) / n as f64,
        mib(lo as f64),
        mib(hi as f64),
        dropped.iter().sum::<u64>(),
        dropped.iter().filter(|d| **d > 0).count(),
    );
    println!("    RSS samples (MiB): {}", show(&samples));
}

/// 5. A stream on the silent pod for `idle`, then a crash: (pings, seconds open, ms from crash to the FATAL line).
async fn idle_survival(t: Target, tb: Testbed, idle: Duration) -> Result<(u64, f64, f64), String> {
    let mut ws = t
        .connect("quiet", "", None)
        .await
        .map_err(|why| format!("the idle stream's connect: {why}"))?;
    let opened = Instant::now();
    let mut pings = 0;
    while let Some(left) = idle.checked_sub(opened.elapsed()) {
        match tokio::time::timeout(left, ws.next()).await {
            Err(_) => break,
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(other) => {
                return Err(format!(
                    "the idle stream got {other:?} after {:?}",
                    opened.elapsed()
                ));
            }
        }
    }
    let open_for = opened.elapsed().as_secs_f64();
    let crashed = Instant::now();
    let ns = t.ns.clone();
    let (status, body) = tokio::task::spawn_blocking(move || {
        tb.sim("POST", &format!("/pods/{ns}/quiet/crash"), None)
    })
    .await
    .expect("sim call");
    if status != 202 {
        return Err(format!("crash: {status} {body}"));
    }
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Text(l)))) if l.contains("FATAL") => {
                return Ok((pings, open_for, ms(crashed.elapsed())));
            }
            Ok(Some(Ok(Message::Ping(_)))) => {}
            other => return Err(format!("no FATAL line after the idle stretch: {other:?}")),
        }
    }
}

/// Waits until `fast` has written BACKLOG lines (plus a second's worth), so the throughput runs read a full backlog.
async fn wait_for_backlog(t: &Target) {
    loop {
        let (mut child, mut lines) = t.kubectl_follow("fast", &["--tail=1"]);
        let last = lines
            .next_line()
            .await
            .ok()
            .flatten()
            .as_deref()
            .and_then(line_no)
            .unwrap_or(0);
        let _ = child.kill().await;
        if last > BACKLOG + 1000 {
            return;
        }
        tokio::time::sleep(Duration::from_millis((BACKLOG + 1000 - last) + 500)).await;
    }
}

async fn latency(t: &Target, connects: usize) {
    let f = time_to_first_line(t, connects).await;
    let (w, k, start) = (
        median(&f.ws_ms),
        median(&f.kubectl_ms),
        median(&f.kubectl_startup_ms),
    );
    let range = |v: &[f64]| {
        if v.is_empty() {
            return "no sample".to_string();
        }
        format!(
            "{:.1}..{:.1}",
            v.iter().copied().fold(f64::MAX, f64::min),
            v.iter().copied().fold(0.0, f64::max)
        )
    };
    println!(
        "time to first line ({connects} connects each, tailLines=1): kubedeck median {w:.1} ms ({}; {} of {connects} timed, failed: {}); \
         kubectl logs -f median {k:.1} ms ({}; {} of {connects} timed, failed: {}); kubectl/kubedeck {:.2}x. \
         For scale, kubectl's own start-up (`kubectl version --client`, no request, in the same iterations): median {start:.1} ms ({})",
        range(&f.ws_ms),
        f.ws_ms.len(),
        show_failures(&f.ws_failed),
        range(&f.kubectl_ms),
        f.kubectl_ms.len(),
        show_failures(&f.kubectl_failed),
        k / w,
        range(&f.kubectl_startup_ms),
    );

    wait_for_backlog(t).await;
    let (mut ws_runs, mut kubectl_runs) = (Vec::new(), Vec::new());
    let (mut ws_failed, mut kubectl_failed) = (Failures::new(), Failures::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        match t
            .connect("fast", &format!("tailLines={BACKLOG}"), None)
            .await
        {
            Ok(ws) => match throughput(text_lines(ws), started).await {
                Ok(r) => ws_runs.push(r),
                Err(why) => fail(&mut ws_failed, why),
            },
            Err(why) => fail(&mut ws_failed, why),
        }
        let started = Instant::now();
        let (mut child, lines) = t.kubectl_follow("fast", &[&format!("--tail={BACKLOG}")]);
        match throughput(kubectl_lines(lines), started).await {
            Ok(r) => kubectl_runs.push(r),
            Err(why) => {
                let ended = kubectl_ended(&mut child).await;
                fail(&mut kubectl_failed, format!("{why}, {ended}"))
            }
        }
        let _ = child.kill().await;
    }
    let med = |runs: &[Throughput], f: fn(&Throughput) -> f64| {
        median(&runs.iter().map(f).collect::<Vec<_>>())
    };
    let (wb, kb) = (
        med(&ws_runs, Throughput::backlog_rate),
        med(&kubectl_runs, Throughput::backlog_rate),
    );
    let (wf, kf) = (
        med(&ws_runs, |r| r.first_line_ms),
        med(&kubectl_runs, |r| r.first_line_ms),
    );
    let (wl, kl) = (
        med(&ws_runs, |r| r.live_rate),
        med(&kubectl_runs, |r| r.live_rate),
    );
    let lost = |runs: &[Throughput]| {
        runs.iter()
            .map(|r| r.missing.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "one stream of a pod writing 1000 lines/s ({RUNS} runs each, interleaved; medians of the completed runs): \
         {BACKLOG}-line backlog, timed from its first line to its last: kubedeck {wb:.0} lines/s, kubectl {kb:.0} lines/s (kubedeck/kubectl {:.2}x); \
         connect/start → first line: kubedeck {wf:.1} ms, kubectl {kf:.1} ms; lines lost per run: kubedeck {}, kubectl {}; \
         live: kubedeck {wl:.0} lines/s, kubectl {kl:.0} lines/s; completed runs: kubedeck {} of {RUNS} (failed: {}), kubectl {} of {RUNS} (failed: {})",
        wb / kb,
        lost(&ws_runs),
        lost(&kubectl_runs),
        ws_runs.len(),
        show_failures(&ws_failed),
        kubectl_runs.len(),
        show_failures(&kubectl_failed),
    );
    println!("  kubedeck runs: {ws_runs:?}");
    println!("  kubectl runs: {kubectl_runs:?}");
}

#[tokio::main]
async fn main() {
    let a = args();
    let tb = Testbed::open(a.testbed.clone()).expect("--testbed names a running testbed");
    create_pods(&tb, &a.namespace);
    let t = Target {
        base: a.base.clone(),
        token: a.token.clone(),
        cluster: a.cluster,
        ns: a.namespace.clone(),
        kubeconfig: tb.admin_kubeconfig_path(),
    };
    match a.phase.as_str() {
        "latency" => latency(&t, a.connects).await,
        "stalled" => stalled(&t, a.server_pid, a.stalled, a.hold).await,
        "concurrent" => {
            let idle = tokio::spawn(idle_survival(t.clone(), tb.clone(), a.idle));
            concurrent(&t, a.server_pid, &a.streams, a.hold).await;
            match idle.await.expect("the idle task") {
                Ok((pings, open_for, fatal_ms)) => println!(
                    "idle survival: open {open_for:.0} s on a silent pod with {pings} server pings, then the FATAL line of a crash arrived {fatal_ms:.0} ms after the crash call"
                ),
                Err(e) => {
                    println!("idle survival: FAILED: {e}");
                    std::process::exit(1);
                }
            }
        }
        other => panic!("--phase {other}: latency, stalled or concurrent"),
    }
}

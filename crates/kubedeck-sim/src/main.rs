//! `kubedeck-sim`: plays the kubelets of a fleet of simulated nodes against a real kube-apiserver.
//!
//! It registers Nodes and renews their Leases, runs the Pods the scheduler binds to them (status,
//! restarts, graceful deletion), serves each node's kubelet HTTPS endpoints (`/containerLogs`,
//! `/stats/summary`, `/exec` with a small built-in shell) and exposes a small control API for tests. See `testbed/README.md`.

mod control;
mod exec;
mod kubelet;
mod logs;
mod metrics_api;
mod node;
mod pod;
mod quantity;
mod shell;
mod sim;
mod stats;

use std::{net::TcpListener, path::PathBuf, time::Duration};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kubedeck-sim",
    about = "Simulated kubelets for the Kubedeck testbed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
// Parsed once at start-up: the size of the options does not matter.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Register the fleet and run it until interrupted.
    Run(Options),
    /// Print N free TCP ports on 127.0.0.1, one per line (used by testbed/up).
    FreePorts { count: usize },
}

/// How the fleet is shaped and paced.
#[derive(clap::Args, Clone, Debug)]
pub struct Options {
    /// Kubeconfig of a user allowed to manage nodes, leases and pods (testbed: system:masters).
    #[arg(long)]
    pub kubeconfig: PathBuf,
    /// Number of control-plane nodes (master-1 ...), tainted NoSchedule.
    #[arg(long, default_value_t = 3)]
    pub masters: usize,
    /// Number of worker nodes (worker-1 ...).
    #[arg(long, default_value_t = 5)]
    pub workers: usize,
    /// PEM certificate the kubelet endpoints serve (the apiserver does not verify it).
    #[arg(long)]
    pub kubelet_cert: PathBuf,
    /// PEM private key for --kubelet-cert.
    #[arg(long)]
    pub kubelet_key: PathBuf,
    /// Address of the control API.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub control_addr: String,
    /// Address of the resource metrics API (`metrics.k8s.io/v1beta1` over HTTPS with the kubelet certificate,
    /// for the apiserver's aggregation layer); not served when absent.
    #[arg(long)]
    pub metrics_addr: Option<String>,
    /// Write the control API's URL into this file once it listens.
    #[arg(long)]
    pub control_url_file: Option<PathBuf>,
    /// Seconds between node Lease renewals.
    #[arg(long, default_value_t = 10.0)]
    pub lease_seconds: f64,
    /// Seconds between node status reports when nothing changed.
    #[arg(long, default_value_t = 60.0)]
    pub status_seconds: f64,
    /// Seconds from a pod being bound to its containers running.
    #[arg(long, default_value_t = 1.0)]
    pub pod_start_seconds: f64,
    /// Longest time a deleted pod takes to stop (capped by its grace period).
    #[arg(long, default_value_t = 1.0)]
    pub termination_seconds: f64,
    /// First CrashLoopBackOff delay; doubles per restart up to 300 s (kubelet uses 10 s).
    #[arg(long, default_value_t = 10.0)]
    pub crash_backoff_seconds: f64,
    /// Log lines per second written by every container (changeable through the control API).
    #[arg(long, default_value_t = 1.0)]
    pub log_lines_per_second: f64,
    /// Most API requests in flight at once.
    #[arg(long, default_value_t = 64)]
    pub api_concurrency: usize,
}

impl Options {
    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s.max(0.0))
    }
    pub fn lease_interval(&self) -> Duration {
        Self::secs(self.lease_seconds)
    }
    pub fn status_interval(&self) -> Duration {
        Self::secs(self.status_seconds)
    }
    pub fn pod_start(&self) -> Duration {
        Self::secs(self.pod_start_seconds)
    }
    pub fn termination(&self) -> Duration {
        Self::secs(self.termination_seconds)
    }
    pub fn crash_backoff(&self) -> Duration {
        Self::secs(self.crash_backoff_seconds)
    }
}

fn free_ports(count: usize) -> anyhow::Result<()> {
    // Hold every listener until all are chosen so the ports differ.
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()?;
    for l in &listeners {
        println!("{}", l.local_addr()?.port());
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::FreePorts { count } => free_ports(count),
        Command::Run(opts) => {
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "kubedeck_sim=info,warn".into()),
                )
                .init();
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(sim::run(opts))
        }
    }
}

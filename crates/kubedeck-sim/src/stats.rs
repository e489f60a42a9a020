//! `/stats/summary`: plausible, time-varying usage figures consistent with the pods on a node.
//!
//! Each container's usage is a smooth wave around a fraction of its request, seeded by its pod UID
//! and name, so figures move over time but stay stable between nearby scrapes. Cumulative counters
//! (CPU core-seconds, network bytes) only ever grow.

use std::collections::HashMap;
use std::f64::consts::TAU;

use serde_json::{Value, json};

use crate::{
    logs::{Micros, format_secs},
    node::SimNode,
    pod::{ContainerState, PodRuntime},
};

const MI: f64 = 1024.0 * 1024.0;
const GI: f64 = 1024.0 * MI;

fn seed(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A deterministic number in [0, 1) from a seed and a salt.
fn unit(seed: u64, salt: u64) -> f64 {
    let mut x = seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A usage wave: `base * (1 + amp * sin(w t + phase))`, with its exact integral.
struct Wave {
    base: f64,
    amp: f64,
    w: f64,
    phase: f64,
}

impl Wave {
    fn new(seed: u64, base: f64, amp: f64) -> Self {
        let period = 120.0 + 480.0 * unit(seed, 7);
        Wave {
            base,
            amp,
            w: TAU / period,
            phase: TAU * unit(seed, 8),
        }
    }
    fn at(&self, t: f64) -> f64 {
        self.base * (1.0 + self.amp * (self.w * t + self.phase).sin())
    }
    /// Integral over [t0, t1]; never negative because amp <= 1.
    fn integral(&self, t0: f64, t1: f64) -> f64 {
        self.base
            * ((t1 - t0)
                + self.amp / self.w
                    * ((self.w * t0 + self.phase).cos() - (self.w * t1 + self.phase).cos()))
    }
}

/// Current figures for one running container.
pub struct ContainerUsage {
    pub name: String,
    started: Micros,
    pub nano_cores: f64,
    core_nano_seconds: f64,
    pub working_set: f64,
    memory_limit: Option<f64>,
    rootfs_used: f64,
    logs_used: f64,
}

pub fn container_usage(
    pod: &PodRuntime,
    c: &crate::pod::ContainerRuntime,
    now: Micros,
    log_rate: f64,
) -> Option<ContainerUsage> {
    let ContainerState::Running { inst } = &c.state else {
        return None;
    };
    let s = seed(&[&pod.uid, &c.name]);
    let t = now as f64 / 1e6;
    let t0 = inst.started as f64 / 1e6;
    let cpu = Wave::new(s, c.cpu_request * (0.15 + 0.55 * unit(s, 1)), 0.35);
    let mut nano_cores = pod.cpu_override.unwrap_or_else(|| cpu.at(t)) * 1e9;
    if let Some(limit) = c.cpu_limit {
        nano_cores = nano_cores.min(limit * 1e9);
    }
    let mem = Wave::new(
        s ^ 0xabc,
        c.memory_request * (0.35 + 0.4 * unit(s, 2)),
        0.08,
    );
    let mut working_set = mem.at(t);
    if let Some(limit) = c.memory_limit {
        working_set = working_set.min(limit * 0.95);
    }
    Some(ContainerUsage {
        name: c.name.clone(),
        started: inst.started,
        nano_cores,
        core_nano_seconds: cpu.integral(t0, t.max(t0)) * 1e9,
        working_set,
        memory_limit: c.memory_limit,
        rootfs_used: 4.0 * MI + 40.0 * MI * unit(s, 3),
        logs_used: (t - t0).max(0.0) * log_rate * 110.0,
    })
}

fn fs(time: &str, capacity: f64, used: f64, inodes: f64) -> Value {
    let inodes_used = (used / (64.0 * 1024.0)).min(inodes);
    json!({"time": time, "availableBytes": (capacity - used).max(0.0) as u64, "capacityBytes": capacity as u64,
           "usedBytes": used as u64, "inodesFree": (inodes - inodes_used) as u64, "inodes": inodes as u64,
           "inodesUsed": inodes_used as u64})
}

fn memory(time: &str, working_set: f64, available: Option<f64>) -> Value {
    let mut m = json!({"time": time, "usageBytes": (working_set * 1.15) as u64, "workingSetBytes": working_set as u64,
                       "rssBytes": (working_set * 0.8) as u64, "pageFaults": (working_set / 4096.0 * 3.0) as u64,
                       "majorPageFaults": (working_set / MI) as u64});
    if let Some(a) = available {
        m["availableBytes"] = json!(a.max(0.0) as u64);
    }
    m
}

fn network(time: &str, rx: f64, tx: f64) -> Value {
    let iface = json!({"name": "eth0", "rxBytes": rx as u64, "rxErrors": 0, "txBytes": tx as u64, "txErrors": 0});
    let mut n = iface.clone();
    n["time"] = json!(time);
    n["interfaces"] = json!([iface]);
    n
}

/// The capacity of each claim a pod may mount, by (namespace, claim): the claim's bound capacity.
pub type ClaimCapacities = HashMap<(String, String), f64>;

/// The kubelet's stats of the claims a pod mounts (`pods[].volume[]` with `pvcRef`), for the claims whose
/// capacity is known: a used share between 10% and 70% of the capacity (by the claim's name) that breathes
/// slowly, and inodes as ext4 gives them (one per 16 KiB).
fn claim_volumes(pod: &PodRuntime, claims: &ClaimCapacities, time: &str, t: f64) -> Vec<Value> {
    pod.claims
        .iter()
        .filter_map(|(volume, claim)| {
            let capacity = *claims.get(&(pod.namespace.clone(), claim.clone()))?;
            let s = seed(&[&pod.namespace, claim]);
            let used = Wave::new(s, capacity * (0.1 + 0.6 * unit(s, 11)), 0.05).at(t);
            let mut v = fs(time, capacity, used.min(capacity), (capacity / 16_384.0).max(1.0));
            v["name"] = json!(volume);
            v["pvcRef"] = json!({"name": claim, "namespace": pod.namespace});
            Some(v)
        })
        .collect()
}

/// Network rates set for a pod through the control API, from `since` (seconds since the epoch) on, when its
/// counters stood at `rx_base` / `tx_base`: the counters keep growing from there, never going down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkOverride {
    pub since: f64,
    pub rx_base: f64,
    pub tx_base: f64,
    pub rx_rate: f64,
    pub tx_rate: f64,
}

/// A pod's simulated rates (bytes/s received, sent) at `t`: a steady rate seeded by its UID, or the control
/// API's.
pub fn pod_rates(pod: &PodRuntime, t: f64) -> (f64, f64) {
    match &pod.network_override {
        Some(o) if t >= o.since => (o.rx_rate, o.tx_rate),
        _ => {
            let rx = 2_000.0 + 200_000.0 * unit(seed(&[&pod.uid]), 4);
            (rx, rx * 0.6)
        }
    }
}

/// A pod's cumulative network counters (bytes received, sent) at `t` (seconds since the epoch).
pub fn pod_network(pod: &PodRuntime, t: f64) -> (f64, f64) {
    match &pod.network_override {
        Some(o) => {
            let dt = (t - o.since).max(0.0);
            (o.rx_base + o.rx_rate * dt, o.tx_base + o.tx_rate * dt)
        }
        None => {
            let (rx, tx) = pod_rates(pod, t);
            let up = (t - pod.start_time as f64 / 1e6).max(0.0);
            (rx * up, tx * up)
        }
    }
}

/// Node-level counters that must never go down although pods come and go.
#[derive(Debug, Default)]
pub struct NodeCounters {
    last: Option<Micros>,
    cpu_core_nano_seconds: f64,
    rx_bytes: f64,
    tx_bytes: f64,
}

/// Builds the kubelet Summary API response for `node` with the given pods.
pub fn summary(
    node: &SimNode,
    pods: &[&PodRuntime],
    counters: &mut NodeCounters,
    now: Micros,
    log_rate: f64,
    claims: &ClaimCapacities,
) -> Value {
    let time = format_secs(now);
    let t = now as f64 / 1e6;
    let mut node_cpu = 0.0;
    let mut node_ws = 0.0;
    let mut node_fs_used = 12.0 * GI;
    let mut node_net_rate = 0.0;
    let mut pod_stats = Vec::new();
    for pod in pods {
        let usages: Vec<ContainerUsage> = pod
            .containers
            .iter()
            .filter_map(|c| container_usage(pod, c, now, log_rate))
            .collect();
        if usages.is_empty() {
            continue;
        }
        // Counted at the whole second the summary's `time` says, so a rate between two readings is exact.
        let (rx, tx) = pod_network(pod, (now / 1_000_000) as f64);
        node_net_rate += pod_rates(pod, t).0;
        let cpu: f64 = usages.iter().map(|u| u.nano_cores).sum();
        let cpu_cum: f64 = usages.iter().map(|u| u.core_nano_seconds).sum();
        let ws: f64 = usages.iter().map(|u| u.working_set).sum();
        let disk: f64 = usages.iter().map(|u| u.rootfs_used + u.logs_used).sum();
        node_cpu += cpu;
        node_ws += ws;
        node_fs_used += disk;
        let containers: Vec<Value> = usages
            .iter()
            .map(|u| {
                json!({
                    "name": u.name,
                    "startTime": format_secs(u.started),
                    "cpu": {"time": time, "usageNanoCores": u.nano_cores as u64, "usageCoreNanoSeconds": u.core_nano_seconds as u64},
                    "memory": memory(&time, u.working_set, u.memory_limit.map(|l| l - u.working_set)),
                    "rootfs": fs(&time, node.capacity.ephemeral_storage_bytes as f64, u.rootfs_used, 6_553_600.0),
                    "logs": fs(&time, node.capacity.ephemeral_storage_bytes as f64, u.logs_used, 6_553_600.0),
                })
            })
            .collect();
        pod_stats.push(json!({
            "podRef": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
            "startTime": format_secs(pod.start_time),
            "containers": containers,
            "cpu": {"time": time, "usageNanoCores": cpu as u64, "usageCoreNanoSeconds": cpu_cum as u64},
            "memory": memory(&time, ws, None),
            "network": network(&time, rx, tx),
            "volume": claim_volumes(pod, claims, &time, t),
            "ephemeral-storage": {"time": time, "availableBytes": 0, "capacityBytes": node.capacity.ephemeral_storage_bytes,
                                  "usedBytes": disk as u64, "inodesUsed": (disk / 65536.0) as u64},
            "process_stats": {"process_count": usages.len() * 3},
        }));
    }

    // The system's own share: kubelet, container runtime, OS.
    let ns = seed(&[&node.name]);
    let system_cpu = Wave::new(
        ns,
        0.12 + 0.05 * node.capacity.cpu_cores as f64 * unit(ns, 5),
        0.4,
    )
    .at(t)
        * 1e9;
    node_cpu += system_cpu;
    node_ws += 900.0 * MI + 300.0 * MI * unit(ns, 6);
    node_net_rate += 5_000.0;

    // Integrate node counters between scrapes so they only grow.
    let elapsed = counters
        .last
        .map_or(0.0, |l| ((now - l) as f64 / 1e6).max(0.0));
    if counters.last.is_none() {
        let uptime = ((now - node.boot_micros) as f64 / 1e6).max(1.0);
        counters.cpu_core_nano_seconds = node_cpu * uptime;
        counters.rx_bytes = node_net_rate * uptime;
        counters.tx_bytes = node_net_rate * 0.6 * uptime;
    }
    counters.cpu_core_nano_seconds += node_cpu * elapsed;
    counters.rx_bytes += node_net_rate * elapsed;
    counters.tx_bytes += node_net_rate * 0.6 * elapsed;
    counters.last = Some(now);

    let capacity_mem = node.capacity.memory_bytes as f64;
    let boot = format_secs(node.boot_micros);
    let sys = |name: &str, share: f64| {
        json!({"name": name, "startTime": boot,
               "cpu": {"time": time, "usageNanoCores": (system_cpu * share) as u64, "usageCoreNanoSeconds": (counters.cpu_core_nano_seconds * share * 0.1) as u64},
               "memory": memory(&time, 200.0 * MI * share * 4.0, None)})
    };
    json!({
        "node": {
            "nodeName": node.name,
            "systemContainers": [sys("kubelet", 0.4), sys("runtime", 0.35), sys("pods", 0.25)],
            "startTime": boot,
            "cpu": {"time": time, "usageNanoCores": node_cpu as u64, "usageCoreNanoSeconds": counters.cpu_core_nano_seconds as u64},
            "memory": memory(&time, node_ws, Some(capacity_mem - node_ws)),
            "network": network(&time, counters.rx_bytes, counters.tx_bytes),
            "fs": fs(&time, node.capacity.ephemeral_storage_bytes as f64, node_fs_used, 13_107_200.0),
            "runtime": {"imageFs": fs(&time, node.capacity.ephemeral_storage_bytes as f64, node_fs_used * 0.6, 13_107_200.0)},
            "rlimit": {"time": time, "maxpid": 4_194_304, "curproc": 180 + pod_stats.len() * 4},
        },
        "pods": pod_stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_integral_is_monotonic_and_matches_mean() {
        let w = Wave::new(42, 0.2, 0.35);
        let mut prev = 0.0;
        for i in 1..2000 {
            let v = w.integral(0.0, i as f64);
            assert!(v >= prev, "integral went down at {i}");
            prev = v;
        }
        let mean = w.integral(0.0, 100_000.0) / 100_000.0;
        assert!((mean - 0.2).abs() < 0.01, "mean {mean}");
    }
}

//! The alert engine (issue 16): every `eval_interval` the holder of a cluster's lease evaluates the cluster's rules
//! ([`rules`]) over what it watches and collects ([`facts`]), moves its alerts through pending → firing →
//! resolved ([`lifecycle`]) with writes fenced by the lease (a replica that lost the lease cannot write), and
//! queues the notices that are due ([`dispatch`]) through [`crate::notify::enqueue`]. All state is in the database
//! (`alert`), read at each pass, so a restart or another replica taking over carries on without firing twice.
//!
//! Started by [`crate::sync::run`], which grants the cluster leases; it imports no route module.

pub mod dispatch;
pub mod facts;
pub mod lifecycle;
pub mod rules;

use crate::state::AppState;
use chrono::{DateTime, Utc};
use kubedeck_kube::intern::Sym;
use kubedeck_kube::pods::PodLite;
use kubedeck_store::alerts::state as alert_state;
use kubedeck_store::leases::{Fence, is_lease_lost};
use rules::{CrashSeen, Facts, PodFacts, Rule};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The engine's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertSettings {
    /// Time between evaluations of a cluster (`--alert-eval-interval-secs`, default 30 s).
    pub eval_interval: Duration,
    /// Default notification timing (a rule may override it).
    pub timing: dispatch::Timing,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            eval_interval: Duration::from_secs(30),
            timing: dispatch::Timing::default(),
        }
    }
}

/// The fence each held cluster's alert writes carry, by (replica, cluster), as the sync loop was last granted it.
static FENCES: LazyLock<Mutex<HashMap<(String, i64), Fence>>> = LazyLock::new(Default::default);

/// Records the lease this replica holds for a cluster (the sync loop, on each grant): it evaluates the cluster's
/// rules under it from now on.
pub fn held(cluster_id: i64, fence: &Fence) {
    FENCES
        .lock()
        .expect("alert fences")
        .insert((fence.holder.clone(), cluster_id), fence.clone());
}

fn forget(replica: &str, cluster_id: i64) {
    FENCES
        .lock()
        .expect("alert fences")
        .remove(&(replica.to_owned(), cluster_id));
}

/// What the loop remembers of a cluster between passes (none of it needed for correctness after a restart:
/// crash-loop sightings are seeded from the open alerts).
#[derive(Default)]
struct Memory {
    crash_seen: CrashSeen,
    seeded: bool,
    cert: Option<(String, Option<DateTime<Utc>>)>,
}

/// The timing of a rule's notices: its own settings over the server's.
fn timing_of(rule: Option<&Rule>, default: dispatch::Timing) -> dispatch::Timing {
    let secs =
        |v: Option<i64>, d: Duration| v.map(|s| Duration::from_secs(s.max(0) as u64)).unwrap_or(d);
    match rule {
        None => default,
        Some(r) => dispatch::Timing {
            group_wait: secs(r.group_wait_secs, default.group_wait),
            group_interval: secs(r.group_interval_secs, default.group_interval),
            repeat_interval: secs(r.repeat_interval_secs, default.repeat_interval),
        },
    }
}

/// Updates the crash-loop sightings from the pods (dropping pods that are gone) and returns the pods' facts.
fn read_pods<'a>(
    pods: &'a HashMap<(Sym, Sym), Arc<PodLite>>,
    seen: &mut CrashSeen,
    now: DateTime<Utc>,
) -> Vec<PodFacts<'a>> {
    let facts: Vec<PodFacts<'a>> = pods
        .values()
        .map(|p| {
            if rules::in_crash_loop_backoff(&p.status) {
                seen.entry(p.namespace.to_string())
                    .or_default()
                    .insert(p.name.to_string(), now);
            }
            PodFacts {
                namespace: &p.namespace,
                name: &p.name,
                phase: &p.phase,
                status: &p.status,
                owner_kind: p.owner_kind.as_deref(),
                restarts: p.restarts,
            }
        })
        .collect();
    // forget pods that are gone or were last seen crashing beyond the lookback
    for (ns, names) in seen.iter_mut() {
        names.retain(|name, t| {
            (now - *t).num_seconds() <= rules::CRASH_LOOKBACK_SECS
                && pods.contains_key(&(Sym::from(ns.as_str()), Sym::from(name.as_str())))
        });
    }
    seen.retain(|_, names| !names.is_empty());
    facts
}

/// Evaluates every rule with the pods of a pod store (called under its read lock): crash-loop sightings are
/// updated, then the rules run. The loop's own path; public for the evaluation benchmark
/// (`examples/alert_eval_bench.rs`).
pub fn evaluate_with_pods(
    pods: &HashMap<(Sym, Sym), Arc<PodLite>>,
    rules_now: &[Rule],
    base: Facts<'static>,
    seen: &mut CrashSeen,
    now: DateTime<Utc>,
) -> rules::Evaluation {
    let pod_facts = read_pods(pods, seen, now);
    let facts = Facts {
        pods: Some(pod_facts),
        crash_seen: Some(&*seen),
        ..base
    };
    rules::evaluate(rules_now, &facts, now)
}

/// One evaluation of one cluster: rules, lifecycle, notices. Errors are the database's (a lost lease included).
async fn evaluate_cluster(
    state: &AppState,
    cluster_id: i64,
    fence: Fence,
    mem: &mut Memory,
) -> Result<(), sea_orm::DbErr> {
    let started = std::time::Instant::now();
    let now = Utc::now();
    let store = &state.store;
    let Some(cluster) = store.find_cluster(cluster_id).await? else {
        return Ok(());
    };
    let rules_now = rules::effective_rules(&store.rule_settings(cluster_id).await?);
    let silences: Vec<_> = store
        .silences(cluster_id, Some(now))
        .await?
        .iter()
        .map(lifecycle::silence_matchers)
        .collect();
    let tracked = store.tracked_alerts(cluster_id).await?;
    if !mem.seeded {
        // a crash-looping pod between two crashes still counts after a restart of Kubedeck (or on a new lease
        // holder): for its open alert, and for one resolved by hand, which must not see its condition "clear"
        for a in tracked.iter().filter(|a| {
            a.rule == "KubePodCrashLooping"
                && (a.state != alert_state::RESOLVED || a.held_until_clear)
        }) {
            let l: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&a.labels).unwrap_or_default();
            if let (Some(ns), Some(pod)) = (l.get("namespace"), l.get("pod")) {
                mem.crash_seen
                    .entry(ns.clone())
                    .or_default()
                    .entry(pod.clone())
                    .or_insert(a.last_evaluated_at);
            }
        }
        mem.seeded = true;
    }
    let cluster_facts = facts::cluster(state, &cluster, &mut mem.cert);
    let reachable = !cluster_facts.unreachable && !cluster_facts.credential_rejected;
    let handle = state.hub.get(cluster_id).filter(|_| reachable);
    // what the watched stores say only counts while the cluster answers: otherwise those alerts stay as they are
    let base: Facts<'static> = Facts {
        cluster: cluster_facts,
        nodes: handle.as_ref().and_then(|h| facts::nodes(h)),
        replicas: handle.as_ref().and_then(|h| facts::replicas(h)),
        failed_jobs: handle.as_ref().and_then(|h| facts::failed_jobs(h)),
        hpas: handle.as_ref().and_then(|h| facts::hpas(h)),
        quotas: handle.as_ref().and_then(|h| facts::quotas(h)),
        volumes: facts::volumes(state, cluster_id, now).await,
        node_usage: facts::node_usage(state, cluster_id, now).await,
        certificates: facts::certificates(state, &cluster),
        pods: None,
        crash_seen: None,
    };
    let evaluation = match handle.as_ref().filter(|h| h.pods.synced()) {
        Some(h) => h
            .pods
            .read(|pods| evaluate_with_pods(pods, &rules_now, base, &mut mem.crash_seen, now)),
        None => rules::evaluate(&rules_now, &base, now),
    };
    let changes = lifecycle::step(
        cluster_id,
        &cluster.name,
        &tracked,
        &evaluation.findings,
        &rules_now,
        &evaluation.skipped,
        &silences,
        now,
    );
    let fenced = store.fenced(fence);
    fenced.apply_alert_changes(cluster_id, changes, now).await?;
    metrics::histogram!("kubedeck_alert_evaluation_seconds")
        .record(started.elapsed().as_secs_f64());

    let tracked = store.tracked_alerts(cluster_id).await?;
    let by_name: HashMap<&str, &Rule> = rules_now.iter().map(|r| (r.name.as_str(), r)).collect();
    let default = state.settings.alerting.timing;
    let timing = |rule: &str| timing_of(by_name.get(rule).copied(), default);
    let group_by = |rule: &str| {
        by_name
            .get(rule)
            .map(|r| r.group_by.clone())
            .unwrap_or_default()
    };
    for send in dispatch::due(cluster_id, &cluster.name, &tracked, &timing, &group_by, now) {
        match crate::notify::enqueue(&fenced, &send.notice).await {
            Ok(queued) => {
                metrics::counter!("kubedeck_alert_notices_total").increment(1);
                tracing::info!(cluster_id, group = %send.notice.group_key, alerts = send.notice.alerts.len(), queued, "alert notice queued");
                fenced
                    .mark_alerts_notified(&send.firing, &send.resolved, now)
                    .await?;
            }
            Err(e) => {
                if let Some(db @ sea_orm::DbErr::Custom(m)) = e.downcast_ref::<sea_orm::DbErr>()
                    && is_lease_lost(db)
                {
                    return Err(sea_orm::DbErr::Custom(m.clone()));
                }
                tracing::warn!(cluster_id, group = %send.notice.group_key, "could not queue an alert notice: {e:#}");
            }
        }
    }
    Ok(())
}

/// One pass: every cluster this replica holds the lease of.
async fn evaluate_all(state: &AppState, memory: &mut HashMap<i64, Memory>) {
    let fences: Vec<(i64, Fence)> = FENCES
        .lock()
        .expect("alert fences")
        .iter()
        .filter(|((r, _), _)| *r == state.replica_id)
        .map(|((_, id), f)| (*id, f.clone()))
        .collect();
    memory.retain(|id, _| fences.iter().any(|(f, _)| f == id));
    for (id, fence) in fences {
        let mem = memory.entry(id).or_default();
        match evaluate_cluster(state, id, fence, mem).await {
            Ok(()) => {}
            Err(e) if is_lease_lost(&e) => {
                tracing::info!(cluster_id = id, "alerts not evaluated here any more: {e}");
                forget(&state.replica_id, id);
                memory.remove(&id);
            }
            Err(e) => tracing::warn!(cluster_id = id, "alert evaluation failed: {e}"),
        }
    }
}

/// Runs until `cancel`: evaluates every held cluster each `eval_interval`.
pub async fn run(state: AppState, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(
        state
            .settings
            .alerting
            .eval_interval
            .max(Duration::from_millis(200)),
    );
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut memory = HashMap::new();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        evaluate_all(&state, &mut memory).await;
    }
}

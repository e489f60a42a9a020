//! `POST .../nodes/{name}/drain`: kubectl drain's semantics as a task.
//!
//! The plan (which pods are evicted, skipped or block the drain) is made before anything changes, so a drain
//! that cannot finish is refused up front with the pods listed, and the node is not even cordoned. Then the
//! task cordons, evicts through the Eviction API (the version the cluster serves: policy/v1, or v1beta1 on
//! clusters before 1.22), retries pods a PodDisruptionBudget protects (429) every few seconds, and waits for
//! each evicted pod to be gone. Progress per pod is saved in the task; cancel stops it after the current step
//! (the node stays cordoned, as with an interrupted kubectl drain).

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kubedeck_kube::drain::{DrainOptions, DrainPlan, PlannedPod, plan};
use kubedeck_kube::error::{ClusterError, within};
use kubedeck_kube::selector::Selector;
use kubedeck_store::tasks::state as task_state;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

const CALL: Duration = Duration::from_secs(10);
/// How long a drain waits in total unless `timeout_seconds` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Pause before asking again for a pod a PodDisruptionBudget protects.
const PDB_RETRY: Duration = Duration::from_secs(5);

/// The answer to a drain request.
#[derive(Serialize, ToSchema)]
pub struct DrainStarted {
    /// The task that runs the drain (none for a dry run); follow it at `/api/v1/tasks/{id}`.
    pub task_id: Option<i64>,
    /// True when nothing was changed.
    pub dry_run: bool,
    /// `policy/v1` or `policy/v1beta1`.
    pub eviction_api: String,
    /// How the version was chosen: `discovery` (the cluster listed its pods/eviction subresource) or `fallback`
    /// (discovery failed or listed none, so `policy/v1beta1`, which every cluster since v1.8 serves, is used).
    pub eviction_api_source: String,
    /// Why discovery did not decide (only with `fallback`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery_error: Option<String>,
    /// Every pod on the node with what the drain does to it, and the counts per verdict and reason.
    pub plan: DrainPlan,
}

/// One pod's progress.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PodProgress {
    namespace: String,
    name: String,
    /// pending, evicting, blocked_by_pdb, evicted, deleted, failed.
    state: String,
    message: String,
    #[serde(skip)]
    uid: String,
    #[serde(skip)]
    next_try: Option<Instant>,
}

/// The Eviction API version a drain uses, and whether the cluster's discovery said so.
#[derive(Debug, Clone)]
struct EvictionApi {
    version: String,
    source: &'static str,
    error: Option<String>,
}

impl EvictionApi {
    fn fallback(why: String) -> Self {
        Self {
            version: "policy/v1beta1".into(),
            source: "fallback",
            error: Some(why),
        }
    }

    /// Decides from what discovery of core/v1 answered (pure, so both outcomes are unit-tested).
    fn from_discovery(discovered: Result<Vec<APIResource>, String>) -> Self {
        let resources = match discovered {
            Ok(r) => r,
            Err(e) => return Self::fallback(format!("discovery of core/v1: {e}")),
        };
        match resources.into_iter().find(|r| r.name == "pods/eviction") {
            Some(r) => match (r.group, r.version) {
                (Some(g), Some(v)) if !g.is_empty() => EvictionApi {
                    version: format!("{g}/{v}"),
                    source: "discovery",
                    error: None,
                },
                // Clusters before v1.9 list the subresource without a group: that is policy/v1beta1.
                _ => EvictionApi {
                    version: "policy/v1beta1".into(),
                    source: "discovery",
                    error: None,
                },
            },
            None => {
                Self::fallback("the cluster's discovery lists no pods/eviction subresource".into())
            }
        }
    }
}

/// The eviction API version the cluster serves, from discovery of the pods/eviction subresource. A fallback is
/// logged and counted (`kubedeck_discovery_failures_total`), and the drain's answer and task say why.
async fn eviction_api(client: &kube::Client, cluster_id: i64) -> EvictionApi {
    let discovered = within(CALL, client.list_core_api_resources("v1"))
        .await
        .map(|l| l.resources)
        .map_err(|e| e.to_string());
    let api = EvictionApi::from_discovery(discovered);
    if let Some(why) = &api.error {
        // Loud, because a wrong guess turns every eviction into a 404 on clusters that dropped v1beta1.
        tracing::warn!(
            cluster_id,
            "eviction API discovery failed, falling back to policy/v1beta1: {why}"
        );
        metrics::counter!("kubedeck_discovery_failures_total", "what" => "pods/eviction")
            .increment(1);
    }
    api
}

/// Posts an Eviction; written by hand so apiVersion, kind and deleteOptions are exactly what the server reads.
async fn evict(
    client: &kube::Client,
    version: &str,
    ns: &str,
    name: &str,
    grace: Option<i64>,
) -> Result<(), ClusterError> {
    let mut body = json!({"apiVersion": version, "kind": "Eviction", "metadata": {"name": name, "namespace": ns}});
    if let Some(g) = grace {
        body["deleteOptions"] = json!({"gracePeriodSeconds": g});
    }
    let req = http::Request::post(format!("/api/v1/namespaces/{ns}/pods/{name}/eviction"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).expect("json"))
        .expect("request");
    within(CALL, client.request::<serde_json::Value>(req))
        .await
        .map(|_| ())
}

/// Drain a node like `kubectl drain`: returns a task id at once (or the plan, for a dry run).
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/nodes/{name}/drain", tag = "nodes", params(("id" = i64, Path), ("name" = String, Path)),
    request_body = DrainOptions,
    responses((status = 202, body = DrainStarted), (status = 200, body = DrainStarted, description = "dry run"),
        (status = 404), (status = 422, description = "drain_blocked: options do not allow the drain to finish; params `node`, `refused`, `by_reason` (reason_code → count), the whole plan with its summary in the member `plan`")),
    extensions(("x-permission" = json!("node.write"))))]
pub async fn drain(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::NodeWrite>,
    Path((id, name)): Path<(i64, String)>,
    ApiJson(opts): ApiJson<DrainOptions>,
) -> ApiResult<(StatusCode, axum::Json<DrainStarted>)> {
    audit.action(if opts.dry_run {
        "node.drain.dry_run"
    } else {
        "node.drain"
    });
    audit.target(Some(id), None, Some(format!("nodes/{name}")));
    audit.detail(json!(opts));
    start(&state, id, &name, opts, &auth.username, None).await
}

/// Plans a drain of node `name` and starts it as a task of `by` (or answers its dry run): for a request, and for
/// a resumed task (`resumed_from`: the interrupted or failed drain it goes on with, named in the new task).
pub(crate) async fn start(
    state: &AppState,
    id: i64,
    name: &str,
    opts: DrainOptions,
    by: &str,
    resumed_from: Option<i64>,
) -> ApiResult<(StatusCode, axum::Json<DrainStarted>)> {
    let name = name.to_owned();
    if let Some(g) = opts.grace_period_seconds
        && g < 0
    {
        return Err(ApiError::out_of_range(
            "grace_period_seconds",
            Some(0),
            None,
        ));
    }
    if opts.timeout_seconds == Some(0) {
        return Err(ApiError::out_of_range("timeout_seconds", Some(1), None));
    }
    let selector = opts.pod_selector.as_deref().unwrap_or("");
    Selector::parse(selector).map_err(|e| ApiError::selector("pod_selector", e))?;
    let c = cluster(state, id).await?;
    let client = client_for(state, &c).await?;
    let nodes: Api<Node> = Api::all(client.clone());
    if within(CALL, nodes.get_opt(&name))
        .await
        .map_err(from_cluster)?
        .is_none()
    {
        return Err(ApiError::node_not_found(id, &name));
    }
    let mut lp = ListParams::default().fields(&format!("spec.nodeName={name}"));
    if !selector.is_empty() {
        lp = lp.labels(selector);
    }
    let pods = within(CALL, Api::<Pod>::all(client.clone()).list(&lp))
        .await
        .map_err(from_cluster)?
        .items;
    let drain_plan = plan(&pods, &opts);
    let eviction = eviction_api(&client, id).await;
    let version = eviction.version.clone();
    if drain_plan.summary.refuse > 0 {
        return Err(drain_blocked(&name, drain_plan));
    }
    if opts.dry_run {
        return Ok((
            StatusCode::OK,
            axum::Json(DrainStarted {
                task_id: None,
                dry_run: true,
                eviction_api: version,
                eviction_api_source: eviction.source.into(),
                discovery_error: eviction.error,
                plan: drain_plan,
            }),
        ));
    }
    // By key, not a search per pod: a node may hold tens of thousands of pods.
    let uids: HashMap<(&str, &str), &str> = pods
        .iter()
        .filter_map(|x| {
            Some((
                (
                    x.metadata.namespace.as_deref()?,
                    x.metadata.name.as_deref()?,
                ),
                x.metadata.uid.as_deref()?,
            ))
        })
        .collect();
    let progress: Vec<PodProgress> = drain_plan
        .to_evict()
        .map(|p| {
            let uid = uids
                .get(&(p.namespace.as_str(), p.name.as_str()))
                .map(|u| u.to_string())
                .unwrap_or_default();
            PodProgress {
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                state: "pending".into(),
                message: p.reason.clone(),
                uid,
                next_try: None,
            }
        })
        .collect();
    let skipped: Vec<&PlannedPod> = drain_plan
        .pods
        .iter()
        .filter(|p| p.verdict == kubedeck_kube::drain::Verdict::Skip)
        .collect();
    let mut run = Run {
        state: state.clone(),
        client,
        task_id: 0,
        node: name,
        eviction: eviction.clone(),
        opts,
        pods: progress,
        skipped: json!(skipped),
        resumed_from,
    };
    let task = state
        .store
        .create_task(
            "node.drain",
            Some(id),
            &run.node,
            by,
            &state.replica_id,
            &run.doc(false),
        )
        .await?;
    run.task_id = task.id;
    tokio::spawn(run.execute());
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(DrainStarted {
            task_id: Some(task.id),
            dry_run: false,
            eviction_api: version,
            eviction_api_source: eviction.source.into(),
            discovery_error: eviction.error,
            plan: drain_plan,
        }),
    ))
}

/// How many refused pods a `drain_blocked` message names (the rest are counted, and all are in `plan`).
const NAMED_IN_MESSAGE: usize = 5;

/// 422 `drain_blocked`: the counts per reason and the first few pods in the message (a node may hold tens of
/// thousands), the counts as params (`node`, `refused`, `by_reason`) and the whole plan as the member `plan`.
fn drain_blocked(node: &str, plan: DrainPlan) -> ApiError {
    let by_reason = plan.refused_by_reason();
    let counts = by_reason
        .iter()
        .map(|(code, n)| format!("{} {}", thousands(*n), code.phrase()))
        .collect::<Vec<_>>()
        .join(", ");
    let refused = plan.summary.refuse;
    let mut first = plan
        .refused()
        .take(NAMED_IN_MESSAGE)
        .map(|p| format!("{}/{} ({})", p.namespace, p.name, p.reason_code.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let named = refused.min(NAMED_IN_MESSAGE as u64);
    if refused > named {
        first.push_str(&format!(" … and {} more", thousands(refused - named)));
    }
    let by_reason_param: serde_json::Map<String, serde_json::Value> = by_reason
        .iter()
        .map(|(code, n)| (code.as_str().to_owned(), json!(n)))
        .collect();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::DrainBlocked,
        format!(
            "node '{node}' was not drained (nor cordoned): {} pod(s) block it: {counts}; {first}",
            thousands(refused)
        ),
    )
    .param("node", node)
    .param("refused", refused)
    .param("by_reason", by_reason_param)
    .with_extra("plan", json!(plan))
}

/// `29306` as `29,306`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

struct Run {
    state: AppState,
    client: kube::Client,
    task_id: i64,
    node: String,
    eviction: EvictionApi,
    opts: DrainOptions,
    pods: Vec<PodProgress>,
    skipped: serde_json::Value,
    /// The task this one resumes.
    resumed_from: Option<i64>,
}

impl Run {
    /// The task's progress document: the options too, so that the drain can be resumed with them.
    fn doc(&self, cordoned: bool) -> serde_json::Value {
        json!({"node": self.node, "eviction_api": self.eviction.version, "eviction_api_source": self.eviction.source,
            "discovery_error": self.eviction.error, "cordoned": cordoned, "pods": self.pods, "skipped": self.skipped,
            "options": self.opts, "resumed_from": self.resumed_from})
    }

    async fn finish(&self, final_state: &str, cordoned: bool, error: Option<String>) {
        if let Err(e) = self
            .state
            .store
            .finish_task(self.task_id, final_state, &self.doc(cordoned), error)
            .await
        {
            tracing::error!(task = self.task_id, "could not record the drain's end: {e}");
        }
    }

    async fn execute(mut self) {
        let nodes: Api<Node> = Api::all(self.client.clone());
        let cordon = json!({"spec": {"unschedulable": true}});
        if let Err(e) = within(
            CALL,
            nodes.patch(&self.node, &PatchParams::default(), &Patch::Merge(&cordon)),
        )
        .await
        {
            self.finish(
                task_state::FAILED,
                false,
                Some(format!("could not cordon node '{}': {e}", self.node)),
            )
            .await;
            return;
        }
        let _ = self
            .state
            .store
            .update_task_progress(self.task_id, &self.doc(true))
            .await;
        let timeout = self
            .opts
            .timeout_seconds
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT);
        let started = Instant::now();
        loop {
            let before = self.pods.clone();
            for i in 0..self.pods.len() {
                let p = &self.pods[i];
                let now = Instant::now();
                match p.state.as_str() {
                    "pending" | "blocked_by_pdb" if p.next_try.is_none_or(|t| now >= t) => {
                        let (ns, name) = (p.namespace.clone(), p.name.clone());
                        let res = evict(
                            &self.client,
                            &self.eviction.version,
                            &ns,
                            &name,
                            self.opts.grace_period_seconds,
                        )
                        .await;
                        let p = &mut self.pods[i];
                        match res {
                            Ok(()) => {
                                p.state = "evicted".into();
                                p.message = "eviction accepted; waiting for the pod to go".into();
                            }
                            Err(ClusterError::Api {
                                code: 429, message, ..
                            }) => {
                                p.state = "blocked_by_pdb".into();
                                p.message = format!(
                                    "a PodDisruptionBudget refuses for now, retrying: {message}"
                                );
                                p.next_try = Some(now + PDB_RETRY);
                            }
                            Err(ClusterError::Api { code: 404, .. }) => {
                                p.state = "deleted".into();
                                p.message = "already gone".into();
                            }
                            Err(e) => {
                                p.state = "failed".into();
                                p.message = e.to_string();
                            }
                        }
                    }
                    "evicted" => {
                        let (ns, name, uid) = (p.namespace.clone(), p.name.clone(), p.uid.clone());
                        let api = Api::<Pod>::namespaced(self.client.clone(), &ns);
                        if let Ok(current) = within(CALL, api.get_opt(&name)).await {
                            let gone = current
                                .is_none_or(|c| c.metadata.uid.as_deref() != Some(uid.as_str()));
                            if gone {
                                let p = &mut self.pods[i];
                                p.state = "deleted".into();
                                p.message = "evicted".into();
                            }
                        }
                    }
                    _ => {}
                }
            }
            if self.pods != before {
                let _ = self
                    .state
                    .store
                    .update_task_progress(self.task_id, &self.doc(true))
                    .await;
            }
            let open: Vec<&PodProgress> = self
                .pods
                .iter()
                .filter(|p| p.state != "deleted" && p.state != "failed")
                .collect();
            if open.is_empty() {
                let failed: Vec<String> = self
                    .pods
                    .iter()
                    .filter(|p| p.state == "failed")
                    .map(|p| format!("{}/{}: {}", p.namespace, p.name, p.message))
                    .collect();
                if failed.is_empty() {
                    self.finish(task_state::SUCCEEDED, true, None).await;
                } else {
                    self.finish(
                        task_state::FAILED,
                        true,
                        Some(format!(
                            "{} pod(s) could not be evicted: {}",
                            failed.len(),
                            failed.join("; ")
                        )),
                    )
                    .await;
                }
                return;
            }
            if self
                .state
                .store
                .find_task(self.task_id)
                .await
                .ok()
                .flatten()
                .is_some_and(|t| t.cancel_requested)
            {
                self.finish(
                    task_state::CANCELLED,
                    true,
                    Some(format!(
                        "cancelled with {} pod(s) not yet evicted; the node stays cordoned",
                        open.len()
                    )),
                )
                .await;
                return;
            }
            if started.elapsed() > timeout {
                let names = open
                    .iter()
                    .map(|p| format!("{}/{} ({})", p.namespace, p.name, p.state))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.finish(
                    task_state::FAILED,
                    true,
                    Some(format!(
                        "timed out after {} s; still on the node: {names}",
                        timeout.as_secs()
                    )),
                )
                .await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(name: &str, group: Option<&str>, version: Option<&str>) -> APIResource {
        APIResource {
            name: name.into(),
            group: group.map(Into::into),
            version: version.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn the_eviction_version_is_what_discovery_lists() {
        let v1 = EvictionApi::from_discovery(Ok(vec![
            resource("pods", None, None),
            resource("pods/eviction", Some("policy"), Some("v1")),
        ]));
        assert_eq!((v1.version.as_str(), v1.source), ("policy/v1", "discovery"));
        assert!(v1.error.is_none());
        let old = EvictionApi::from_discovery(Ok(vec![resource(
            "pods/eviction",
            Some("policy"),
            Some("v1beta1"),
        )]));
        assert_eq!(
            (old.version.as_str(), old.source),
            ("policy/v1beta1", "discovery")
        );
    }

    #[test]
    fn a_blocked_drain_names_counts_and_five_pods_however_many_refuse() {
        use kubedeck_kube::drain::{DrainSummary, ReasonCode, Verdict};
        let mut pods: Vec<PlannedPod> = (0..29_300)
            .map(|i| PlannedPod {
                namespace: "load".into(),
                name: format!("bare-{i:05}"),
                verdict: Verdict::Refuse,
                reason_code: ReasonCode::UnmanagedBlocks,
                reason: "pod not managed by anything: set force to delete it".into(),
            })
            .collect();
        pods.extend((0..6).map(|i| PlannedPod {
            namespace: "kube-system".into(),
            name: format!("agent-{i}"),
            verdict: Verdict::Refuse,
            reason_code: ReasonCode::DaemonsetBlocks,
            reason: "DaemonSet-managed pod".into(),
        }));
        let plan = DrainPlan {
            summary: DrainSummary::of(&pods),
            pods,
        };
        let e = drain_blocked("big-node", plan);
        assert!(
            e.message.len() < 600,
            "{} characters: {}",
            e.message.len(),
            e.message
        );
        assert!(
            e.message.contains("29,306 pod(s) block it"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("29,300 pods without a controller"),
            "{}",
            e.message
        );
        assert!(e.message.contains("6 DaemonSet pods"), "{}", e.message);
        assert!(e.message.contains("load/bare-00004"), "{}", e.message);
        assert!(!e.message.contains("load/bare-00005"), "{}", e.message);
        assert!(e.message.contains("… and 29,301 more"), "{}", e.message);
        assert_eq!(e.params["refused"], 29_306);
        assert_eq!(e.params["node"], "big-node");
        assert_eq!(
            e.params["by_reason"],
            json!({"unmanaged_blocks": 29_300, "daemonset_blocks": 6})
        );
        assert_eq!(e.extra["plan"]["summary"]["refuse"], 29_306);
        assert_eq!(e.extra["plan"]["pods"].as_array().unwrap().len(), 29_306);
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_failed_discovery_falls_back_and_says_why() {
        let failed =
            EvictionApi::from_discovery(Err("cluster unreachable: connection refused".into()));
        assert_eq!(
            (failed.version.as_str(), failed.source),
            ("policy/v1beta1", "fallback")
        );
        assert!(failed.error.unwrap().contains("connection refused"));
        let unlisted = EvictionApi::from_discovery(Ok(vec![resource("pods", None, None)]));
        assert_eq!(unlisted.source, "fallback");
        assert!(unlisted.error.unwrap().contains("no pods/eviction"));
    }
}

//! Services and Ingresses beyond the generic engine (issue 15): what [`super::insight`] shows for them, from
//! the live object, the pod index (a Service's selected pods, never a LIST of pods) and the few objects they
//! name (the Endpoints, one pod per owner for the container ports, an Ingress' Services and TLS Secrets).

use crate::connection::from_cluster;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::resources::Target;
use crate::routes::resources::object::api_for;
use crate::state::AppState;
use kube::api::{Api, DynamicObject, ListParams};
use kubedeck_kube::error::within;
use kubedeck_kube::resource::discovery::Catalog;
use kubedeck_kube::resource::insight::network::{self as view, IngressInsight, NetworkPolicyInsight, SelectedPod, ServiceInsight, TlsSecret};
use kubedeck_kube::selector::Selector;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const CALL: Duration = Duration::from_secs(15);
/// Pods read for their container ports at most (one per owner).
const TEMPLATES_MAX: usize = 10;
/// Selected pods listed at most.
const PODS_MAX: usize = 500;

/// The object an insight is about, and the means to read it and its neighbours in its namespace.
pub struct Object {
    /// The cluster's client.
    pub client: kube::Client,
    /// The kinds it serves, at their versions.
    pub cat: Arc<Catalog>,
    /// The path's cluster, kind, namespace and name.
    pub t: Target,
    /// Its namespace.
    pub ns: String,
    /// Its name.
    pub name: String,
}

impl Object {
    /// The target of a namespaced route.
    pub fn new(client: kube::Client, cat: Arc<Catalog>, t: Target) -> ApiResult<Object> {
        let ns = t.ns.clone().unwrap_or_default();
        let name = t.name.clone().unwrap_or_default();
        Ok(Object { client, cat, t, ns, name })
    }

    /// The dynamic API of a kind in the object's namespace, at the version the cluster serves.
    pub fn api(&self, plural: &str) -> ApiResult<Api<DynamicObject>> {
        let served = self.cat.find(plural).map_err(|_| ApiError::internal(format!("the cluster does not serve {plural}")))?;
        Ok(api_for(self.client.clone(), &served, Some(&self.ns)))
    }

    /// An object of `plural` in the namespace, read live (`None`: there is none).
    pub async fn get(&self, plural: &str, name: &str) -> ApiResult<Option<Value>> {
        let o = within(CALL, self.api(plural)?.get_opt(name)).await.map_err(from_cluster)?;
        Ok(o.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)))
    }

    /// The object itself (`404 object_not_found`).
    pub async fn read(&self) -> ApiResult<Value> {
        let plural = self.t.kind.as_str();
        self.get(plural, &self.name).await?.ok_or_else(|| {
            ApiError::not_found(ErrorCode::ObjectNotFound, format!("{} '{}' not found", plural, self.t.object()))
                .param("kind", plural)
                .param("name", &self.name)
                .param("namespace", &self.ns)
        })
    }

    /// Every object of `plural` in the namespace, read live.
    pub async fn list(&self, plural: &str) -> ApiResult<Vec<Value>> {
        let l = within(CALL, self.api(plural)?.list(&ListParams::default())).await.map_err(from_cluster)?;
        Ok(l.items.into_iter().map(|o| serde_json::to_value(o).unwrap_or(Value::Null)).collect())
    }
}

/// The pods of the object's namespace a label selector (`""`: every pod) matches, each with its owner (or
/// itself): from the pod index once it is synced, else one LIST by label. Finished pods are left out.
async fn select_pods(state: &AppState, o: &Object, sel_text: &str) -> ApiResult<Vec<(SelectedPod, String)>> {
    let selector = if sel_text.is_empty() {
        Selector::default()
    } else {
        Selector::parse(sel_text).map_err(|e| ApiError::internal(format!("selector {sel_text}: {e}")))?
    };
    if let Some(h) = state.hub.get(o.t.id).filter(|h| h.pods.synced()) {
        let nss = [o.ns.clone()];
        let scope = kubedeck_kube::label_index::Scope { namespaces: Some(&nss[..]), node: None };
        return Ok(h.pods.read_candidates(&selector, scope, |it| {
            it.filter(|p| p.namespace == o.ns.as_str() && !p.is_finished() && selector.matches(&p.labels))
                .take(PODS_MAX)
                .map(|p| {
                    let ready = p.ready.1 > 0 && p.ready.0 == p.ready.1 && p.status != "Terminating";
                    let owner = match (&p.owner_kind, &p.owner_name) {
                        (Some(k), Some(n)) => format!("{k}/{n}"),
                        _ => format!("Pod/{}", p.name),
                    };
                    let pod = SelectedPod {
                        name: p.name.to_string(),
                        ready,
                        containers_ready: format!("{}/{}", p.ready.0, p.ready.1),
                        status: p.status.to_string(),
                        ip: p.pod_ip.map(|ip| ip.to_string()),
                        node: p.node_name.as_ref().map(|n| n.to_string()),
                    };
                    (pod, owner)
                })
                .collect()
        }));
    }
    let l = within(CALL, o.api("pods")?.list(&ListParams::default().labels(sel_text))).await.map_err(from_cluster)?;
    let mut pods = Vec::new();
    for p in l.items {
        let v = serde_json::to_value(&p).unwrap_or(Value::Null);
        let phase = v["status"]["phase"].as_str().unwrap_or_default();
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let statuses = v["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
        let ready_n = statuses.iter().filter(|s| s["ready"] == true).count();
        let total = v["spec"]["containers"].as_array().map_or(0, Vec::len);
        let name = p.metadata.name.clone().unwrap_or_default();
        let owner = kubedeck_kube::resource::row::controller_of(&v).map_or_else(|| format!("Pod/{name}"), |(k, n)| format!("{k}/{n}"));
        let pod = SelectedPod {
            name,
            ready: total > 0 && ready_n == total && v["metadata"]["deletionTimestamp"].is_null(),
            containers_ready: format!("{ready_n}/{total}"),
            status: phase.to_owned(),
            ip: v["status"]["podIP"].as_str().map(str::to_owned),
            node: v["spec"]["nodeName"].as_str().map(str::to_owned),
        };
        pods.push((pod, owner));
    }
    Ok(pods)
}

/// The Service with the pods its selector matches, one pod per owner read for its container ports, and its
/// Endpoints.
pub async fn service(state: &AppState, o: &Object) -> ApiResult<ServiceInsight> {
    let svc = o.read().await?;
    let sel_text = view::selector_text(&json!({"matchLabels": svc["spec"]["selector"]}));
    // a Service without a selector selects nothing (its endpoints are managed by hand)
    let pods = match &sel_text {
        Some(sel) => select_pods(state, o, sel).await?,
        None => Vec::new(),
    };
    let mut owners = BTreeSet::new();
    let mut templates = Vec::new();
    for (p, owner) in &pods {
        if owners.len() >= TEMPLATES_MAX || !owners.insert(owner.clone()) {
            continue;
        }
        if let Some(pod) = o.get("pods", &p.name).await? {
            templates.push(pod["spec"].clone());
        }
    }
    let endpoints = o.get("endpoints", &o.name).await?;
    Ok(view::service(&svc, pods.into_iter().map(|(p, _)| p).collect(), &templates, endpoints.as_ref()))
}

/// The Ingress with each Service it routes to and each TLS Secret's certificate (read here; only the
/// certificate's details leave).
pub async fn ingress(o: &Object) -> ApiResult<IngressInsight> {
    let ing = o.read().await?;
    let mut services: BTreeMap<String, Option<Value>> = BTreeMap::new();
    let mut secrets: BTreeMap<String, TlsSecret> = BTreeMap::new();
    for r in kubedeck_kube::resource::related::references("Ingress", &ing) {
        match r.kind.as_str() {
            "Service" if !services.contains_key(&r.name) => {
                let svc = o.get("services", &r.name).await?;
                services.insert(r.name, svc);
            }
            "Secret" if !secrets.contains_key(&r.name) => {
                let found = match o.get("secrets", &r.name).await? {
                    None => TlsSecret::Missing,
                    Some(s) => {
                        use base64::Engine;
                        let crt = s["data"]["tls.crt"].as_str().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()).unwrap_or_default();
                        TlsSecret::Found(String::from_utf8_lossy(&crt).into_owned())
                    }
                };
                secrets.insert(r.name, found);
            }
            _ => {}
        }
    }
    Ok(view::ingress(&ing, &services, &secrets, chrono::Utc::now()))
}

/// The NetworkPolicy read as sentences, with the pods of its namespace it selects now.
pub async fn network_policy(state: &AppState, o: &Object) -> ApiResult<NetworkPolicyInsight> {
    let np = o.read().await?;
    let sel = view::selector_text(&np["spec"]["podSelector"]).unwrap_or_default();
    let pods = select_pods(state, o, &sel).await?.into_iter().map(|(p, _)| p.name).collect();
    Ok(view::network_policy(&np, pods))
}

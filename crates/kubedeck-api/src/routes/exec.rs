//! `WebSocket /ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/exec`: the web terminal.
//!
//! A bridge between the browser's WebSocket and the cluster's `pods/exec` subresource (kube-rs `exec`, itself a
//! WebSocket to the apiserver, which proxies it to the kubelet). Authentication, the `Origin` check and the
//! permission (`pod.exec`) are those of every browser WebSocket route ([`crate::routes::websocket`]); the pod,
//! the container (it must be running) and the upstream exec are settled before the upgrade, so each refusal is
//! a plain HTTP 4xx.
//!
//! Framing (README "Web terminal"): the browser sends stdin as binary frames and
//! `{"type":"resize","cols":..,"rows":..}` as text frames; the server sends output as binary frames whose first
//! byte is the stream (1 stdout, 2 stderr), then once `{"type":"exit","code":N}` (or
//! `{"type":"error","code":"upstream_broken",...}`) as a text frame, then a close frame. A browser that leaves
//! ends the upstream exec at once (the upstream connection is dropped with it).
//!
//! Each session is audited (action `pod.exec`): the row is written when the session starts (who, the pod,
//! container and command, start; `ended_by: null`), so a server that dies mid-session still leaves it, and
//! completed when it ends (end, exit code, who ended it). Never what was typed or printed.

use crate::audit::client_ip;
use crate::auth::{Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode, current_request_id};
use crate::extract::ApiQuery;
use crate::routes::websocket::{PING_EVERY, Upgrade, check_origin, upgrade};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, AttachedProcess, TerminalSize};
use kubedeck_kube::error::within;
use kubedeck_store::audit::NewAuditRecord;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// The command when the browser names none.
pub const DEFAULT_COMMAND: &str = "/bin/sh";
/// How long opening the upstream exec may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes read from a stream per frame.
const CHUNK: usize = 16 * 1024;

/// The exec options (documentation of the query; `command` repeats, one per argv element).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExecQuery {
    /// The container; optional when the pod has one.
    pub container: Option<String>,
    /// One argv element per occurrence (`command=sh&command=-c&command=echo%20hi`); default `/bin/sh`.
    pub command: Option<Vec<String>>,
    /// Allocate a terminal (default `true`); with one, stderr arrives merged into stdout.
    pub tty: Option<bool>,
}

/// The query as given: `command` may repeat, which a struct cannot take.
fn read_query(pairs: Vec<(String, String)>) -> ApiResult<(Option<String>, Vec<String>, bool)> {
    let mut container = None;
    let mut command = Vec::new();
    let mut tty = true;
    for (k, v) in pairs {
        match k.as_str() {
            "container" if !v.is_empty() => container = Some(v),
            "container" => {}
            "command" => command.push(v),
            "tty" => {
                tty = match v.as_str() {
                    "true" | "1" | "" => true,
                    "false" | "0" => false,
                    _ => {
                        return Err(ApiError::invalid(
                            "tty",
                            ErrorCode::NotOneOf,
                            format!("tty must be true or false, not '{v}'"),
                        )
                        .param("allowed", ["true", "false"])
                        .param("value", &v));
                    }
                }
            }
            _ => {}
        }
    }
    if command.is_empty() {
        command.push(DEFAULT_COMMAND.to_owned());
    }
    if command[0].trim().is_empty() {
        return Err(ApiError::invalid(
            "command",
            ErrorCode::Required,
            "the command's first word (the program) is empty",
        ));
    }
    Ok((container, command, tty))
}

/// The container to run in: named and present, or the pod's only one; and running.
fn pick_container(pod: &Pod, wanted: Option<String>) -> ApiResult<String> {
    let names: Vec<String> = pod
        .spec
        .iter()
        .flat_map(|s| s.containers.iter().map(|c| c.name.clone()))
        .collect();
    let name = match wanted {
        Some(c) if names.contains(&c) => c,
        Some(c) => {
            return Err(ApiError::invalid(
                "container",
                ErrorCode::ContainerNotFound,
                format!(
                    "container '{c}' is not in the pod; it has: {}",
                    names.join(", ")
                ),
            )
            .param("container", &c)
            .param("containers", &names)
            .with_extra("containers", json!(names)));
        }
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(ApiError::invalid(
                "container",
                ErrorCode::ContainerRequired,
                format!(
                    "the pod has {} containers; name one of: {}",
                    names.len(),
                    names.join(", ")
                ),
            )
            .param("containers", &names)
            .with_extra("containers", json!(names)));
        }
    };
    let state = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == name))
        .and_then(|c| c.state.as_ref());
    let (running, word) = match state {
        Some(s) if s.running.is_some() => (true, "running"),
        Some(s) if s.terminated.is_some() => (false, "terminated"),
        _ => (false, "waiting"),
    };
    if !running {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::ContainerNotRunning,
            format!("container '{name}' is not running ({word}); no command can run in it"),
        )
        .param("container", &name)
        .param("state", word));
    }
    Ok(name)
}

/// Open a shell (or run a command) in a container (WebSocket; the web terminal).
#[utoipa::path(get, path = "/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/exec", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), ("name" = String, Path), ExecQuery),
    responses((status = 101, description = "switching to the terminal WebSocket (framing: README, Web terminal)"),
        (status = 400), (status = 403), (status = 404), (status = 409)),
    extensions(("x-permission" = json!("pod.exec"))))]
#[allow(clippy::too_many_arguments)]
pub async fn exec(
    State(state): State<AppState>,
    auth: Authorized<perm::PodExec>,
    Path((id, ns, name)): Path<(i64, String, String)>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ws: Upgrade,
) -> ApiResult<Response> {
    check_origin(&headers)?;
    let (container, command, tty) = read_query(pairs)?;
    let c = cluster(&state, id).await?;
    let client = client_for(&state, &c).await?;
    let api: Api<Pod> = Api::namespaced(client, &ns);
    let pod = within(Duration::from_secs(10), api.get_opt(&name))
        .await
        .map_err(from_cluster)?
        .ok_or_else(|| ApiError::pod_not_found(id, &ns, &name))?;
    let container = pick_container(&pod, container)?;
    // A plain GET is refused before anything opens upstream.
    let ws = upgrade(ws)?;
    let params = AttachParams {
        container: Some(container.clone()),
        stdin: true,
        stdout: true,
        stderr: !tty,
        tty,
        ..AttachParams::default()
    };
    // Open the upstream before upgrading, so a refusal is still an HTTP error.
    let process = within(OPEN_TIMEOUT, api.exec(&name, command.clone(), &params))
        .await
        .map_err(from_cluster)?;
    let record = Session {
        record: NewAuditRecord {
            user_id: Some(auth.id),
            username: auth.username.clone(),
            source_ip: client_ip(
                &headers,
                extensions.get::<ConnectInfo<SocketAddr>>().map(|p| p.0),
                &state.settings,
            ),
            action: "pod.exec".into(),
            method: "GET".into(),
            path: format!("/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/exec"),
            cluster_id: Some(id),
            namespace: Some(ns.clone()),
            resource: Some(format!("pods/{name}")),
            outcome: "success".into(),
            status_code: 101,
            detail: String::new(),
            request_id: current_request_id(),
        },
        container,
        command,
        tty,
        started: Utc::now(),
    };
    let row = record.begin(&state).await;
    Ok(ws.on_upgrade(move |socket| async move {
        let (ended_by, exit_code) = bridge(socket, process).await;
        record.end(&state, row, ended_by, exit_code).await;
    }))
}

/// What the audit row says about a session.
struct Session {
    record: NewAuditRecord,
    container: String,
    command: Vec<String>,
    tty: bool,
    started: DateTime<Utc>,
}

impl Session {
    /// The row's detail: the session so far (`ended_at`, `exit_code`, `ended_by` null while it runs).
    fn detail(
        &self,
        ended: Option<DateTime<Utc>>,
        ended_by: Option<&str>,
        exit_code: Option<i32>,
    ) -> String {
        json!({
            "container": self.container, "command": self.command, "tty": self.tty,
            "started_at": self.started, "ended_at": ended,
            "exit_code": exit_code, "ended_by": ended_by,
        })
        .to_string()
    }

    /// Writes the row as the session starts; its id, for [`Session::end`] (none if it could not be written).
    async fn begin(&self, state: &AppState) -> Option<i64> {
        let mut rec = self.record.clone();
        rec.detail = self.detail(None, None, None);
        match state.store.begin_audit(rec).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!("could not write the exec audit record: {e}");
                None
            }
        }
    }

    /// Completes the row (or, when the start could not be written, writes the whole one now).
    async fn end(
        mut self,
        state: &AppState,
        row: Option<i64>,
        ended_by: &str,
        exit_code: Option<i32>,
    ) {
        let detail = self.detail(Some(Utc::now()), Some(ended_by), exit_code);
        let outcome = if ended_by == "upstream" {
            "failure"
        } else {
            "success"
        };
        let written = match row {
            Some(id) => state.store.complete_audit(id, outcome, detail).await,
            None => {
                self.record.detail = detail;
                self.record.outcome = outcome.into();
                state.store.insert_audit(self.record).await
            }
        };
        if let Err(e) = written {
            tracing::error!("could not complete the exec audit record: {e}");
        }
    }
}

/// A browser control message.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Control {
    Resize { cols: u16, rows: u16 },
}

/// Reads a stream into frames tagged with `channel`; `None` once it ended.
async fn read_frame(r: &mut Option<impl AsyncRead + Unpin>, channel: u8) -> Option<Vec<u8>> {
    let r = r.as_mut()?;
    let mut buf = vec![0u8; CHUNK + 1];
    buf[0] = channel;
    match r.read(&mut buf[1..]).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.truncate(n + 1);
            Some(buf)
        }
    }
}

/// The exit code a `metav1.Status` from the exec's status channel says.
pub fn exit_code_of(
    status: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Status,
) -> Result<i32, String> {
    if status.status.as_deref() == Some("Success") {
        return Ok(0);
    }
    if status.reason.as_deref() == Some("NonZeroExitCode")
        && let Some(code) = status
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .and_then(|c| c.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
            .and_then(|c| c.message.as_deref())
            .and_then(|m| m.parse().ok())
    {
        return Ok(code);
    }
    Err(status
        .message
        .clone()
        .unwrap_or_else(|| "the exec failed".into()))
}

/// Copies between the browser and the upstream exec until either ends. Returns who ended it and the exit code.
async fn bridge(socket: WebSocket, mut process: AttachedProcess) -> (&'static str, Option<i32>) {
    let (mut tx, mut rx) = socket.split();
    let mut stdin = process.stdin();
    let mut stdout = process.stdout();
    let mut stderr = process.stderr();
    let mut resize = process.terminal_size();
    let status = process.take_status();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let mut browser_gone = false;
    while stdout.is_some() || stderr.is_some() {
        tokio::select! {
            msg = rx.next() => match msg {
                Some(Ok(Message::Binary(bytes))) => {
                    if let Some(w) = stdin.as_mut()
                        && (w.write_all(&bytes).await.is_err() || w.flush().await.is_err())
                    {
                        stdin = None;
                    }
                }
                Some(Ok(Message::Text(text))) => {
                    if let Ok(Control::Resize { cols, rows }) = serde_json::from_str::<Control>(&text)
                        && let Some(r) = resize.as_mut()
                    {
                        let _ = r.send(TerminalSize { width: cols, height: rows }).await;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    browser_gone = true;
                    break;
                }
                Some(Ok(_)) => {}
            },
            frame = read_frame(&mut stdout, 1), if stdout.is_some() => match frame {
                Some(f) => if tx.send(Message::Binary(f.into())).await.is_err() { browser_gone = true; break },
                None => stdout = None,
            },
            frame = read_frame(&mut stderr, 2), if stderr.is_some() => match frame {
                Some(f) => if tx.send(Message::Binary(f.into())).await.is_err() { browser_gone = true; break },
                None => stderr = None,
            },
            _ = ping.tick() => {
                if tx.send(Message::Ping(Vec::new().into())).await.is_err() {
                    browser_gone = true;
                    break;
                }
            }
        }
    }
    if browser_gone {
        // Dropping the process closes the upstream connection: the kubelet ends the session.
        process.abort();
        drop(process);
        return ("browser", None);
    }
    let status = match status {
        Some(s) => tokio::time::timeout(Duration::from_secs(10), s)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let (end, close, ended_by, code) = match status.as_ref().map(exit_code_of) {
        Some(Ok(code)) => (
            json!({"type": "exit", "code": code}),
            CloseFrame {
                code: 1000,
                reason: format!("exited {code}").into(),
            },
            "exit",
            Some(code),
        ),
        other => {
            let message = match other {
                Some(Err(m)) => m,
                _ => "the exec session ended without an exit status".into(),
            };
            let mut reason = format!("upstream_broken: {message}");
            while reason.len() > 123 {
                reason.pop();
            }
            (
                json!({"type": "error", "code": "upstream_broken", "message": message}),
                CloseFrame {
                    code: 1011,
                    reason: reason.into(),
                },
                "upstream",
                None,
            )
        }
    };
    let _ = tx.send(Message::Text(end.to_string().into())).await;
    let _ = tx.send(Message::Close(Some(close))).await;
    drop(process);
    (ended_by, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

    #[test]
    fn the_query_takes_repeated_commands_and_defaults_to_a_shell_with_a_terminal() {
        let q = |p: &[(&str, &str)]| {
            read_query(
                p.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(q(&[]).unwrap(), (None, vec!["/bin/sh".to_owned()], true));
        assert_eq!(
            q(&[
                ("command", "sh"),
                ("command", "-c"),
                ("command", "echo hi"),
                ("tty", "false"),
                ("container", "app")
            ])
            .unwrap(),
            (
                Some("app".into()),
                vec!["sh".into(), "-c".into(), "echo hi".into()],
                false
            )
        );
        assert_eq!(
            q(&[("tty", "maybe")]).unwrap_err().code,
            ErrorCode::NotOneOf
        );
        assert_eq!(
            q(&[("command", " ")]).unwrap_err().code,
            ErrorCode::Required
        );
    }

    #[test]
    fn exit_codes_come_from_the_status_as_the_kubelet_sends_it() {
        let ok: Status =
            serde_json::from_value(json!({"metadata": {}, "status": "Success"})).unwrap();
        assert_eq!(exit_code_of(&ok), Ok(0));
        let failed: Status = serde_json::from_value(json!({"metadata": {}, "status": "Failure",
            "message": "command terminated with non-zero exit code", "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": "127"}]}}))
        .unwrap();
        assert_eq!(exit_code_of(&failed), Ok(127));
        let broken: Status = serde_json::from_value(json!({"metadata": {}, "status": "Failure",
            "message": "container not found", "reason": "InternalError"}))
        .unwrap();
        assert_eq!(exit_code_of(&broken), Err("container not found".into()));
    }
}

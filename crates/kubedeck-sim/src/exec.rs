//! `exec` on a simulated node: the kubelet's `/exec/{ns}/{pod}/{container}` endpoint.
//!
//! The apiserver proxies `pods/exec` here with the client's own upgrade request (its upgrade-aware proxy
//! forwards the handshake as is and then copies bytes both ways). The simulator speaks the WebSocket
//! remote-command protocols `v5.channel.k8s.io` (kubectl ≥ 1.30 and kube-rs prefer it) and `v4.channel.k8s.io`:
//! binary frames whose first byte is the stream — 0 stdin, 1 stdout, 2 stderr, 3 the exit status, 4 terminal
//! resizes (`{"Width":80,"Height":24}`), 255 "close this stream" (v5 only: `[255, 0]` ends stdin). SPDY/3.1,
//! which older kubectl uses, is not served: a SPDY upgrade gets a 400, and kubectl ≥ 1.30 uses WebSocket.
//!
//! The exec'd "process" is the built-in shell of [`crate::shell`]; the query names the command (`command`
//! repeated, one per argv element) and the streams (`input`/`output`/`error`/`tty` as the apiserver sends them,
//! or `stdin`/`stdout`/`stderr`). A shell (`sh`, `bash`, `ash`, with or without a path) without `-c` and with
//! stdin reads commands from it: with a tty, interactively (prompt, echo, backspace, Ctrl-C, Ctrl-D, `\n` sent
//! as `\r\n`); without one, a line at a time until stdin ends. `cat` without a file copies stdin to stdout.
//! Every other command runs at once.
//!
//! When the process ends, channel 3 carries a `metav1.Status` as the kubelet sends it: `Success`, or
//! `Failure` with reason `NonZeroExitCode` and the code in `details.causes[{reason: ExitCode}]`; then the
//! socket closes. A client that goes away ends the session. Open sessions are listed by the control API's
//! `GET /exec-sessions` (so a test sees a closed browser end the upstream exec).

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use axum::{
    extract::ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use futures::{SinkExt, StreamExt, stream::SplitSink};
use serde_json::{Value, json};

use crate::{
    pod::ContainerState,
    shell::{ContainerInfo, Effect, Key, LineEditor, STDERR, STDOUT, Shell, onlcr},
    sim::{Sim, now_micros},
};

const STDIN: u8 = 0;
const STATUS: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;
pub const PROTOCOLS: [&str; 2] = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

/// One open exec session, as the control API lists it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecSession {
    pub id: u64,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub command: Vec<String>,
    pub tty: bool,
    pub stdin: bool,
    pub protocol: String,
    pub started: String,
}

/// Keeps a session listed for as long as it lives.
struct Listed(Arc<Sim>, u64);

impl Drop for Listed {
    fn drop(&mut self) {
        self.0.exec_sessions.lock().unwrap().remove(&self.1);
    }
}

fn text(status: StatusCode, msg: String) -> Response {
    (status, msg).into_response()
}

/// `GET /exec/{ns}/{pod}/{container}?command=...`: upgrades to a remote-command WebSocket.
pub fn exec(
    sim: Arc<Sim>,
    node: String,
    (ns, pod, container): (String, String, String),
    params: Vec<(String, String)>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let flag = |names: &[&str]| {
        params
            .iter()
            .any(|(k, v)| names.contains(&k.as_str()) && (v == "1" || v == "true"))
    };
    let command: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "command")
        .map(|(_, v)| v.clone())
        .collect();
    let stdin = flag(&["input", "stdin"]);
    let stdout = flag(&["output", "stdout"]);
    let stderr = flag(&["error", "stderr"]);
    let tty = flag(&["tty"]);
    if command.is_empty() {
        return text(
            StatusCode::BAD_REQUEST,
            "you must specify at least one command for the container\n".into(),
        );
    }
    if !(stdin || stdout || stderr) {
        return text(
            StatusCode::BAD_REQUEST,
            "you must specify at least 1 of stdin, stdout, stderr\n".into(),
        );
    }
    let Some(rt) = sim.pod(&ns, &pod) else {
        return text(
            StatusCode::NOT_FOUND,
            format!("pod \"{pod}\" in namespace \"{ns}\" not found on node {node}\n"),
        );
    };
    let info = {
        let r = rt.lock().unwrap();
        if r.node != node {
            return text(
                StatusCode::NOT_FOUND,
                format!("pod \"{pod}\" is not on node {node}\n"),
            );
        }
        let Some(c) = r.containers.iter().find(|c| c.name == container) else {
            return text(
                StatusCode::NOT_FOUND,
                format!("container not found (\"{container}\")\n"),
            );
        };
        if !matches!(c.state, ContainerState::Running { .. }) {
            return text(
                StatusCode::BAD_REQUEST,
                format!("container \"{container}\" in pod \"{pod}\" is not running\n"),
            );
        }
        ContainerInfo {
            namespace: ns.clone(),
            pod: pod.clone(),
            container: container.clone(),
            image: c.image.clone(),
            pod_ip: r.pod_ip.clone().unwrap_or_default(),
            env: c.env.clone(),
        }
    };
    let ws = match ws {
        Ok(ws) => ws.protocols(PROTOCOLS),
        Err(r) => {
            return text(
                StatusCode::BAD_REQUEST,
                format!(
                    "kubedeck-sim serves exec over WebSocket ({}) only: {}\n",
                    PROTOCOLS.join(", "),
                    r.body_text()
                ),
            );
        }
    };
    let Some(protocol) = ws
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .map(str::to_owned)
    else {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "no supported remote-command subprotocol; kubedeck-sim speaks {}\n",
                PROTOCOLS.join(", ")
            ),
        );
    };
    let id = sim.next_exec.fetch_add(1, Ordering::Relaxed) + 1;
    let session = ExecSession {
        id,
        namespace: ns,
        pod,
        container,
        command: command.clone(),
        tty,
        stdin,
        protocol: protocol.clone(),
        started: crate::logs::format_millis(now_micros()),
    };
    sim.exec_sessions.lock().unwrap().insert(id, session);
    let listed = Listed(sim.clone(), id);
    let streams = Streams {
        stdin,
        stdout,
        stderr,
        tty,
    };
    ws.on_upgrade(move |socket| async move {
        let _listed = listed;
        run_session(socket, streams, Shell::new(&info, tty), command).await;
    })
}

#[derive(Clone, Copy)]
struct Streams {
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
}

/// What came from the client.
enum Input {
    Stdin(Vec<u8>),
    Resize(u16, u16),
    /// stdin closed (v5 close signal).
    Eof,
    /// The client is gone.
    Gone,
    Other,
}

fn decode(msg: Option<Result<Message, axum::Error>>) -> Input {
    match msg {
        Some(Ok(Message::Binary(b))) if !b.is_empty() => match b[0] {
            STDIN => Input::Stdin(b[1..].to_vec()),
            RESIZE => {
                let size: Value = serde_json::from_slice(&b[1..]).unwrap_or_default();
                let n = |k: &str| size[k].as_u64().unwrap_or(0).min(u16::MAX as u64) as u16;
                Input::Resize(n("Height"), n("Width"))
            }
            CLOSE if b.get(1) == Some(&STDIN) => Input::Eof,
            _ => Input::Other,
        },
        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Input::Gone,
        Some(Ok(_)) => Input::Other,
    }
}

struct Session {
    tx: SplitSink<WebSocket, Message>,
    rx: futures::stream::SplitStream<WebSocket>,
    streams: Streams,
    /// stdin that arrived while a command was sleeping, for the next read.
    pending: Vec<Input>,
}

/// The client left: stop without a status.
struct Gone;

impl Session {
    async fn send(&mut self, channel: u8, bytes: &[u8]) -> Result<(), Gone> {
        let (channel, wanted) = match channel {
            // A terminal merges stderr into stdout.
            STDERR if self.streams.tty => (STDOUT, self.streams.stdout),
            STDERR => (STDERR, self.streams.stderr),
            c => (c, self.streams.stdout),
        };
        if !wanted || bytes.is_empty() {
            return Ok(());
        }
        let bytes = if self.streams.tty {
            onlcr(bytes)
        } else {
            bytes.to_vec()
        };
        let mut frame = Vec::with_capacity(bytes.len() + 1);
        frame.push(channel);
        frame.extend_from_slice(&bytes);
        self.tx
            .send(Message::Binary(frame.into()))
            .await
            .map_err(|_| Gone)
    }

    async fn next_input(&mut self) -> Input {
        if !self.pending.is_empty() {
            return self.pending.remove(0);
        }
        decode(self.rx.next().await)
    }

    /// Plays a command's effects; a sleep keeps watching the client.
    async fn play(&mut self, fx: Vec<Effect>, shell: &mut Shell) -> Result<(), Gone> {
        for e in fx {
            match e {
                Effect::Out(ch, bytes) => self.send(ch, &bytes).await?,
                Effect::Sleep(d) => {
                    let deadline = tokio::time::Instant::now() + d;
                    loop {
                        tokio::select! {
                            _ = tokio::time::sleep_until(deadline) => break,
                            msg = self.rx.next() => match decode(msg) {
                                Input::Gone => return Err(Gone),
                                Input::Resize(r, c) => shell.size = Some((r, c)),
                                Input::Other => {}
                                other => self.pending.push(other),
                            },
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Sends the exit status on channel 3 and closes.
    async fn finish(mut self, command: &[String], code: i32) {
        let status = if code == 0 {
            json!({"metadata": {}, "status": "Success"})
        } else {
            json!({
                "metadata": {}, "status": "Failure",
                "message": format!("command terminated with non-zero exit code: error executing command {command:?}, exit code {code}"),
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
            })
        };
        let mut frame = vec![STATUS];
        frame.extend_from_slice(status.to_string().as_bytes());
        let _ = self.tx.send(Message::Binary(frame.into())).await;
        // A normal closure (1000): clients (client-go) take it as the end of the streams, a bare close as an error.
        let _ = self
            .tx
            .send(Message::Close(Some(axum::extract::ws::CloseFrame {
                code: 1000,
                reason: "".into(),
            })))
            .await;
        // Wait briefly for the client's close so the last frames are not cut off by a reset.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(m)) = self.rx.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

fn is_shell(argv0: &str) -> bool {
    matches!(argv0.rsplit('/').next(), Some("sh" | "bash" | "ash"))
}

async fn run_session(socket: WebSocket, streams: Streams, mut shell: Shell, command: Vec<String>) {
    let (tx, rx) = socket.split();
    let mut s = Session {
        tx,
        rx,
        streams,
        pending: Vec::new(),
    };
    let result = if is_shell(&command[0]) && command.len() == 1 && streams.stdin {
        if streams.tty {
            interactive(&mut s, &mut shell).await
        } else {
            script_from_stdin(&mut s, &mut shell).await
        }
    } else if command.len() == 1 && command[0].rsplit('/').next() == Some("cat") && streams.stdin {
        copy_stdin(&mut s).await
    } else {
        let mut fx = Vec::new();
        let code = shell.run_argv(&command, &mut fx);
        s.play(fx, &mut shell)
            .await
            .map(|_| shell.exited.unwrap_or(code))
    };
    if let Ok(code) = result {
        s.finish(&command, code).await;
    }
}

async fn interactive(s: &mut Session, shell: &mut Shell) -> Result<i32, Gone> {
    let mut editor = LineEditor::default();
    s.send(STDOUT, shell.prompt().as_bytes()).await?;
    loop {
        match s.next_input().await {
            Input::Gone => return Err(Gone),
            Input::Eof => return Ok(shell.status),
            Input::Resize(r, c) => shell.size = Some((r, c)),
            Input::Other => {}
            Input::Stdin(bytes) => {
                for key in editor.feed(&bytes) {
                    match key {
                        // Echo is terminal output already: no \n translation.
                        Key::Echo(e) => {
                            let mut frame = vec![STDOUT];
                            frame.extend_from_slice(&e);
                            s.tx.send(Message::Binary(frame.into()))
                                .await
                                .map_err(|_| Gone)?;
                        }
                        Key::Interrupt => {
                            shell.status = 130;
                            s.send(STDOUT, shell.prompt().as_bytes()).await?;
                        }
                        Key::Eof => {
                            s.send(STDOUT, b"exit\n").await?;
                            return Ok(shell.status);
                        }
                        Key::Line(line) => {
                            let mut fx = Vec::new();
                            shell.run_script(&line, &mut fx);
                            s.play(fx, shell).await?;
                            if let Some(code) = shell.exited {
                                return Ok(code);
                            }
                            s.send(STDOUT, shell.prompt().as_bytes()).await?;
                        }
                    }
                }
            }
        }
    }
}

async fn script_from_stdin(s: &mut Session, shell: &mut Shell) -> Result<i32, Gone> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match s.next_input().await {
            Input::Gone => return Err(Gone),
            Input::Resize(..) | Input::Other => {}
            Input::Stdin(bytes) => {
                buf.extend_from_slice(&bytes);
                while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=nl).collect();
                    let mut fx = Vec::new();
                    shell.run_script(&String::from_utf8_lossy(&line), &mut fx);
                    s.play(fx, shell).await?;
                    if let Some(code) = shell.exited {
                        return Ok(code);
                    }
                }
            }
            Input::Eof => {
                if !buf.is_empty() {
                    let mut fx = Vec::new();
                    shell.run_script(&String::from_utf8_lossy(&buf), &mut fx);
                    s.play(fx, shell).await?;
                }
                return Ok(shell.exited.unwrap_or(shell.status));
            }
        }
    }
}

async fn copy_stdin(s: &mut Session) -> Result<i32, Gone> {
    loop {
        match s.next_input().await {
            Input::Gone => return Err(Gone),
            Input::Eof => return Ok(0),
            Input::Stdin(bytes) => s.send(STDOUT, &bytes).await?,
            Input::Resize(..) | Input::Other => {}
        }
    }
}

/// The open sessions, oldest first (control API).
pub fn list(sim: &Sim) -> Vec<ExecSession> {
    sim.exec_sessions
        .lock()
        .unwrap()
        .values()
        .cloned()
        .collect()
}

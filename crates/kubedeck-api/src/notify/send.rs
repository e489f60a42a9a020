//! Sending one message to one channel: the body each kind's receiver takes, its signature, and whether the
//! receiver accepted it (robots answer 200 with an error code in the body, which counts as a failure).

use super::config::{ChannelConfig, redact_url};
use super::render::{Lang, Message};
use super::{Notice, NoticeStatus, email, sign, webhook};
use serde_json::{Value, json};
use std::time::Duration;

/// What is sent: one notice, or the notices a digest merges.
#[derive(Debug, Clone)]
pub enum Content {
    /// One notice.
    Notice(Notice),
    /// Notices the rate limit held back.
    Digest(Vec<Notice>),
}

impl Content {
    fn notices(&self) -> &[Notice] {
        match self {
            Content::Notice(n) => std::slice::from_ref(n),
            Content::Digest(ns) => ns,
        }
    }

    fn message(&self, lang: Lang) -> Message {
        match self {
            Content::Notice(n) => Message::of_notice(n, lang),
            Content::Digest(ns) => Message::digest(ns, lang),
        }
    }
}

/// The channel as a sender needs it.
pub struct Target<'a> {
    /// Its name (the webhook's `receiver`).
    pub name: &'a str,
    /// Its kind.
    pub kind: &'a str,
    /// Its language.
    pub lang: Lang,
    /// Its opened configuration.
    pub config: &'a ChannelConfig,
}

/// A receiver's answer that counts as delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The HTTP status (`None` for email).
    pub http_status: Option<u16>,
}

/// Why a message was not delivered (never with a secret: URLs appear as their host only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The HTTP status, when the receiver answered.
    pub http_status: Option<u16>,
    /// What happened.
    pub error: String,
    /// Whether sending again later can succeed: a network fault, a 5xx, 408, 429 or a robot's "too fast" can; a
    /// 4xx (a wrong URL, token or signature) or a robot's other refusals would be refused again, so retrying them
    /// only spends the attempts and delays the error the operator must fix.
    pub retryable: bool,
}

impl Refused {
    fn new(http_status: Option<u16>, error: String, retryable: bool) -> Self {
        Refused {
            http_status,
            error,
            retryable,
        }
    }

    /// A refusal that sending again cannot change (the channel's configuration must be fixed).
    pub fn permanent(error: String) -> Self {
        Refused::new(None, error, false)
    }
}

/// Whether an HTTP status is worth another attempt later.
pub fn retryable_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// The robots' own "too many messages" codes (they answer HTTP 200): DingTalk 130101 (20 a minute), WeCom 45009,
/// Feishu 11232. Other codes (a bad signature, a keyword missing, a removed robot) are permanent.
fn robot_busy(kind: &str, code: i64) -> bool {
    matches!(
        (kind, code),
        ("dingtalk", 130101) | ("wecom", 45009) | ("feishu", 11232)
    )
}

/// The HTTP client the senders share (rustls with the system's roots; a timeout per request).
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("Kubedeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client with rustls builds")
}

/// The text of an error and its causes, with any URL cut to its host.
fn describe(e: &(dyn std::error::Error + 'static), url: &str) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        source = s.source();
    }
    format!("{} ({})", parts.join(": "), redact_url(url))
}

/// Sends `content` to the channel. The caller records the outcome.
pub async fn deliver(
    http: &reqwest::Client,
    target: &Target<'_>,
    content: &Content,
    external_url: &str,
    timeout: Duration,
) -> Result<Accepted, Refused> {
    let content = &in_language(absolute_links(content.clone(), external_url), target.lang);
    if target.kind == "email" {
        let msg = content.message(target.lang);
        return tokio::time::timeout(timeout, email::send(target.config, &msg))
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "the SMTP server did not finish within {} s",
                    timeout.as_secs()
                ))
            })
            .map(|()| Accepted { http_status: None })
            // an SMTP failure does not say here whether it was transient: tried again
            .map_err(|error| Refused::new(None, error, true));
    }
    let url = target.config.url.clone().unwrap_or_default();
    let mut req_url = reqwest::Url::parse(&url)
        .map_err(|e| Refused::permanent(format!("the URL cannot be read: {e}")))?;
    let secret = target.config.secret.as_deref().filter(|s| !s.is_empty());
    let body = match target.kind {
        "webhook" => webhook::payload(content.notices(), target.name, external_url),
        "dingtalk" => {
            if let Some(secret) = secret {
                let ts = chrono::Utc::now().timestamp_millis();
                req_url
                    .query_pairs_mut()
                    .append_pair("timestamp", &ts.to_string())
                    .append_pair("sign", &sign::dingtalk(secret, ts));
            }
            dingtalk_body(&content.message(target.lang))
        }
        "wecom" => wecom_body(&content.message(target.lang)),
        "feishu" => {
            let mut body = feishu_body(&content.message(target.lang));
            if let Some(secret) = secret {
                let ts = chrono::Utc::now().timestamp();
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(sign::feishu(secret, ts));
            }
            body
        }
        "slack" => slack_body(&content.message(target.lang)),
        other => {
            return Err(Refused::permanent(format!("unknown channel kind {other}")));
        }
    };
    let mut req = http.post(req_url).json(&body);
    if target.kind == "webhook" {
        if let Some(t) = target
            .config
            .bearer_token
            .as_deref()
            .filter(|t| !t.is_empty())
        {
            req = req.bearer_auth(t);
        } else if let Some(u) = target.config.username.as_deref().filter(|u| !u.is_empty()) {
            req = req.basic_auth(u, target.config.password.as_deref());
        }
    }
    let resp = req
        .send()
        .await
        .map_err(|e| Refused::new(None, describe(&e.without_url(), &url), true))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(Refused::new(
            Some(status),
            format!("the receiver answered HTTP {status}: {}", snippet(&text)),
            retryable_status(status),
        ));
    }
    // robots answer 200 and say in the body whether they took the message
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let code = match target.kind {
        "dingtalk" | "wecom" => answer.get("errcode").and_then(Value::as_i64),
        "feishu" => answer
            .get("code")
            .or_else(|| answer.get("StatusCode"))
            .and_then(Value::as_i64),
        _ => None,
    };
    match code {
        Some(c) if c != 0 => {
            let msg = ["errmsg", "msg", "StatusMessage"]
                .iter()
                .find_map(|k| answer.get(*k).and_then(Value::as_str))
                .unwrap_or("");
            Err(Refused::new(
                Some(status),
                format!("the robot refused the message: code {c}: {msg}"),
                robot_busy(target.kind, c),
            ))
        }
        None if matches!(target.kind, "dingtalk" | "wecom" | "feishu") && answer.is_null() => {
            // a proxy's error page in front of the robot, most likely: tried again
            Err(Refused::new(
                Some(status),
                format!("the robot's answer is not JSON: {}", snippet(&text)),
                true,
            ))
        }
        _ => Ok(Accepted {
            http_status: Some(status),
        }),
    }
}

fn snippet(text: &str) -> String {
    let t: String = text.chars().take(200).collect();
    if t.is_empty() {
        "(empty body)".into()
    } else {
        t
    }
}

/// DingTalk's markdown message (its messages are cut at 20,000 bytes).
fn dingtalk_body(m: &Message) -> Value {
    let text = format!("### {}\n\n{}", m.title, m.markdown("**", 18_000));
    json!({"msgtype": "markdown", "markdown": {"title": m.title, "text": text}})
}

/// WeCom's markdown message (at most 4,096 bytes), colours from its palette: warning orange, info green.
fn wecom_body(m: &Message) -> Value {
    let colour = match m.status {
        NoticeStatus::Firing => "warning",
        NoticeStatus::Resolved => "info",
    };
    let content = format!(
        "<font color=\"{colour}\">**{}**</font>\n{}",
        m.title,
        m.markdown("**", 3_500)
    );
    json!({"msgtype": "markdown", "markdown": {"content": content}})
}

/// Feishu's interactive card: a coloured header and the alerts in lark_md.
fn feishu_body(m: &Message) -> Value {
    let template = match (m.status, m.severity.as_str()) {
        (NoticeStatus::Resolved, _) => "green",
        (_, "critical") => "red",
        (_, "warning") => "orange",
        _ => "blue",
    };
    json!({
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": true},
            "header": {"template": template, "title": {"tag": "plain_text", "content": m.title}},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": m.markdown("**", 20_000)}}],
        },
    })
}

/// Slack's incoming webhook: a fallback text and an attachment coloured by status with the alerts in mrkdwn.
fn slack_body(m: &Message) -> Value {
    let colour = match (m.status, m.severity.as_str()) {
        (NoticeStatus::Resolved, _) => "#2eb886",
        (_, "critical") => "#d00000",
        (_, "warning") => "#daa038",
        _ => "#439fe0",
    };
    // Slack's mrkdwn: *bold*, <url|text> links, and &, <, > escaped
    let text = m
        .markdown("*", 2_800)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let text = slack_links(&text);
    json!({
        "text": m.title,
        "attachments": [{
            "color": colour,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": m.title.chars().take(150).collect::<String>()}},
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            ],
        }],
    })
}

/// Markdown links `[text](url)` as Slack's `<url|text>` (a `[FIRING]` without `(url)` after it stays as it is).
fn slack_links(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(mid) = rest.find("](") {
        let (Some(open), Some(close)) = (rest[..mid].rfind('['), rest[mid..].find(')')) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&format!(
            "<{}|{}>",
            &rest[mid + 2..mid + close],
            &rest[open + 1..mid]
        ));
        rest = &rest[mid + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Maintenance announcements written in the channel's language (the webhook's payload too).
fn in_language(content: Content, lang: Lang) -> Content {
    let zh = lang == Lang::ZhCn;
    match content {
        Content::Notice(n) => Content::Notice(n.in_language(zh)),
        Content::Digest(ns) => Content::Digest(ns.into_iter().map(|n| n.in_language(zh)).collect()),
    }
}

/// Alert links as absolute URLs when Kubedeck's external URL is known (a chat cannot follow a bare path).
fn absolute_links(mut content: Content, external_url: &str) -> Content {
    let base = external_url.trim_end_matches('/');
    if base.is_empty() {
        return content;
    }
    let notices: &mut [Notice] = match &mut content {
        Content::Notice(n) => std::slice::from_mut(n),
        Content::Digest(ns) => ns,
    };
    for a in notices.iter_mut().flat_map(|n| n.alerts.iter_mut()) {
        if a.generator_url.starts_with('/') {
            a.generator_url = format!("{base}{}", a.generator_url);
        }
    }
    content
}

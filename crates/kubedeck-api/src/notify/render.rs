//! What a message says, in the channel's language, before a sender puts it into its receiver's format: a title
//! like `[FIRING:2] KubePodCrashLooping (prod)` and one item per alert (or, for a digest, one line per alert).

use super::{Notice, NoticeAlert, NoticeStatus};
use std::collections::BTreeMap;

/// The language of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    ZhCn,
    /// English.
    En,
}

impl Lang {
    /// The channel's `language` column (`zh-CN` or `en`); anything else is English.
    pub fn of(language: &str) -> Self {
        if language == "zh-CN" {
            Lang::ZhCn
        } else {
            Lang::En
        }
    }
}

/// Words that differ by language.
fn word(lang: Lang, key: &str) -> &'static str {
    match (lang, key) {
        (Lang::ZhCn, "firing") => "告警",
        (Lang::En, "firing") => "FIRING",
        (Lang::ZhCn, "resolved") => "已恢复",
        (Lang::En, "resolved") => "RESOLVED",
        (Lang::ZhCn, "cluster") => "集群",
        (Lang::En, "cluster") => "Cluster",
        (Lang::ZhCn, "namespace") => "命名空间",
        (Lang::En, "namespace") => "Namespace",
        (Lang::ZhCn, "severity") => "级别",
        (Lang::En, "severity") => "Severity",
        (Lang::ZhCn, "started") => "开始时间",
        (Lang::En, "started") => "Started",
        (Lang::ZhCn, "ended") => "恢复时间",
        (Lang::En, "ended") => "Resolved at",
        (Lang::ZhCn, "details") => "查看详情",
        (Lang::En, "details") => "View in Kubedeck",
        (Lang::ZhCn, "node") => "节点",
        (Lang::En, "node") => "Node",
        (Lang::ZhCn, "critical") => "严重",
        (Lang::En, "critical") => "critical",
        (Lang::ZhCn, "warning") => "警告",
        (Lang::En, "warning") => "warning",
        (Lang::ZhCn, "info") => "提示",
        (Lang::En, "info") => "info",
        _ => "",
    }
}

/// A severity in the channel's language (one Kubedeck does not know is shown as it came).
pub fn severity_word(lang: Lang, severity: &str) -> String {
    match word(lang, severity) {
        "" => severity.to_owned(),
        w => w.to_owned(),
    }
}

/// "FIRING" / "告警" or "RESOLVED" / "已恢复".
pub fn status_word(lang: Lang, status: NoticeStatus) -> &'static str {
    match status {
        NoticeStatus::Firing => word(lang, "firing"),
        NoticeStatus::Resolved => word(lang, "resolved"),
    }
}

/// One alert as a message shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Firing or resolved.
    pub status: NoticeStatus,
    /// `alertname`.
    pub name: String,
    /// `severity` in the channel's language.
    pub severity: String,
    /// (label, value) pairs: cluster, namespace, the object.
    pub facts: Vec<(String, String)>,
    /// `summary` (or `description`) annotation.
    pub summary: String,
    /// `description`, when there is a summary too.
    pub description: String,
    /// When it started / ended, as `2026-11-30 10:00:00 UTC`.
    pub started: String,
    /// Set when resolved.
    pub ended: Option<String>,
    /// Where it is seen in Kubedeck.
    pub url: String,
}

/// A message: its title and its items.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// `[FIRING:2] KubePodCrashLooping (prod)`.
    pub title: String,
    /// Firing when any alert fires.
    pub status: NoticeStatus,
    /// The highest severity (English key: critical, warning, info), for colours.
    pub severity: String,
    /// A digest's lead line (`5 more alerts:`); `None` for a notice.
    pub digest_lead: Option<String>,
    /// One per alert.
    pub items: Vec<Item>,
    /// The labels in the channel's language.
    pub lang: Lang,
}

fn fmt_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn alert_name(labels: &BTreeMap<String, String>) -> String {
    labels
        .get("alertname")
        .cloned()
        .unwrap_or_else(|| "alert".into())
}

fn item(a: &NoticeAlert, cluster_name: &str, lang: Lang) -> Item {
    let mut facts = vec![(
        word(lang, "cluster").to_owned(),
        a.labels
            .get("cluster")
            .cloned()
            .unwrap_or_else(|| cluster_name.to_owned()),
    )];
    if let Some(ns) = a.labels.get("namespace") {
        facts.push((word(lang, "namespace").to_owned(), ns.clone()));
    }
    for key in [
        "pod",
        "container",
        "deployment",
        "statefulset",
        "daemonset",
        "job",
        "node",
        "persistentvolumeclaim",
    ] {
        if let Some(v) = a.labels.get(key) {
            let label = match (key, word(lang, key)) {
                (_, "") => key.to_owned(),
                (_, w) => w.to_owned(),
            };
            facts.push((label, v.clone()));
        }
    }
    let summary = a
        .annotations
        .get("summary")
        .or_else(|| a.annotations.get("message"))
        .or_else(|| a.annotations.get("description"))
        .cloned()
        .unwrap_or_default();
    let description = match a.annotations.get("description") {
        Some(d) if *d != summary => d.clone(),
        _ => String::new(),
    };
    Item {
        status: a.status,
        name: alert_name(&a.labels),
        severity: severity_word(
            lang,
            a.labels.get("severity").map(String::as_str).unwrap_or(""),
        ),
        facts,
        summary,
        description,
        started: fmt_time(a.starts_at),
        ended: a.ends_at.map(fmt_time),
        url: a.generator_url.clone(),
    }
}

fn firing_count(notices: &[&Notice]) -> usize {
    notices
        .iter()
        .flat_map(|n| &n.alerts)
        .filter(|a| a.status == NoticeStatus::Firing)
        .count()
}

fn highest_severity<'a>(severities: impl Iterator<Item = &'a str>) -> String {
    severities
        .max_by_key(|s| super::channel::severity_rank(s))
        .unwrap_or("info")
        .to_owned()
}

impl Message {
    /// The message for one notice.
    pub fn of_notice(n: &Notice, lang: Lang) -> Self {
        let name = n
            .group_labels
            .get("alertname")
            .or_else(|| n.common_labels.get("alertname"))
            .cloned()
            .or_else(|| n.alerts.first().map(|a| alert_name(&a.labels)))
            .unwrap_or_else(|| "alert".into());
        let count = match n.status {
            NoticeStatus::Firing => firing_count(&[n]),
            NoticeStatus::Resolved => n.alerts.len(),
        };
        let cluster = match lang {
            Lang::ZhCn => format!("集群 {}", n.cluster_name),
            Lang::En => n.cluster_name.clone(),
        };
        let title = match &n.maintenance {
            Some(m) => m.title(lang == Lang::ZhCn, &n.cluster_name),
            None => format!("[{}:{count}] {name} ({cluster})", status_word(lang, n.status)),
        };
        Self {
            title,
            status: n.status,
            severity: n.severity.clone(),
            digest_lead: None,
            items: n
                .alerts
                .iter()
                .map(|a| item(a, &n.cluster_name, lang))
                .collect(),
            lang,
        }
    }

    /// A digest of notices the rate limit held back: every alert of every notice, one line each.
    pub fn digest(notices: &[Notice], lang: Lang) -> Self {
        let refs: Vec<&Notice> = notices.iter().collect();
        let total: usize = notices.iter().map(|n| n.alerts.len()).sum();
        let firing = firing_count(&refs);
        let status = if firing > 0 {
            NoticeStatus::Firing
        } else {
            NoticeStatus::Resolved
        };
        let (title, lead) = match lang {
            Lang::ZhCn => (
                format!("[告警汇总] 另有 {total} 条告警（{firing} 条告警中）"),
                format!("发送频率已达上限，另有 {total} 条告警："),
            ),
            Lang::En => (
                format!("[DIGEST] {total} more alerts ({firing} firing)"),
                format!("The channel's rate limit was reached; {total} more alerts:"),
            ),
        };
        Self {
            title,
            status,
            severity: highest_severity(notices.iter().map(|n| n.severity.as_str())),
            digest_lead: Some(lead),
            items: notices
                .iter()
                .flat_map(|n| n.alerts.iter().map(move |a| item(a, &n.cluster_name, lang)))
                .collect(),
            lang,
        }
    }

    /// One line per alert, for digests and plain text: `[FIRING] KubePodCrashLooping · prod / default / web-1`.
    pub fn item_line(&self, it: &Item) -> String {
        let facts: Vec<&str> = it.facts.iter().map(|(_, v)| v.as_str()).collect();
        let mut line = format!(
            "[{}] {} · {}",
            status_word(self.lang, it.status),
            it.name,
            facts.join(" / ")
        );
        if !it.summary.is_empty() {
            line.push_str(" — ");
            line.push_str(&it.summary);
        }
        line
    }

    /// Markdown (DingTalk, Feishu's lark_md, Slack's mrkdwn after [`slack_escape`]): a heading per alert with
    /// its facts, or one line per alert in a digest. Cut at about `budget` bytes with "... and N more".
    pub fn markdown(&self, bold: &str, budget: usize) -> String {
        let mut out = String::new();
        if let Some(lead) = &self.digest_lead {
            out.push_str(lead);
            out.push_str("\n\n");
        }
        for (written, it) in self.items.iter().enumerate() {
            let block = if self.digest_lead.is_some() {
                format!("- {}\n", self.item_line(it))
            } else {
                let mut b = format!(
                    "{bold}[{}] {}{bold}\n\n- {}: {}\n",
                    status_word(self.lang, it.status),
                    it.name,
                    word(self.lang, "severity"),
                    it.severity
                );
                for (k, v) in &it.facts {
                    b.push_str(&format!("- {k}: {v}\n"));
                }
                b.push_str(&format!(
                    "- {}: {}\n",
                    word(self.lang, "started"),
                    it.started
                ));
                if let Some(e) = &it.ended {
                    b.push_str(&format!("- {}: {e}\n", word(self.lang, "ended")));
                }
                if !it.summary.is_empty() {
                    b.push_str(&format!("\n{}\n", it.summary));
                }
                if !it.description.is_empty() {
                    b.push_str(&format!("\n{}\n", it.description));
                }
                if it.url.starts_with("http") {
                    b.push_str(&format!("\n[{}]({})\n", word(self.lang, "details"), it.url));
                }
                b.push('\n');
                b
            };
            if out.len() + block.len() > budget && written > 0 {
                out.push_str(&self.more(self.items.len() - written));
                return out;
            }
            out.push_str(&block);
        }
        out
    }

    /// Plain text (email's text part).
    pub fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.title);
        out.push_str(&self.markdown("", usize::MAX));
        out
    }

    /// HTML (email's HTML part): a table per alert.
    pub fn html(&self) -> String {
        let colour = match self.status {
            NoticeStatus::Firing => "#d03050",
            NoticeStatus::Resolved => "#18a058",
        };
        let mut out = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\"><h2 style=\"color:{colour}\">{}</h2>",
            esc(&self.title)
        );
        if let Some(lead) = &self.digest_lead {
            out.push_str(&format!("<p>{}</p><ul>", esc(lead)));
            for it in &self.items {
                out.push_str(&format!("<li>{}</li>", esc(&self.item_line(it))));
            }
            out.push_str("</ul>");
        } else {
            for it in &self.items {
                out.push_str(&format!(
                    "<h3>[{}] {}</h3><table cellpadding=\"4\">",
                    esc(status_word(self.lang, it.status)),
                    esc(&it.name)
                ));
                let mut rows = vec![(word(self.lang, "severity").to_owned(), it.severity.clone())];
                rows.extend(it.facts.iter().cloned());
                rows.push((word(self.lang, "started").to_owned(), it.started.clone()));
                if let Some(e) = &it.ended {
                    rows.push((word(self.lang, "ended").to_owned(), e.clone()));
                }
                for (k, v) in rows {
                    out.push_str(&format!(
                        "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
                        esc(&k),
                        esc(&v)
                    ));
                }
                out.push_str("</table>");
                for p in [&it.summary, &it.description] {
                    if !p.is_empty() {
                        out.push_str(&format!("<p>{}</p>", esc(p)));
                    }
                }
                if it.url.starts_with("http") {
                    out.push_str(&format!(
                        "<p><a href=\"{}\">{}</a></p>",
                        esc(&it.url),
                        esc(word(self.lang, "details"))
                    ));
                }
            }
        }
        out.push_str("</body></html>");
        out
    }

    fn more(&self, n: usize) -> String {
        match self.lang {
            Lang::ZhCn => format!("……另有 {n} 条告警未列出\n"),
            Lang::En => format!("... and {n} more alerts\n"),
        }
    }
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn sample(status: NoticeStatus, n: usize) -> Notice {
        let alerts = (0..n)
            .map(|i| NoticeAlert {
                alert_id: i as i64 + 1,
                status,
                labels: [
                    ("alertname", "KubePodCrashLooping"),
                    ("severity", "critical"),
                    ("namespace", "default"),
                    ("pod", &format!("web-{i}")),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
                annotations: [("summary".to_owned(), "Pod is crash looping.".to_owned())].into(),
                starts_at: chrono::Utc
                    .with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
                    .unwrap(),
                ends_at: None,
                fingerprint: format!("fp{i}"),
                generator_url: format!("/clusters/1/alerts/{}", i + 1),
            })
            .collect();
        Notice {
            group_key: "1:KubePodCrashLooping".into(),
            status,
            cluster_id: 1,
            cluster_name: "prod".into(),
            group_labels: [("alertname".to_owned(), "KubePodCrashLooping".to_owned())].into(),
            common_labels: Default::default(),
            common_annotations: Default::default(),
            severity: "critical".into(),
            alerts,
            maintenance: None,
        }
    }

    #[test]
    fn titles_say_status_count_name_and_cluster_in_the_channel_language() {
        let n = sample(NoticeStatus::Firing, 2);
        assert_eq!(
            Message::of_notice(&n, Lang::En).title,
            "[FIRING:2] KubePodCrashLooping (prod)"
        );
        assert_eq!(
            Message::of_notice(&n, Lang::ZhCn).title,
            "[告警:2] KubePodCrashLooping (集群 prod)"
        );
        let r = sample(NoticeStatus::Resolved, 1);
        assert_eq!(
            Message::of_notice(&r, Lang::ZhCn).title,
            "[已恢复:1] KubePodCrashLooping (集群 prod)"
        );
        let zh = Message::of_notice(&n, Lang::ZhCn).markdown("**", 10_000);
        assert!(
            zh.contains("命名空间: default") && zh.contains("级别: 严重"),
            "{zh}"
        );
    }

    #[test]
    fn a_digest_lists_every_alert_and_a_long_message_is_cut_with_a_count() {
        let d = Message::digest(
            &[
                sample(NoticeStatus::Firing, 3),
                sample(NoticeStatus::Firing, 2),
            ],
            Lang::En,
        );
        assert_eq!(d.title, "[DIGEST] 5 more alerts (5 firing)");
        let md = d.markdown("**", 100_000);
        assert_eq!(md.matches("KubePodCrashLooping").count(), 5, "{md}");
        let cut =
            Message::of_notice(&sample(NoticeStatus::Firing, 50), Lang::En).markdown("**", 1000);
        assert!(cut.len() < 1500 && cut.contains("more alerts"), "{cut}");
    }
}

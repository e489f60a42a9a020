//! A channel's configuration: where and how it sends. Stored sealed as JSON (it holds the URL's access token,
//! signing secrets and the SMTP password); what may be shown of it is its [`Summary`].

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the email channel talks to its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS before logging in (port 587); refused if the server cannot.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a local test sink.
    None,
}

/// The whole configuration of a channel, secrets included (fields a kind does not use stay empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// webhook, dingtalk, wecom, feishu, slack: the URL to post to, with its access token or key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// dingtalk (`SEC...`) and feishu: the signing secret of a robot with signature verification on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// webhook: sent as `Authorization: Bearer ...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
    /// webhook: basic authentication user (with `password`); email: the SMTP login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// webhook: basic authentication password; email: the SMTP password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// email: the SMTP server's host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_host: Option<String>,
    /// email: its port (default 587 with STARTTLS, 465 with TLS, 25 without).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_port: Option<u16>,
    /// email: starttls (default), tls or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_security: Option<SmtpSecurity>,
    /// email: a PEM CA certificate to trust for the SMTP server besides the system's (an internal relay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_ca_pem: Option<String>,
    /// email: the sender address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// email: the recipients.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

/// What the API shows of a configuration: never a secret, and of a URL only its host (its path and query hold
/// the robot's token).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    /// The URL's scheme and host (`https://oapi.dingtalk.com`).
    pub url_host: Option<String>,
    /// A URL is set.
    pub url_set: bool,
    /// A signing secret is set.
    pub secret_set: bool,
    /// A bearer token is set.
    pub bearer_token_set: bool,
    /// The user name (webhook basic auth, SMTP login).
    pub username: Option<String>,
    /// A password is set.
    pub password_set: bool,
    /// SMTP host.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: Option<u16>,
    /// SMTP security.
    pub smtp_security: Option<SmtpSecurity>,
    /// A CA certificate is set for the SMTP server.
    pub smtp_ca_set: bool,
    /// Sender.
    pub from: Option<String>,
    /// Recipients.
    pub to: Vec<String>,
}

/// `https://host[:port]` of a URL, without its path, query or user info (where a token could be).
pub fn url_host(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

/// A URL as an error message may show it: scheme and host, the rest elided.
pub fn redact_url(url: &str) -> String {
    match url_host(url) {
        Some(h) => format!("{h}/…"),
        None => "(the channel's URL)".into(),
    }
}

fn set(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.is_empty())
}

impl ChannelConfig {
    /// What may be shown of it.
    pub fn summary(&self) -> Summary {
        Summary {
            url_host: self.url.as_deref().and_then(url_host),
            url_set: set(&self.url),
            secret_set: set(&self.secret),
            bearer_token_set: set(&self.bearer_token),
            username: self.username.clone().filter(|u| !u.is_empty()),
            password_set: set(&self.password),
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port,
            smtp_security: self.smtp_security,
            smtp_ca_set: set(&self.smtp_ca_pem),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    /// An edit: the fields sent replace the stored ones; a secret (URL, secret, token, password, CA) that is
    /// not sent again is kept, so the console can save a form without knowing the secrets. An empty string
    /// clears a field.
    pub fn merged_over(self, stored: &ChannelConfig) -> ChannelConfig {
        fn keep(new: Option<String>, old: &Option<String>) -> Option<String> {
            match new {
                None => old.clone(),
                Some(s) if s.is_empty() => None,
                Some(s) => Some(s),
            }
        }
        ChannelConfig {
            url: keep(self.url, &stored.url),
            secret: keep(self.secret, &stored.secret),
            bearer_token: keep(self.bearer_token, &stored.bearer_token),
            username: keep(self.username, &stored.username),
            password: keep(self.password, &stored.password),
            smtp_host: keep(self.smtp_host, &stored.smtp_host),
            smtp_port: self.smtp_port.or(stored.smtp_port),
            smtp_security: self.smtp_security.or(stored.smtp_security),
            smtp_ca_pem: keep(self.smtp_ca_pem, &stored.smtp_ca_pem),
            from: keep(self.from, &stored.from),
            to: if self.to.is_empty() {
                stored.to.clone()
            } else {
                self.to
            },
        }
    }

    /// The SMTP port, by default the one the security mode uses.
    pub fn smtp_port_or_default(&self) -> u16 {
        self.smtp_port
            .unwrap_or(match self.smtp_security.unwrap_or_default() {
                SmtpSecurity::Starttls => 587,
                SmtpSecurity::Tls => 465,
                SmtpSecurity::None => 25,
            })
    }
}

/// Why a configuration is refused: the field (`config.url`) and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblem {
    /// A required field is missing.
    Required(&'static str),
    /// A URL that is not http(s) with a host.
    BadUrl(&'static str, String),
    /// An address that is not `name@domain`.
    BadEmail(&'static str, String),
    /// Any other bad value.
    Invalid(&'static str, String),
}

/// Whether `s` looks like an email address: `local@domain.tld`, no spaces or angle brackets (which would let a
/// value add SMTP commands or headers).
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 253
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !"<>()[],;:\\\"".contains(c))
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

fn check_url(url: &Option<String>) -> Result<(), ConfigProblem> {
    let Some(url) = url.as_deref().filter(|u| !u.is_empty()) else {
        return Err(ConfigProblem::Required("config.url"));
    };
    match reqwest::Url::parse(url) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some() => {
            Ok(())
        }
        Ok(u) => Err(ConfigProblem::BadUrl(
            "config.url",
            format!(
                "the URL must be http or https with a host, not {}:",
                u.scheme()
            ),
        )),
        Err(e) => Err(ConfigProblem::BadUrl(
            "config.url",
            format!("the URL cannot be read: {e}"),
        )),
    }
}

impl ChannelConfig {
    /// Checks the fields `kind` needs.
    pub fn validate(&self, kind: &str) -> Result<(), ConfigProblem> {
        match kind {
            "email" => {
                let host = self.smtp_host.as_deref().unwrap_or("");
                if host.is_empty() {
                    return Err(ConfigProblem::Required("config.smtp_host"));
                }
                if host
                    .chars()
                    .any(|c| c.is_whitespace() || c == '/' || c == '@')
                {
                    return Err(ConfigProblem::Invalid(
                        "config.smtp_host",
                        "a host name or address".into(),
                    ));
                }
                let from = self.from.as_deref().unwrap_or("");
                if from.is_empty() {
                    return Err(ConfigProblem::Required("config.from"));
                }
                if !valid_email(from) {
                    return Err(ConfigProblem::BadEmail("config.from", from.to_owned()));
                }
                if self.to.is_empty() {
                    return Err(ConfigProblem::Required("config.to"));
                }
                if let Some(bad) = self.to.iter().find(|t| !valid_email(t)) {
                    return Err(ConfigProblem::BadEmail("config.to", bad.clone()));
                }
                if set(&self.password) && !set(&self.username) {
                    return Err(ConfigProblem::Required("config.username"));
                }
                Ok(())
            }
            _ => {
                check_url(&self.url)?;
                if set(&self.password) != set(&self.username) && kind == "webhook" {
                    return Err(ConfigProblem::Required(if set(&self.password) {
                        "config.username"
                    } else {
                        "config.password"
                    }));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_show_the_host_and_which_secrets_are_set_never_the_secrets() {
        let c = ChannelConfig {
            url: Some("https://oapi.dingtalk.com/robot/send?access_token=abc123".into()),
            secret: Some("SECxyz".into()),
            ..Default::default()
        };
        let s = c.summary();
        assert_eq!(s.url_host.as_deref(), Some("https://oapi.dingtalk.com"));
        assert!(s.secret_set && s.url_set && !s.password_set);
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            !json.contains("abc123") && !json.contains("SECxyz"),
            "{json}"
        );
        assert_eq!(
            redact_url("http://u:p@127.0.0.1:9/hook/tok?key=1"),
            "http://127.0.0.1:9/…"
        );
    }

    #[test]
    fn an_edit_keeps_secrets_not_sent_again_and_clears_empty_ones() {
        let stored = ChannelConfig {
            url: Some("https://x/hook?k=1".into()),
            secret: Some("s".into()),
            ..Default::default()
        };
        let edit = ChannelConfig {
            secret: Some(String::new()),
            ..Default::default()
        };
        let merged = edit.merged_over(&stored);
        assert_eq!(merged.url.as_deref(), Some("https://x/hook?k=1"));
        assert_eq!(merged.secret, None);
    }

    #[test]
    fn urls_must_be_http_and_addresses_plain() {
        let bad = ChannelConfig {
            url: Some("ftp://x/y".into()),
            ..Default::default()
        };
        assert!(matches!(
            bad.validate("webhook"),
            Err(ConfigProblem::BadUrl("config.url", _))
        ));
        assert!(valid_email("ops@example.com"));
        assert!(!valid_email("ops@example.com>\r\nRCPT TO:<x@y.z"));
        assert!(!valid_email("no-at-sign"));
    }
}

//! A small client for the Prometheus an operator links to a cluster (issue 16, application metrics): the
//! link check (`/api/v1/status/buildinfo`), instant and range queries, and series lookups, each bounded in time
//! (the link's timeout) and size ([`MAX_BODY_BYTES`]), following no redirects, with the password or token only
//! ever in the request's `Authorization` header (never in a URL, a log line or an error).

use kubedeck_store::prometheus::PrometheusAuth;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::ToSchema;

/// The most a Prometheus answer may weigh: a chart needs far less, and a runaway query must not fill memory.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The most series one answer keeps (the rest are cut and `truncated` is set).
pub const MAX_SERIES: usize = 500;

/// Why a call to Prometheus failed.
#[derive(Debug, thiserror::Error)]
pub enum PromError {
    /// No answer: connection refused, DNS, TLS, or the timeout.
    #[error("Prometheus at {url} cannot be reached: {detail}")]
    Unreachable {
        /// Scheme, host and port.
        url: String,
        /// What failed.
        detail: String,
    },
    /// 401 or 403: the credentials are wrong or missing.
    #[error("Prometheus refused the credentials (HTTP {status})")]
    Rejected {
        /// The HTTP status.
        status: u16,
    },
    /// Prometheus could not run the query (`bad_data`): its own message.
    #[error("{0}")]
    BadQuery(String),
    /// An answer that is not Prometheus's (a redirect, an HTML page, an error status, too large).
    #[error("{detail}")]
    NotPrometheus {
        /// The HTTP status, when there was one.
        status: Option<u16>,
        /// What was wrong.
        detail: String,
    },
}

/// One time series: its labels and `[unix seconds, value]` points (`null` for NaN or ±Inf, which JSON lacks).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Series {
    /// The series' labels (`__name__` included when Prometheus kept it).
    pub labels: BTreeMap<String, String>,
    /// `[t, v]` pairs, oldest first.
    #[schema(value_type = Vec<Vec<f64>>)]
    pub values: Vec<(f64, Option<f64>)>,
}

/// A linked Prometheus, ready to be asked.
pub struct Prometheus {
    base: String,
    auth: PrometheusAuth,
    http: reqwest::Client,
}

/// `scheme://host:port` of a URL, for messages (never a path, user or query).
pub fn origin(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or_default(),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "(invalid URL)".to_owned(),
    }
}

/// The error and its causes, one sentence (reqwest's outer error alone says little: "error sending request").
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer in time".to_owned();
    }
    let mut parts = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        let t = s.to_string();
        if !parts.iter().any(|p: &String| p.contains(&t)) {
            parts.push(t);
        }
        source = s.source();
    }
    if parts.is_empty() {
        parts.push("the request failed".to_owned());
    }
    parts.join(": ")
}

/// The certificates of a PEM bundle (a link's own CAs), or why it is not one.
pub fn parse_ca(pem: &str) -> Result<Vec<reqwest::Certificate>, String> {
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into());
    }
    match reqwest::Certificate::from_pem_bundle(pem.as_bytes()) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err("no certificate in it".into()),
        Err(e) => Err(format!("not a PEM certificate bundle: {}", describe(&e))),
    }
}

impl Prometheus {
    /// A client for `base` (validated by the caller) with the link's credentials and limits. With `ca`, those
    /// certificates are the only ones trusted for this link (a private CA), not the machine's store.
    pub fn new(
        base: &str,
        auth: PrometheusAuth,
        insecure: bool,
        ca: Vec<reqwest::Certificate>,
        timeout: Duration,
    ) -> Self {
        let mut builder = reqwest::Client::builder();
        if !ca.is_empty() {
            builder = builder.tls_built_in_root_certs(false);
            for c in ca {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // a redirect could carry the Authorization header elsewhere: none is followed
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(insecure)
            .user_agent(concat!("Kubedeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with rustls builds");
        Self {
            base: base.trim_end_matches('/').to_owned(),
            auth,
            http,
        }
    }

    fn unreachable(&self, detail: String) -> PromError {
        PromError::Unreachable {
            url: origin(&self.base),
            detail,
        }
    }

    /// POSTs a form to an API path and returns its `data`, mapping every way it can fail.
    async fn call(&self, path: &str, form: &[(&str, String)]) -> Result<Value, PromError> {
        let mut req = self.http.post(format!("{}{path}", self.base)).form(form);
        req = match &self.auth {
            PrometheusAuth::None => req,
            PrometheusAuth::Basic { username, password } => {
                req.basic_auth(username, Some(password))
            }
            PrometheusAuth::Bearer { token } => req.bearer_auth(token),
        };
        let mut resp = req
            .send()
            .await
            .map_err(|e| self.unreachable(describe(&e)))?;
        let status = resp.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(PromError::Rejected {
                status: status.as_u16(),
            });
        }
        if status.is_redirection() {
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(origin)
                .unwrap_or_default();
            return Err(PromError::NotPrometheus {
                status: Some(status.as_u16()),
                detail: format!(
                    "the URL redirects (HTTP {}) to {to}; link the URL Prometheus answers at",
                    status.as_u16()
                ),
            });
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    if body.len() + c.len() > MAX_BODY_BYTES {
                        return Err(PromError::NotPrometheus {
                            status: Some(status.as_u16()),
                            detail: format!(
                                "the answer is larger than {} MiB; narrow the query or the time range",
                                MAX_BODY_BYTES / 1024 / 1024
                            ),
                        });
                    }
                    body.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) => return Err(self.unreachable(describe(&e))),
            }
        }
        let json: Value = serde_json::from_slice(&body).map_err(|_| PromError::NotPrometheus {
            status: Some(status.as_u16()),
            detail: format!(
                "the answer (HTTP {}) is not Prometheus's JSON; is this the Prometheus base URL?",
                status.as_u16()
            ),
        })?;
        match json["status"].as_str() {
            Some("success") => Ok(json["data"].clone()),
            Some("error") => {
                let message = json["error"].as_str().unwrap_or("unknown error").to_owned();
                // bad_data: the PromQL does not parse; execution: it parses but cannot be evaluated (many-to-many, ...)
                if json["errorType"] == "bad_data" || json["errorType"] == "execution" {
                    Err(PromError::BadQuery(message))
                } else if json["errorType"] == "timeout" || json["errorType"] == "canceled" {
                    Err(self.unreachable(message))
                } else {
                    Err(PromError::NotPrometheus {
                        status: Some(status.as_u16()),
                        detail: message,
                    })
                }
            }
            _ => Err(PromError::NotPrometheus {
                status: Some(status.as_u16()),
                detail: format!(
                    "the answer (HTTP {}) is not Prometheus's; is this the Prometheus base URL?",
                    status.as_u16()
                ),
            }),
        }
    }

    /// The link check: Prometheus's version from `/api/v1/status/buildinfo`.
    pub async fn version(&self) -> Result<String, PromError> {
        // buildinfo takes GET only
        let mut req = self
            .http
            .get(format!("{}/api/v1/status/buildinfo", self.base));
        req = match &self.auth {
            PrometheusAuth::None => req,
            PrometheusAuth::Basic { username, password } => {
                req.basic_auth(username, Some(password))
            }
            PrometheusAuth::Bearer { token } => req.bearer_auth(token),
        };
        let resp = req
            .send()
            .await
            .map_err(|e| self.unreachable(describe(&e)))?;
        let status = resp.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(PromError::Rejected {
                status: status.as_u16(),
            });
        }
        let not_prometheus = |detail: String| PromError::NotPrometheus {
            status: Some(status.as_u16()),
            detail,
        };
        if status.is_redirection() {
            return Err(not_prometheus(format!(
                "the URL redirects (HTTP {}); link the URL Prometheus answers at",
                status.as_u16()
            )));
        }
        if resp.content_length().is_some_and(|l| l > 1024 * 1024) {
            return Err(not_prometheus("the build information is too large".into()));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.unreachable(describe(&e)))?;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match json["data"]["version"].as_str() {
            Some(v) if json["status"] == "success" => Ok(v.to_owned()),
            _ => Err(not_prometheus(format!(
                "{}/api/v1/status/buildinfo (HTTP {}) is not Prometheus's build information; is this the \
                 Prometheus base URL?",
                origin(&self.base),
                status.as_u16()
            ))),
        }
    }

    /// `query_range`: the matrix, at most [`MAX_SERIES`] series (`true` when more were cut).
    pub async fn query_range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<(Vec<Series>, bool), PromError> {
        let data = self
            .call(
                "/api/v1/query_range",
                &[
                    ("query", query.to_owned()),
                    ("start", format!("{start}")),
                    ("end", format!("{end}")),
                    ("step", format!("{step}")),
                ],
            )
            .await?;
        Ok(series_of(&data))
    }

    /// An instant query at `time`: each series with one point.
    pub async fn query(&self, query: &str, time: f64) -> Result<(Vec<Series>, bool), PromError> {
        let data = self
            .call(
                "/api/v1/query",
                &[("query", query.to_owned()), ("time", format!("{time}"))],
            )
            .await?;
        Ok(series_of(&data))
    }

    /// The label sets of the series `matcher` selects between `start` and `end`.
    pub async fn series(
        &self,
        matcher: &str,
        start: f64,
        end: f64,
    ) -> Result<Vec<BTreeMap<String, String>>, PromError> {
        let data = self
            .call(
                "/api/v1/series",
                &[
                    ("match[]", matcher.to_owned()),
                    ("start", format!("{start}")),
                    ("end", format!("{end}")),
                ],
            )
            .await?;
        Ok(data
            .as_array()
            .map(|a| a.iter().map(labels_of).collect())
            .unwrap_or_default())
    }
}

fn labels_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// A sample `[t, "v"]`: Prometheus writes values as strings so NaN and ±Inf survive; JSON has no such numbers.
fn point(v: &Value) -> Option<(f64, Option<f64>)> {
    let t = v.get(0)?.as_f64()?;
    let value = v
        .get(1)?
        .as_str()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|x| x.is_finite());
    Some((t, value))
}

/// The series of a `matrix` or `vector` (a `scalar` is one series without labels).
fn series_of(data: &Value) -> (Vec<Series>, bool) {
    let result = &data["result"];
    if data["resultType"] == "scalar" {
        return (
            point(result)
                .map(|p| {
                    vec![Series {
                        labels: BTreeMap::new(),
                        values: vec![p],
                    }]
                })
                .unwrap_or_default(),
            false,
        );
    }
    let rows = result.as_array().map(Vec::as_slice).unwrap_or_default();
    let out = rows
        .iter()
        .take(MAX_SERIES)
        .map(|r| Series {
            labels: labels_of(&r["metric"]),
            values: match r.get("values").and_then(Value::as_array) {
                Some(vs) => vs.iter().filter_map(point).collect(),
                None => point(&r["value"]).into_iter().collect(),
            },
        })
        .collect();
    (out, rows.len() > MAX_SERIES)
}

/// A PromQL string literal's content: backslashes and quotes escaped.
pub fn promql_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A regular expression matching exactly these names (RE2 syntax, as Prometheus anchors `=~`).
pub fn exact_names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c.to_string()
                    } else {
                        format!("\\{c}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_that_json_cannot_hold_become_null() {
        let (s, cut) = series_of(&json!({"resultType": "matrix", "result": [
            {"metric": {"pod": "a"}, "values": [[1.5, "2"], [2.5, "NaN"], [3.5, "+Inf"]]}]}));
        assert!(!cut);
        assert_eq!(s[0].labels["pod"], "a");
        assert_eq!(
            s[0].values,
            vec![(1.5, Some(2.0)), (2.5, None), (3.5, None)]
        );
    }

    #[test]
    fn pod_names_become_an_exact_alternation() {
        let names = vec!["web-1.x".to_owned(), "web-2".to_owned()];
        assert_eq!(exact_names(&names), "web-1\\.x|web-2");
        assert_eq!(promql_string(r#"a"b\c"#), r#"a\"b\\c"#);
    }
}

//! Kube errors mapped once: API refusals pass through with their status; transport failures become
//! "cluster unreachable"; 401 means the credential itself was refused.

use std::time::Duration;

/// What went wrong talking to a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The API server could not be reached (DNS, TCP, TLS, timeout).
    #[error("cluster unreachable: {0}")]
    Unreachable(String),
    /// The API server refused the credential (401): expired, revoked, or wrong.
    #[error("the cluster rejected the credential (expired or revoked?): {0}")]
    CredentialRejected(String),
    /// The API server answered with an error status (403, 404, 409, 422, 429 ...).
    #[error("{message}")]
    Api {
        /// HTTP status from the API server.
        code: u16,
        /// Kubernetes' reason (`Forbidden`, `NotFound`, `Conflict` ...).
        reason: String,
        /// Kubernetes' message.
        message: String,
    },
    /// The call did not finish in time.
    #[error("the cluster did not answer within {0:?}")]
    Timeout(Duration),
    /// Anything else (bad configuration, unexpected response).
    #[error("{0}")]
    Other(String),
}

impl ClusterError {
    /// A short reason for status displays: `unreachable`, `credential rejected`, `forbidden`, ...
    pub fn reason(&self) -> &'static str {
        match self {
            ClusterError::Unreachable(_) | ClusterError::Timeout(_) => "unreachable",
            ClusterError::CredentialRejected(_) => "credential rejected",
            ClusterError::Api { code: 403, .. } => "forbidden",
            ClusterError::Api { .. } => "api error",
            ClusterError::Other(_) => "error",
        }
    }
}

impl From<kube::Error> for ClusterError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(status) => {
                let code = status.code;
                if code == 401 {
                    ClusterError::CredentialRejected(status.message.clone())
                } else {
                    ClusterError::Api {
                        code,
                        reason: status.reason.clone(),
                        message: status.message.clone(),
                    }
                }
            }
            kube::Error::HyperError(e) => ClusterError::Unreachable(chain(&e)),
            kube::Error::Service(e) => ClusterError::Unreachable(chain(e.as_ref())),
            kube::Error::HttpError(e) => ClusterError::Unreachable(e.to_string()),
            other => ClusterError::Other(chain(&other)),
        }
    }
}

/// The error and its causes on one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

/// Runs a unary call with a deadline (kube's client has no read timeout, to keep watches alive).
pub async fn within<T>(
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, ClusterError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.map_err(ClusterError::from),
        Err(_) => Err(ClusterError::Timeout(limit)),
    }
}

//! HTTPS served by Kubedeck itself (`--tls-cert` and `--tls-key`, PEM files), for installations without a proxy in
//! front. The files are read again when they change (a renewed certificate from cert-manager or certbot is picked
//! up without a restart); a pair that does not load keeps the one in use and says why in the log.

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How often the files are checked for a change.
const RELOAD_EVERY: Duration = Duration::from_secs(5);
/// A client that has not finished its handshake by then is dropped (it holds a socket, not the accept loop).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate and key files.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Answers every handshake with the pair loaded last.
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().expect("certificate lock").clone())
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the pair and checks that the key belongs to the certificate.
fn load(files: &CertFiles) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("reading the certificate {}", files.cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading the certificate {}", files.cert.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "{} holds no PEM certificate",
        files.cert.display()
    );
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("reading the private key {}", files.key.display()))?;
    let key = provider()
        .key_provider
        .load_private_key(key)
        .with_context(|| format!("loading the private key {}", files.key.display()))?;
    let pair = CertifiedKey::new(chain, key);
    pair.keys_match().with_context(|| {
        format!(
            "the key {} does not belong to the certificate {}",
            files.key.display(),
            files.cert.display()
        )
    })?;
    Ok(pair)
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// A listener whose connections are TLS streams: TCP connections are accepted at once and their handshakes run
/// each in a task of its own, so a slow or silent client never holds up the others.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Loads the pair (an error here stops the start: better than serving a wrong certificate) and starts
    /// accepting, and watching the files.
    pub fn new(tcp: TcpListener, files: CertFiles) -> anyhow::Result<TlsListener> {
        let current = Arc::new(Current(RwLock::new(Arc::new(load(&files)?))));
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        // out of file descriptors and the like: wait instead of spinning
                        tracing::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let (acceptor, ready) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = ready.send((tls, peer)).await;
                        }
                        // plain HTTP on the HTTPS port, scanners, expired client patience: not the server's problem
                        Ok(Err(e)) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
                if tx.is_closed() {
                    return;
                }
            }
        });
        tokio::spawn(watch(files, current));
        Ok(TlsListener { ready, local })
    }
}

/// Loads the pair again whenever either file's modification time changes.
async fn watch(files: CertFiles, current: Arc<Current>) {
    let mut seen = (modified(&files.cert), modified(&files.key));
    loop {
        tokio::time::sleep(RELOAD_EVERY).await;
        let now = (modified(&files.cert), modified(&files.key));
        if now == seen {
            continue;
        }
        seen = now;
        match load(&files) {
            Ok(pair) => {
                *current.0.write().expect("certificate lock") = Arc::new(pair);
                tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded");
            }
            // a half-written renewal is usually followed by the complete one: keep serving the old pair until then
            Err(e) => tracing::error!(
                "the TLS certificate was not reloaded, the previous one stays in use: {e:#}"
            ),
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // the accept task ended (it never does on its own): accept nothing more
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// `--http-redirect-listen`: answers every plain-HTTP request with a permanent redirect (308, which keeps the
/// method and body) to the same host, path and query over HTTPS on `https_port`. A request without a usable `Host`
/// is refused (400): there is nowhere to send it.
pub async fn redirect_to_https(listener: TcpListener, https_port: u16) {
    use axum::http::{StatusCode, Uri, header};
    use axum::response::IntoResponse;
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap, uri: Uri| async move {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.parse::<axum::http::uri::Authority>().ok());
        let Some(host) = host else {
            return (StatusCode::BAD_REQUEST, "a Host header is needed to redirect to HTTPS\n").into_response();
        };
        let port = if https_port == 443 { String::new() } else { format!(":{https_port}") };
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let target = format!("https://{}{port}{path}", host.host());
        (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, target)]).into_response()
    });
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!("the HTTP redirect listener stopped: {e}");
    }
}

//! The email channel: a small SMTP client (EHLO, STARTTLS or implicit TLS, AUTH PLAIN, one message to every
//! recipient) over tokio and the rustls that kube already builds. A full mail library would add more build time
//! than this whole file needs; alerts need no attachments, only a text part and an HTML part.

use super::config::{ChannelConfig, SmtpSecurity};
use super::render::Message;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

struct Session {
    io: BufReader<Box<dyn Stream>>,
}

impl Session {
    /// Reads one reply (all its lines) and checks its code is `want`'s first digit class.
    async fn reply(&mut self, want: u16, what: &str) -> Result<String, String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n =
                self.io.read_line(&mut line).await.map_err(|e| {
                    format!("the SMTP server closed the connection during {what}: {e}")
                })?;
            if n == 0 {
                return Err(format!(
                    "the SMTP server closed the connection during {what}"
                ));
            }
            all.push_str(&line);
            // `250-...` continues, `250 ...` ends the reply
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        let code: u16 = all.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        if code / 100 != want / 100 {
            return Err(format!(
                "the SMTP server refused {what}: {}",
                all.trim_end()
            ));
        }
        Ok(all)
    }

    async fn send(&mut self, line: &str) -> Result<(), String> {
        self.io
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(|e| format!("cannot write to the SMTP server: {e}"))
    }

    async fn command(&mut self, line: &str, want: u16, what: &str) -> Result<String, String> {
        self.send(line).await?;
        self.reply(want, what).await
    }
}

fn tls_config(cfg: &ChannelConfig) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(pem) = cfg.smtp_ca_pem.as_deref().filter(|p| !p.is_empty()) {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("the SMTP CA certificate cannot be read: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("the SMTP CA certificate is not usable: {e}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

async fn tls_wrap(
    stream: Box<dyn Stream>,
    host: &str,
    cfg: &ChannelConfig,
) -> Result<Box<dyn Stream>, String> {
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| format!("{host} is not a host name TLS can check"))?;
    let tls = tokio_rustls::TlsConnector::from(tls_config(cfg)?)
        .connect(name, stream)
        .await
        .map_err(|e| format!("TLS with the SMTP server {host} failed: {e}"))?;
    Ok(Box::new(tls))
}

/// RFC 2047 encoded word, so a Chinese subject survives every mail server.
fn header_word(s: &str) -> String {
    if s.is_ascii() {
        s.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", B64.encode(s))
    }
}

/// Base64 in lines of 76, as MIME wants.
fn base64_lines(s: &str) -> String {
    let b = B64.encode(s);
    b.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The message: headers and a multipart/alternative body with a text and an HTML part.
pub fn mime_message(from: &str, to: &[String], msg: &Message, host: &str) -> String {
    let boundary = format!("kubedeck-{}", uuid::Uuid::new_v4().simple());
    let date = chrono::Utc::now().to_rfc2822();
    let domain = from.rsplit_once('@').map(|(_, d)| d).unwrap_or(host);
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@{domain}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{text}\r\n\
         --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{html}\r\n\
         --{boundary}--\r\n",
        to = to.join(", "),
        subject = header_word(&msg.title),
        id = uuid::Uuid::new_v4().simple(),
        text = base64_lines(&msg.text()),
        html = base64_lines(&msg.html()),
    )
}

/// Sends `msg` to the channel's recipients. Errors are sentences without the password.
pub async fn send(cfg: &ChannelConfig, msg: &Message) -> Result<(), String> {
    let host = cfg.smtp_host.clone().unwrap_or_default();
    let port = cfg.smtp_port_or_default();
    let security = cfg.smtp_security.unwrap_or_default();
    let from = cfg.from.clone().unwrap_or_default();
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot reach the SMTP server {host}:{port}: {e}"))?;
    let mut stream: Box<dyn Stream> = Box::new(tcp);
    if security == SmtpSecurity::Tls {
        stream = tls_wrap(stream, &host, cfg).await?;
    }
    let mut s = Session {
        io: BufReader::new(stream),
    };
    s.reply(220, "the greeting").await?;
    let ehlo = s.command("EHLO kubedeck", 250, "EHLO").await?;
    if security == SmtpSecurity::Starttls {
        if !ehlo.lines().any(|l| {
            l.get(4..)
                .is_some_and(|k| k.trim().eq_ignore_ascii_case("STARTTLS"))
        }) {
            return Err(format!(
                "the SMTP server {host}:{port} does not offer STARTTLS; choose security \"tls\" for port 465, \
                 or \"none\" only for a relay on a trusted network"
            ));
        }
        s.command("STARTTLS", 220, "STARTTLS").await?;
        let plain = s.io.into_inner();
        s = Session {
            io: BufReader::new(tls_wrap(plain, &host, cfg).await?),
        };
        s.command("EHLO kubedeck", 250, "EHLO after STARTTLS")
            .await?;
    }
    if let Some(user) = cfg.username.as_deref().filter(|u| !u.is_empty()) {
        let password = cfg.password.as_deref().unwrap_or("");
        let token = B64.encode(format!("\0{user}\0{password}"));
        s.command(
            &format!("AUTH PLAIN {token}"),
            235,
            "the login (AUTH PLAIN)",
        )
        .await
        .map_err(|e| format!("{e} (user {user})"))?;
    }
    s.command(&format!("MAIL FROM:<{from}>"), 250, "the sender")
        .await?;
    for to in &cfg.to {
        s.command(
            &format!("RCPT TO:<{to}>"),
            250,
            &format!("the recipient {to}"),
        )
        .await?;
    }
    s.command("DATA", 354, "DATA").await?;
    let body = mime_message(&from, &cfg.to, msg, &host);
    // dot-stuffing: a line that starts with '.' gets another (base64 lines never do; headers could)
    let stuffed: String = body
        .split("\r\n")
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    s.io.get_mut()
        .write_all(stuffed.as_bytes())
        .await
        .map_err(|e| format!("cannot write to the SMTP server: {e}"))?;
    s.command(".", 250, "the message").await?;
    let _ = s.command("QUIT", 221, "QUIT").await;
    Ok(())
}

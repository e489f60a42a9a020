//! `kubedeck healthcheck`: asks a running Kubedeck's `/readyz` and exits 0 when it is ready, 1 otherwise. The
//! container image has no shell and no curl (its only file is the binary), so its `HEALTHCHECK` runs this.
//! Plain HTTP only: inside a container Kubedeck serves HTTP and TLS ends at the ingress or proxy in front.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long the whole check may take (a container runtime kills a check that takes longer anyway).
const TIMEOUT: Duration = Duration::from_secs(5);

/// Checks `url` (`http://HOST:PORT/PATH`): `Ok` with the status line when the answer is 200.
pub fn check(url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!("{url}: only http:// URLs are checked (TLS ends in front of the container)")
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/readyz"),
    };
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("{addr}: {e}"))?;
    stream.set_read_timeout(Some(TIMEOUT)).ok();
    stream.set_write_timeout(Some(TIMEOUT)).ok();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("{addr}: {e}"))?;
    let mut answer = Vec::new();
    // the status line is all that matters; a body cut short by the timeout is no failure
    let _ = stream.take(64 * 1024).read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status = text.lines().next().unwrap_or_default().to_owned();
    if status.split_whitespace().nth(1) == Some("200") {
        Ok(status)
    } else if status.is_empty() {
        Err(format!("{url}: no answer"))
    } else {
        Err(format!(
            "{url}: {status}: {}",
            text.split("\r\n\r\n").nth(1).unwrap_or_default().trim()
        ))
    }
}

//! The binary served as an operator deploys it (issue 17): HTTPS by itself (`--tls-cert`, `--tls-key`: the
//! browser protections over TLS, plain HTTP refused, a renewed certificate picked up without a restart, a broken
//! renewal ignored, a wrong pair refused at start; `openssl` makes the certificates and `curl` is the client, as an
//! operator would check), and the database pool's size and state on `/metrics`.

mod common;

use common::{BIN, Server, temp_dir};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A CA (once per directory) and a server certificate for 127.0.0.1 with `cn`, signed by it, into `name.crt` and
/// `name.key`.
fn issue(dir: &Path, name: &str, cn: &str) {
    if !dir.join("ca.crt").exists() {
        run(Command::new("openssl").current_dir(dir).args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=kubedeck test CA",
        ]));
    }
    run(Command::new("openssl").current_dir(dir).args([
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        &format!("{name}.key"),
        "-out",
        &format!("{name}.csr"),
        "-subj",
        &format!("/CN={cn}"),
    ]));
    std::fs::write(
        dir.join(format!("{name}.ext")),
        "subjectAltName=IP:127.0.0.1\n",
    )
    .unwrap();
    run(Command::new("openssl").current_dir(dir).args([
        "x509",
        "-req",
        "-in",
        &format!("{name}.csr"),
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        &format!("{name}.ext"),
        "-out",
        &format!("{name}.crt"),
    ]));
}

/// `curl -v` against the server with the test CA: (exit success, headers and verbose output).
fn curl(dir: &Path, url: &str) -> (bool, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-v",
            "-o",
            "/dev/null",
            "--max-time",
            "10",
            "--cacert",
        ])
        .arg(dir.join("ca.crt"))
        .arg(url)
        .output()
        .expect("curl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The subject CN the server presented, from curl's verbose output.
fn presented(verbose: &str) -> Option<String> {
    verbose
        .lines()
        .find_map(|l| l.trim().strip_prefix("*  subject: CN=").map(str::to_owned))
}

#[tokio::test]
async fn https_serves_protected_answers_refuses_plain_http_and_reloads_a_renewed_certificate() {
    let dir = temp_dir("kd-https");
    issue(&dir, "one", "kubedeck-one");
    issue(&dir, "two", "kubedeck-two");
    std::fs::copy(dir.join("one.crt"), dir.join("tls.crt")).unwrap();
    std::fs::copy(dir.join("one.key"), dir.join("tls.key")).unwrap();
    let data = dir.join("data");
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let server = Server::start(
        &data,
        &[
            ("KUBEDECK_TLS_CERT", cert.to_str().unwrap()),
            ("KUBEDECK_TLS_KEY", key.to_str().unwrap()),
            ("KUBEDECK_HTTP_REDIRECT_LISTEN", "127.0.0.1:0"),
        ],
    );
    assert!(server.base.starts_with("https://"), "{}", server.base);

    // --http-redirect-listen: plain HTTP there is sent on to the same path and query over HTTPS (308 keeps a POST
    // a POST), on the HTTPS port
    let deadline = Instant::now() + Duration::from_secs(10);
    let redirect_at = loop {
        let out = server.output();
        if let Some(line) = out.lines().find(|l| l.contains("Plain HTTP at http://")) {
            break line.split("Plain HTTP at ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "no redirect listener announced:\n{out}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let https_port = server.base.rsplit(':').next().unwrap().to_owned();
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-X", "POST"])
        .arg(format!("{redirect_at}/api/v1/auth/login?next=%2Fclusters"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("308 https://127.0.0.1:{https_port}/api/v1/auth/login?next=%2Fclusters"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (ok, v) = curl(&dir, &format!("{}/healthz", server.base));
    assert!(ok, "{v}");
    assert_eq!(presented(&v).as_deref(), Some("kubedeck-one"), "{v}");
    let lower = v.to_lowercase();
    assert!(
        lower.contains("< strict-transport-security: max-age=31536000"),
        "HSTS over HTTPS: {v}"
    );
    assert!(
        lower.contains("< content-security-policy: default-src 'self'"),
        "{v}"
    );

    // plain HTTP on the HTTPS port gets no answer (the handshake fails), never a page
    let plain = server.base.replace("https://", "http://");
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "5",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .arg(format!("{plain}/healthz"))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "plain HTTP was answered: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // a renewal: the new pair is served within seconds, by the same process
    std::fs::copy(dir.join("two.key"), &key).unwrap();
    std::fs::copy(dir.join("two.crt"), &cert).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (ok, v) = curl(&dir, &format!("{}/healthz", server.base));
        if ok && presented(&v).as_deref() == Some("kubedeck-two") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was not served within 30 s: {v}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // a broken renewal (a key of another certificate) is not loaded: the working pair stays
    std::fs::copy(dir.join("one.key"), &key).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server
        .output()
        .contains("the TLS certificate was not reloaded")
    {
        assert!(
            Instant::now() < deadline,
            "no reload error logged:\n{}",
            server.output()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (ok, v) = curl(&dir, &format!("{}/healthz", server.base));
    assert!(
        ok && presented(&v).as_deref() == Some("kubedeck-two"),
        "{v}"
    );
    let (stopped, _) = server.stop();
    assert!(stopped, "a graceful stop");

    // at start, a wrong pair or half of one is an error that names the files, not a server without TLS
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env_remove("KUBEDECK_TLS_CERT")
        .env_remove("KUBEDECK_TLS_KEY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("does not belong to the certificate"),
        "{err}"
    );
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--tls-cert")
        .arg(&cert)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--tls-cert needs --tls-key"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The database pool on `/metrics` (issue 17): the size given with `--database-max-connections`, and how many
/// connections are in use and idle, read when scraped.
#[tokio::test]
async fn the_database_pool_is_sized_by_its_flag_and_shown_on_metrics() {
    let data = temp_dir("kd-pool");
    let server = Server::start(&data, &[("KUBEDECK_DATABASE_MAX_CONNECTIONS", "3")]);
    let text = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
    };
    assert_eq!(value("kubedeck_db_pool_max_connections"), 3.0);
    let (in_use, idle) = (
        value("kubedeck_db_pool_connections{state=\"in_use\"}"),
        value("kubedeck_db_pool_connections{state=\"idle\"}"),
    );
    assert!(
        in_use + idle >= 1.0 && in_use + idle <= 3.0,
        "in use {in_use}, idle {idle}"
    );
    let (stopped, _) = server.stop();
    assert!(stopped);
    let _ = std::fs::remove_dir_all(&data);
}

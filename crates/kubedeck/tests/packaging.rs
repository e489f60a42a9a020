//! The Kubernetes manifests (`deploy/kubernetes`, a kustomize base with two overlays) are accepted by a real API
//! server (`kubectl apply --dry-run=server -k` against the testbed), keep the container locked down, and pass the
//! binary only flags it knows; so does the systemd unit (`deploy/systemd`), which `systemd-analyze` verifies (issue 17).

mod common;

use common::BIN;
use kubedeck_testbed::{Namespace, Testbed};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const OVERLAYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../deploy/kubernetes/overlays"
);

/// The objects the API server would store for an overlay (server-side dry run in `ns`): nothing is created.
fn dry_run(tb: &Testbed, ns: &str, overlay: &str) -> Vec<Value> {
    let dir = format!("{OVERLAYS}/{overlay}");
    let out = tb.kubectl(&[
        "apply",
        "--dry-run=server",
        "-n",
        ns,
        "-k",
        &dir,
        "-o",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{overlay}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("kubectl's JSON");
    match v["kind"].as_str() {
        Some("List") => v["items"].as_array().unwrap().clone(),
        _ => vec![v],
    }
}

fn deployment(objects: &[Value]) -> &Value {
    objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment")
}

/// `--name` of every flag `kubedeck serve` takes, from its help.
fn serve_flags() -> Vec<String> {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| {
            w.trim_end_matches([',', '='])
                .split('=')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Every environment variable `kubedeck serve` reads, from its help (`[env: NAME]`).
fn serve_env() -> Vec<String> {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split([']', '=']).next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn both_overlays_are_accepted_by_the_api_server_locked_down_and_use_known_flags() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "packaging");
    let known = serve_flags();
    assert!(
        known.iter().any(|f| f == "--database-url-file"),
        "{known:?}"
    );
    for overlay in ["single", "replicated"] {
        let objects = dry_run(&tb, ns.name(), overlay);
        let d = deployment(&objects);
        let pod = &d["spec"]["template"]["spec"];
        let c = &pod["containers"][0];
        // locked down: not root, nothing written outside its volumes, no privileges, no cluster account
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{overlay}");
        assert_eq!(
            c["securityContext"]["readOnlyRootFilesystem"], true,
            "{overlay}"
        );
        assert_eq!(
            c["securityContext"]["allowPrivilegeEscalation"], false,
            "{overlay}"
        );
        assert_eq!(
            c["securityContext"]["capabilities"]["drop"][0], "ALL",
            "{overlay}"
        );
        assert_eq!(pod["automountServiceAccountToken"], false, "{overlay}");
        assert_eq!(
            c["readinessProbe"]["httpGet"]["path"], "/readyz",
            "{overlay}"
        );
        assert_eq!(
            c["livenessProbe"]["httpGet"]["path"], "/healthz",
            "{overlay}"
        );
        // every flag in the manifest is one the binary takes (a renamed flag would crash-loop every pod)
        let args: Vec<&str> = c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(args[0], "serve", "{overlay}");
        for a in &args[1..] {
            let flag = a.split('=').next().unwrap();
            assert!(
                known.iter().any(|k| k == flag),
                "{overlay}: `kubedeck serve` has no flag {flag} ({known:?})"
            );
        }
        // the Service reaches the pods
        let svc = objects
            .iter()
            .find(|o| o["kind"] == "Service")
            .expect("a Service");
        assert_eq!(
            svc["spec"]["selector"], d["spec"]["selector"]["matchLabels"],
            "{overlay}"
        );
        match overlay {
            // SQLite: one writer, its data (and keys) on a claim
            "single" => {
                assert_eq!(d["spec"]["replicas"], 1);
                assert_eq!(d["spec"]["strategy"]["type"], "Recreate");
                let data = pod["volumes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|v| v["name"] == "data")
                    .unwrap();
                assert_eq!(data["persistentVolumeClaim"]["claimName"], "kubedeck-data");
                assert!(objects.iter().any(|o| o["kind"] == "PersistentVolumeClaim"
                    && o["metadata"]["name"] == "kubedeck-data"));
            }
            // several replicas: the database URL and the shared keys from Secrets
            _ => {
                assert_eq!(d["spec"]["replicas"], 3);
                for (flag, secret) in [
                    ("--database-url-file", "kubedeck-database"),
                    ("--jwt-secret-file", "kubedeck-jwt"),
                    ("--credential-key-dir", "kubedeck-credential-keys"),
                ] {
                    assert!(
                        args.iter().any(|a| a.starts_with(&format!("{flag}="))),
                        "{flag}"
                    );
                    assert!(
                        pod["volumes"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|v| v["secret"]["secretName"] == secret),
                        "{secret}"
                    );
                }
                // Redis is optional, and its URL (which may carry a password) comes from a Secret
                let redis = pod["containers"][0]["env"]
                    .as_array()
                    .and_then(|env| env.iter().find(|e| e["name"] == "KUBEDECK_REDIS_URL"))
                    .expect("the replicated overlay takes KUBEDECK_REDIS_URL");
                assert_eq!(
                    redis["valueFrom"]["secretKeyRef"]["name"], "kubedeck-redis",
                    "{redis}"
                );
                assert_eq!(
                    redis["valueFrom"]["secretKeyRef"]["optional"], true,
                    "{redis}"
                );
                assert!(redis.get("value").is_none(), "{redis}");
                assert!(
                    serve_env().contains(&"KUBEDECK_REDIS_URL".to_owned()),
                    "`kubedeck serve` reads KUBEDECK_REDIS_URL"
                );
            }
        }
    }
    // a dry run created nothing
    let out = tb.kubectl(&["get", "deploy,svc,pvc", "-n", ns.name(), "-o", "name"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "",
        "the dry run left objects"
    );
}

/// The systemd unit (deploy/systemd/kubedeck.service): `systemd-analyze verify` finds nothing to say about it (run
/// with this build's binary in `ExecStart`, since it checks the executable), it runs locked down as its own user
/// with its state directory, and every flag it gives `kubedeck serve` is one the binary takes.
#[test]
fn the_systemd_unit_verifies_runs_locked_down_and_uses_known_flags() {
    let unit_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/systemd/kubedeck.service");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    for line in [
        "User=kubedeck",
        "StateDirectory=kubedeck",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=",
        "KillSignal=SIGTERM",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit has no {line}");
    }
    let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).expect("ExecStart");
    let known = serve_flags();
    for flag in exec.split_whitespace().filter(|w| w.starts_with("--")) {
        let flag = flag.split('=').next().unwrap();
        assert!(known.iter().any(|k| k == flag), "`kubedeck serve` has no flag {flag}");
    }
    let installed = exec.split_whitespace().next().unwrap();
    let dir = std::env::temp_dir().join(format!("kd-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("kubedeck.service");
    std::fs::write(&copy, unit.replace(installed, BIN)).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&copy).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success() && said.is_empty(), "systemd-analyze verify: {said}");
}

const CONTAINERFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/container/Containerfile");

/// The container image definition keeps its promises: the image's last stage is empty but for the binary (built
/// statically, from the locked dependencies) and its user, runs as the same unprivileged user as the Kubernetes
/// manifests, starts `kubedeck serve` in exec form, checks its health with the binary itself (there is no shell or
/// curl in it), and sets only variables `kubedeck serve` reads. (`deploy/container/check-static.sh` builds that
/// binary and runs it in an empty, read-only root.)
#[test]
fn the_container_image_is_a_static_binary_run_unprivileged_with_its_own_health_check() {
    let text = std::fs::read_to_string(CONTAINERFILE).unwrap();
    // instructions with their continuation lines joined, comments dropped
    let joined = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n").replace("\\\n", " ");
    let lines: Vec<&str> = joined.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let last_from = lines.iter().rposition(|l| l.starts_with("FROM ")).expect("a FROM");
    assert_eq!(lines[last_from], "FROM scratch", "the image is built on an empty base");
    let image = &lines[last_from..];
    let one = |word: &str| {
        let found: Vec<&&str> = image.iter().filter(|l| l.starts_with(word)).collect();
        assert_eq!(found.len(), 1, "one {word} in the image stage: {found:?}");
        found[0].to_string()
    };
    assert_eq!(one("USER "), "USER 65532:65532", "numeric, unprivileged");
    assert_eq!(one("ENTRYPOINT "), r#"ENTRYPOINT ["/kubedeck"]"#, "exec form: signals reach kubedeck");
    assert_eq!(one("CMD "), r#"CMD ["serve"]"#);
    let health = one("HEALTHCHECK ");
    assert!(health.ends_with(r#"CMD ["/kubedeck", "healthcheck"]"#), "{health}");
    // nothing runs in the image stage (there is no shell to run it)
    assert!(!image.iter().any(|l| l.starts_with("RUN ")), "{image:?}");
    // the binary: static, from Cargo.lock, the console embedded
    let build = lines[..last_from].join("\n");
    assert!(build.contains("RUSTFLAGS=\"-C target-feature=+crt-static\""), "{build}");
    assert!(build.contains("cargo build --release --locked -p kubedeck"), "{build}");
    assert!(build.contains("COPY --from=console /src/web/dist web/dist"), "{build}");
    // the same user as the manifests
    let deployment = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/kubernetes/base/deployment.yaml")).unwrap();
    assert!(deployment.contains("runAsUser: 65532") && deployment.contains("runAsGroup: 65532"));
    // every variable set for kubedeck is one it reads
    let env = serve_env();
    let set: Vec<&str> = image
        .iter()
        .filter(|l| l.starts_with("ENV "))
        .flat_map(|l| l[4..].split_whitespace())
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
        .collect();
    assert!(set.len() >= 2, "{set:?}");
    for k in set {
        assert!(env.iter().any(|e| e == k), "{k} is not read by kubedeck serve: {env:?}");
    }
    // the check script builds exactly this binary
    let check = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/container/check-static.sh")).unwrap();
    assert!(check.contains("RUSTFLAGS=\"-C target-feature=+crt-static\" cargo build --release --locked -p kubedeck"), "{check}");
}

/// The image's health check: `kubedeck healthcheck` exits 0 for a ready server and 1, saying why, for one that does
/// not answer.
#[tokio::test]
async fn kubedeck_healthcheck_says_whether_a_server_is_ready() {
    let data = common::temp_dir("kd-healthcheck");
    let server = common::Server::start(&data, &[]);
    let out = Command::new(BIN).args(["healthcheck", "--url", &format!("{}/readyz", server.base)]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" 200 "), "{}", String::from_utf8_lossy(&out.stdout));
    // a port nobody listens on
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = Command::new(BIN).args(["healthcheck", "--url", &format!("http://{closed}/readyz")]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not ready"), "{}", String::from_utf8_lossy(&out.stderr));
    // an answer other than 200 (a 404 here) is not healthy either
    let out = Command::new(BIN).args(["healthcheck", "--url", &format!("{}/api/v1/no-such-route", server.base)]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let (stopped, _) = server.stop();
    assert!(stopped);
    let _ = std::fs::remove_dir_all(&data);
}

//! The `kubedeck` command line as an operator uses it: `admin create-user` and `admin reset-password` against a
//! running server's database, and where configuration comes from (flags, then the environment, then the TOML
//! file, `KUBEDECK_DATABASE_URL_FILE`), with a bad TOML file named with its line.

mod common;

use common::{BIN, Server, call, temp_dir};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

/// Every variable that could leak configuration in from the environment the tests run in.
const CONFIG_ENV: &[&str] = &[
    "KUBEDECK_CONFIG",
    "KUBEDECK_DATA_DIR",
    "KUBEDECK_DATABASE_URL",
    "KUBEDECK_DATABASE_URL_FILE",
    "KUBEDECK_CREDENTIAL_KEY_DIR",
    "KUBEDECK_NEW_PASSWORD",
    "KUBEDECK_LOG",
    "KUBEDECK_LOG_FORMAT",
];

/// Runs `kubedeck ARGS` with exactly `envs` of the configuration variables set.
fn kubedeck(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for k in CONFIG_ENV {
        cmd.env_remove(k);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run kubedeck")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(out: Output) -> String {
    assert!(!out.status.success(), "should have failed: {}", text(&out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn login(base: &str, username: &str, password: &str) -> (u16, Value) {
    call(
        base,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
}

fn data_arg(data: &Path) -> String {
    data.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn admin_create_user_makes_an_account_that_logs_in_with_its_role() {
    let data = temp_dir("kd-cli-create");
    let server = Server::start(&data, &[]);
    let d = data_arg(&data);

    // With KUBEDECK_NEW_PASSWORD the operator chose the password: it is not printed and need not be changed.
    let chosen = "chosen-ops-password-1";
    let out = ok(kubedeck(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &d,
            "--username",
            "ops",
            "--role",
            "operator",
        ],
        &[("KUBEDECK_NEW_PASSWORD", chosen)],
    ));
    assert!(
        out.contains("created user 'ops' with global role operator"),
        "{out}"
    );
    assert!(
        !out.contains(chosen),
        "a chosen password is never printed: {out}"
    );
    let (s, body) = login(&server.base, "ops", chosen).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["must_change_password"], false);
    let token = body["access_token"].as_str().unwrap();
    let (s, me) = call(&server.base, "GET", "/api/v1/auth/me", Some(token), None).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["username"], "ops");
    assert_eq!(
        me["bindings"],
        json!([{"role": "operator", "cluster_id": null, "namespace": null}]),
        "{me}"
    );
    let (s, body) = call(
        &server.base,
        "GET",
        "/api/v1/k8s/cluster",
        Some(token),
        None,
    )
    .await;
    assert_eq!(s, 200, "an operator reads clusters: {body}");
    let (s, body) = call(&server.base, "GET", "/api/v1/users", Some(token), None).await;
    assert_eq!(s, 403, "an operator is not a platform admin: {body}");

    // Without it a one-time password is generated and printed, and must be changed at first login.
    let out = ok(kubedeck(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &d,
            "--username",
            "auditor",
        ],
        &[],
    ));
    assert!(
        out.contains("created user 'auditor' with global role viewer"),
        "{out}"
    );
    let one_time = out
        .lines()
        .find_map(|l| l.strip_prefix("one-time password: "))
        .unwrap_or_else(|| panic!("a generated password is printed: {out}"))
        .trim()
        .to_owned();
    let (s, body) = login(&server.base, "auditor", &one_time).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["must_change_password"], true);
    let token = body["access_token"].as_str().unwrap();
    let (s, body) = call(
        &server.base,
        "GET",
        "/api/v1/k8s/cluster",
        Some(token),
        None,
    )
    .await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(body["code"], "password_change_required");

    // Mistakes are refused with a reason, and change nothing.
    let err = fails(kubedeck(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &d,
            "--username",
            "ops",
        ],
        &[("KUBEDECK_NEW_PASSWORD", "another-password-22")],
    ));
    assert!(err.contains("user 'ops' already exists"), "{err}");
    let (s, _) = login(&server.base, "ops", chosen).await;
    assert_eq!(s, 200, "the existing account keeps its password");
    let err = fails(kubedeck(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &d,
            "--username",
            "weak",
        ],
        &[("KUBEDECK_NEW_PASSWORD", "short")],
    ));
    assert!(err.contains("KUBEDECK_NEW_PASSWORD"), "{err}");
    let err = fails(kubedeck(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &d,
            "--username",
            "boss",
            "--role",
            "god",
        ],
        &[("KUBEDECK_NEW_PASSWORD", "boss-password-123")],
    ));
    assert!(err.contains("god"), "the bad role is named: {err}");
    for name in ["weak", "boss"] {
        let (s, _) = login(&server.base, name, "boss-password-123").await;
        assert_eq!(s, 401, "{name} was not created");
    }
    let (ok_stop, _) = server.stop();
    assert!(ok_stop);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn admin_reset_password_ends_every_session_and_the_one_time_password_must_be_changed() {
    let data = temp_dir("kd-cli-reset");
    let server = Server::start(
        &data,
        &[("KUBEDECK_ADMIN_PASSWORD", "first-admin-password-1")],
    );
    let d = data_arg(&data);
    let old = "ops-password-before-reset";
    ok(kubedeck(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &d,
            "--username",
            "ops",
            "--role",
            "operator",
        ],
        &[("KUBEDECK_NEW_PASSWORD", old)],
    ));
    let (s, session) = login(&server.base, "ops", old).await;
    assert_eq!(s, 200, "{session}");
    let access = session["access_token"].as_str().unwrap().to_owned();
    let refresh = session["refresh_token"].as_str().unwrap().to_owned();
    let (s, _) = call(
        &server.base,
        "GET",
        "/api/v1/k8s/cluster",
        Some(&access),
        None,
    )
    .await;
    assert_eq!(s, 200);

    let out = ok(kubedeck(
        &[
            "admin",
            "reset-password",
            "--data-dir",
            &d,
            "--username",
            "ops",
        ],
        &[],
    ));
    let one_time = out
        .lines()
        .find_map(|l| l.strip_prefix("one-time password for 'ops': "))
        .unwrap_or_else(|| panic!("the new password is printed: {out}"))
        .trim()
        .to_owned();
    assert_ne!(one_time, old);

    // The running server ends the old sessions at once: access token, refresh token and old password.
    let (s, body) = call(
        &server.base,
        "GET",
        "/api/v1/k8s/cluster",
        Some(&access),
        None,
    )
    .await;
    assert_eq!(s, 401, "the old access token: {body}");
    let (s, body) = call(
        &server.base,
        "POST",
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(s, 401, "the old refresh token: {body}");
    let (s, _) = login(&server.base, "ops", old).await;
    assert_eq!(s, 401, "the old password");

    // The one-time password logs in, but only to change it.
    let (s, body) = login(&server.base, "ops", &one_time).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["must_change_password"], true);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (s, body) = call(
        &server.base,
        "GET",
        "/api/v1/k8s/cluster",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (403, Some("password_change_required")),
        "{body}"
    );
    let new = "ops-password-after-reset";
    let (s, body) = call(
        &server.base,
        "POST",
        "/api/v1/auth/password",
        Some(&token),
        Some(json!({"current_password": one_time, "new_password": new})),
    )
    .await;
    assert_eq!(s, 204, "{body}");
    let (s, body) = login(&server.base, "ops", new).await;
    assert_eq!(
        (s, &body["must_change_password"]),
        (200, &json!(false)),
        "{body}"
    );
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (s, _) = call(
        &server.base,
        "GET",
        "/api/v1/k8s/cluster",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(s, 200);

    // Other accounts are untouched; an unknown name is an error.
    let (s, _) = login(&server.base, "admin", "first-admin-password-1").await;
    assert_eq!(s, 200);
    let err = fails(kubedeck(
        &[
            "admin",
            "reset-password",
            "--data-dir",
            &d,
            "--username",
            "ghost",
        ],
        &[],
    ));
    assert!(err.contains("no user 'ghost'"), "{err}");
    let (ok_stop, _) = server.stop();
    assert!(ok_stop);
    let _ = std::fs::remove_dir_all(&data);
}

/// A SQLite URL for a database file in `dir`.
fn sqlite_url(dir: &Path, file: &str) -> String {
    format!("sqlite://{}?mode=rwc", dir.join(file).display())
}

fn databases_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn flags_beat_the_environment_which_beats_the_toml_file() {
    let root = temp_dir("kd-cli-config");
    let toml = root.join("kubedeck.toml");
    std::fs::write(
        &toml,
        format!("database_url = \"{}\"\n", sqlite_url(&root, "from-file.db")),
    )
    .unwrap();
    let config = toml.to_str().unwrap();
    let env_url = sqlite_url(&root, "from-env.db");
    let flag_url = sqlite_url(&root, "from-flag.db");

    // The file alone.
    ok(kubedeck(&["migrate", "--config", config], &[]));
    assert_eq!(databases_in(&root), ["from-file.db"]);
    // The environment beats the file.
    ok(kubedeck(
        &["migrate", "--config", config],
        &[("KUBEDECK_DATABASE_URL", &env_url)],
    ));
    assert_eq!(databases_in(&root), ["from-env.db", "from-file.db"]);
    // A flag beats both.
    ok(kubedeck(
        &["migrate", "--config", config, "--database-url", &flag_url],
        &[("KUBEDECK_DATABASE_URL", &env_url)],
    ));
    assert_eq!(
        databases_in(&root),
        ["from-env.db", "from-file.db", "from-flag.db"]
    );

    // The file may also come from the environment (KUBEDECK_CONFIG), and its keys fill what is not set.
    let dirs = root.join("dirs");
    for d in ["file", "env", "flag"] {
        std::fs::create_dir_all(dirs.join(d)).unwrap();
    }
    std::fs::write(
        &toml,
        format!("data_dir = \"{}\"\n", dirs.join("file").display()),
    )
    .unwrap();
    let run = |envs: &[(&str, &str)], flags: &[&str]| {
        let mut args = vec!["migrate"];
        args.extend_from_slice(flags);
        let mut all = vec![("KUBEDECK_CONFIG", config)];
        all.extend_from_slice(envs);
        ok(kubedeck(&args, &all));
    };
    let env_dir = dirs.join("env");
    let flag_dir = dirs.join("flag");
    run(&[], &[]);
    run(&[("KUBEDECK_DATA_DIR", env_dir.to_str().unwrap())], &[]);
    run(
        &[("KUBEDECK_DATA_DIR", env_dir.to_str().unwrap())],
        &["--data-dir", flag_dir.to_str().unwrap()],
    );
    for d in ["file", "env", "flag"] {
        assert_eq!(
            databases_in(&dirs.join(d)),
            ["kubedeck.db"],
            "the run whose data directory came from {d}"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_database_url_can_come_from_a_file_named_in_the_environment() {
    let root = temp_dir("kd-cli-urlfile");
    let url_file = root.join("database-url");
    // As a secret is usually mounted: the URL and a trailing newline.
    std::fs::write(
        &url_file,
        format!("{}\n", sqlite_url(&root, "from-url-file.db")),
    )
    .unwrap();
    let url_file_s = url_file.to_str().unwrap();
    ok(kubedeck(
        &["migrate", "--data-dir", root.join("data").to_str().unwrap()],
        &[("KUBEDECK_DATABASE_URL_FILE", url_file_s)],
    ));
    assert_eq!(databases_in(&root), ["from-url-file.db"]);
    assert!(
        !root.join("data/kubedeck.db").exists(),
        "the URL from the file replaces the default database"
    );

    // Set in the environment, it beats a URL in the TOML file (environment before file).
    let toml = root.join("kubedeck.toml");
    std::fs::write(
        &toml,
        format!("database_url = \"{}\"\n", sqlite_url(&root, "from-toml.db")),
    )
    .unwrap();
    ok(kubedeck(
        &["migrate", "--config", toml.to_str().unwrap()],
        &[("KUBEDECK_DATABASE_URL_FILE", url_file_s)],
    ));
    assert_eq!(
        databases_in(&root),
        ["from-url-file.db"],
        "the TOML file's URL was not used"
    );

    // A missing file is an error that names it, not a silent fallback to another database.
    let missing = root.join("no-such-file");
    let err = fails(kubedeck(
        &["migrate", "--data-dir", root.join("data").to_str().unwrap()],
        &[("KUBEDECK_DATABASE_URL_FILE", missing.to_str().unwrap())],
    ));
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    assert!(!root.join("data/kubedeck.db").exists());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_bad_toml_file_is_refused_with_its_name_and_line() {
    let root = temp_dir("kd-cli-badtoml");
    let data = root.join("data");
    let cases = [
        (
            "a syntax error",
            "log = \"info\"\nsync_interval_secs = 5\nlisten = 127.0.0.1:9000\n",
            3,
        ),
        (
            "a misspelt key",
            "log = \"info\"\n\nsync_intervall_secs = 5\n",
            3,
        ),
        (
            "a value of the wrong type",
            "log = \"info\"\nsync_interval_secs = \"fast\"\n",
            2,
        ),
    ];
    for (what, content, line) in cases {
        let toml = root.join("kubedeck.toml");
        std::fs::write(&toml, content).unwrap();
        let err = fails(kubedeck(
            &[
                "migrate",
                "--data-dir",
                data.to_str().unwrap(),
                "--config",
                toml.to_str().unwrap(),
            ],
            &[],
        ));
        assert!(
            err.contains(toml.to_str().unwrap()),
            "{what}: the error names the file: {err}"
        );
        assert!(
            err.contains(&format!("line {line}")),
            "{what}: the error names line {line}: {err}"
        );
        assert!(
            !data.join("kubedeck.db").exists(),
            "{what}: nothing ran with a bad configuration"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

//! Repository behaviour, run against SQLite and every reachable server backend (PostgreSQL, MariaDB).

use chrono::Duration;
use kubedeck_core::credential::{CredentialKey, KeyRing};
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_store::PageRequest;
use kubedeck_store::clusters::{ClusterFacts, ClusterFilter, NodeCounts, status};
use kubedeck_store::login_limits::LockoutPolicy;
use kubedeck_store::testing::TestDb;
use kubedeck_store::users::{NewUser, UserChanges};

const PAGE: PageRequest = PageRequest {
    page: 1,
    page_size: 50,
};

#[tokio::test]
async fn users_and_bindings_round_trip_on_every_backend() {
    for db in TestDb::all().await {
        let s = &db.store;
        let u = s
            .create_user(
                NewUser {
                    username: "alice",
                    display_name: "Alice",
                    password_hash: "h".into(),
                    must_change_password: true,
                },
                &[
                    Binding::global(Role::Viewer),
                    Binding {
                        role: Role::Operator,
                        cluster_id: Some(3),
                        namespace: Some("team-a".into()),
                    },
                ],
            )
            .await
            .unwrap();
        assert!(u.must_change_password, "{}", db.backend);
        let b = s.bindings_of(u.id).await.unwrap();
        assert_eq!(b.0.len(), 2, "{}", db.backend);
        assert_eq!(b.0[1].namespace.as_deref(), Some("team-a"));
        // Unique usernames are enforced by the database.
        let dup = s
            .create_user(
                NewUser {
                    username: "alice",
                    display_name: "",
                    password_hash: "h".into(),
                    must_change_password: false,
                },
                &[],
            )
            .await;
        assert!(dup.is_err(), "{}: duplicate username accepted", db.backend);
        // The failed insert left nothing behind.
        assert_eq!(s.count_users().await.unwrap(), 1, "{}", db.backend);

        let changed = s
            .update_user(
                u.id,
                UserChanges {
                    disabled: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .unwrap();
        assert!(changed.disabled);
        assert_eq!(s.list_users(Some("lic"), PAGE).await.unwrap().total, 1);
        assert_eq!(s.list_users(Some("bob"), PAGE).await.unwrap().total, 0);
        s.replace_bindings(u.id, &[Binding::global(Role::PlatformAdmin)])
            .await
            .unwrap();
        assert_eq!(
            s.count_active_platform_admins().await.unwrap(),
            0,
            "disabled admins do not count"
        );
        assert!(s.delete_user(u.id).await.unwrap());
        assert!(s.bindings_of(u.id).await.unwrap().0.is_empty());
        db.drop_db().await;
    }
}

#[tokio::test]
async fn refresh_tokens_are_single_use_and_revocable() {
    for db in TestDb::all().await {
        let s = &db.store;
        let later = chrono::Utc::now() + Duration::hours(1);
        s.insert_refresh_token(7, "hash-a", later).await.unwrap();
        assert_eq!(
            s.consume_refresh_token("hash-a").await.unwrap(),
            Some(7),
            "{}",
            db.backend
        );
        assert_eq!(
            s.consume_refresh_token("hash-a").await.unwrap(),
            None,
            "{}: replayed token accepted",
            db.backend
        );
        s.insert_refresh_token(7, "hash-b", later).await.unwrap();
        s.insert_refresh_token(7, "hash-c", later).await.unwrap();
        assert_eq!(s.revoke_user_tokens(7).await.unwrap(), 2);
        assert_eq!(s.consume_refresh_token("hash-c").await.unwrap(), None);
        s.insert_refresh_token(7, "hash-old", chrono::Utc::now() - Duration::seconds(1))
            .await
            .unwrap();
        assert_eq!(
            s.consume_refresh_token("hash-old").await.unwrap(),
            None,
            "expired token accepted"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn repeated_login_failures_lock_the_key() {
    let policy = LockoutPolicy {
        max_failures: 3,
        window: Duration::minutes(5),
        lockout: Duration::minutes(10),
    };
    for db in TestDb::all().await {
        let s = &db.store;
        let key = "user:bob".to_string();
        assert!(
            s.record_login_failure(&key, policy)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            s.record_login_failure(&key, policy)
                .await
                .unwrap()
                .is_none()
        );
        let until = s.record_login_failure(&key, policy).await.unwrap();
        assert!(until.is_some(), "{}", db.backend);
        assert!(
            s.login_locked_until(&[key.clone(), "ip:1.2.3.4".into()])
                .await
                .unwrap()
                .is_some()
        );
        s.clear_login_failures(&key).await.unwrap();
        assert!(s.login_locked_until(&[key]).await.unwrap().is_none());
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_lease_has_one_holder_until_it_expires() {
    for db in TestDb::all().await {
        let s = &db.store;
        let ttl = Duration::seconds(30);
        let t1 = s
            .try_acquire_lease("sync:cluster:1", "replica-a", ttl)
            .await
            .unwrap();
        assert_eq!(t1, Some(1), "{}", db.backend);
        assert_eq!(
            s.try_acquire_lease("sync:cluster:1", "replica-b", ttl)
                .await
                .unwrap(),
            None,
            "{}",
            db.backend
        );
        assert_eq!(
            s.try_acquire_lease("sync:cluster:1", "replica-a", ttl)
                .await
                .unwrap(),
            Some(1),
            "renewal keeps the token"
        );
        s.release_lease("sync:cluster:1", "replica-a")
            .await
            .unwrap();
        assert_eq!(
            s.try_acquire_lease("sync:cluster:1", "replica-b", ttl)
                .await
                .unwrap(),
            Some(2),
            "{}: take-over bumps the token",
            db.backend
        );
        assert_eq!(
            s.lease_holder("sync:cluster:1").await.unwrap().as_deref(),
            Some("replica-b")
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn cluster_credentials_are_sealed_bound_to_their_row_and_rotatable() {
    let kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: planted-secret-token\n";
    for db in TestDb::all().await {
        let s = &db.store;
        let old = CredentialKey::generate();
        let ring = KeyRing::new(old.clone(), []);
        let facts = ClusterFacts {
            kubeconfig: kubeconfig.into(),
            server_url: "https://127.0.0.1:6443".into(),
            identity_hash: "abc".into(),
            version: "v1.20.2".into(),
            counts: NodeCounts {
                node_count: 8,
                ready_nodes: 8,
                master_nodes: 3,
                worker_nodes: 5,
            },
            ..Default::default()
        };
        let c = s
            .insert_cluster("prod", "the big one", &facts, &ring)
            .await
            .unwrap();
        assert_eq!(c.status, status::RUNNING);
        assert_eq!(c.cluster_type, 2);
        assert!(
            !c.credential.contains("planted-secret-token"),
            "{}: plaintext credential stored",
            db.backend
        );
        assert_eq!(s.open_cluster_credential(&c, &ring).unwrap(), kubeconfig);
        assert!(s.find_cluster_by_identity("abc").await.unwrap().is_some());

        let new = CredentialKey::generate();
        let rotated = KeyRing::new(new.clone(), [old]);
        assert_eq!(
            s.reseal_cluster_credentials(&rotated)
                .await
                .unwrap()
                .unwrap(),
            1
        );
        let c = s.find_cluster(c.id).await.unwrap().unwrap();
        assert_eq!(c.credential_key_id, new.id());
        assert_eq!(
            s.open_cluster_credential(&c, &KeyRing::new(new, []))
                .unwrap(),
            kubeconfig
        );

        for _ in 0..2 {
            s.record_cluster_failure(c.id, "unreachable", "connection refused", 3)
                .await
                .unwrap();
        }
        assert_eq!(
            s.find_cluster(c.id).await.unwrap().unwrap().status,
            status::RUNNING,
            "one blip is not an error"
        );
        let c2 = s
            .record_cluster_failure(c.id, "unreachable", "connection refused", 3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c2.status, status::ERROR);
        let listed = s
            .list_clusters(
                &ClusterFilter {
                    status: Some(status::ERROR),
                    ..Default::default()
                },
                PAGE,
            )
            .await
            .unwrap();
        assert_eq!(listed.total, 1);
        assert!(s.delete_cluster(c.id).await.unwrap());
        db.drop_db().await;
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_refuse_a_newer_schema() {
    for db in TestDb::all().await {
        assert_eq!(
            db.store.migrate().await.unwrap(),
            0,
            "{}: second run applied something",
            db.backend
        );
        assert!(db.store.schema_ready().await.unwrap());
        use sea_orm::{ConnectionTrait, Statement};
        let conn = db.store.conn();
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000001_from_the_future', 0)".to_owned(),
        ))
        .await
        .unwrap();
        let err = db.store.migrate().await.unwrap_err();
        assert!(
            matches!(err, kubedeck_store::MigrateError::NewerSchema(_)),
            "{}: {err}",
            db.backend
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn the_node_snapshot_reports_what_changed() {
    use kubedeck_store::kube_nodes::NodeSnapshot;
    let node = |name: &str, status: &str| NodeSnapshot {
        name: name.into(),
        role: "worker".into(),
        status: status.into(),
        internal_ip: "10.0.0.1".into(),
        external_ip: String::new(),
        kubelet_version: "v1.20.2".into(),
        os_image: "Debian".into(),
        cpu_capacity: "4".into(),
        memory_capacity: "8Gi".into(),
        cpu_allocatable: "4".into(),
        memory_allocatable: "8Gi".into(),
        labels: "{}".into(),
        taints: "[]".into(),
        summary: format!("{{\"status\":\"{status}\"}}"),
    };
    for db in TestDb::all().await {
        let s = &db.store;
        let d = s
            .replace_node_snapshot(1, vec![node("a", "Ready"), node("b", "Ready")])
            .await
            .unwrap();
        assert_eq!(d.added, vec!["a", "b"], "{}", db.backend);
        let d = s
            .replace_node_snapshot(1, vec![node("a", "NotReady"), node("c", "Ready")])
            .await
            .unwrap();
        assert_eq!(
            (d.added.clone(), d.removed.clone(), d.changed.clone()),
            (
                vec!["c".to_string()],
                vec!["b".to_string()],
                vec!["a".to_string()]
            ),
            "{}",
            db.backend
        );
        let rows = s.node_snapshot(1).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            vec!["a", "c"]
        );
        assert_eq!(rows[0].status, "NotReady");
        assert!(
            s.node_snapshot(2).await.unwrap().is_empty(),
            "snapshots are per cluster"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_task_whose_replica_died_is_marked_interrupted_not_running_forever() {
    for db in TestDb::all().await {
        let s = &db.store;
        let doc = serde_json::json!({"pods": []});
        let orphan = s
            .create_task("node.drain", Some(1), "w1", "admin", "replica-dead", &doc)
            .await
            .unwrap();
        s.try_acquire_lease(
            "replica:replica-alive",
            "replica-alive",
            Duration::seconds(60),
        )
        .await
        .unwrap();
        let alive = s
            .create_task("node.drain", Some(1), "w2", "admin", "replica-alive", &doc)
            .await
            .unwrap();
        assert_eq!(
            s.interrupt_orphaned_tasks("replica-new").await.unwrap(),
            1,
            "{}",
            db.backend
        );
        let t = s.find_task(orphan.id).await.unwrap().unwrap();
        assert_eq!(t.status, "interrupted", "{}", db.backend);
        assert!(t.error.unwrap().contains("stopped"));
        assert!(t.finished_at.is_some());
        assert_eq!(
            s.find_task(alive.id).await.unwrap().unwrap().status,
            "running",
            "a live replica's task is left alone"
        );
        assert!(s.request_task_cancel(alive.id).await.unwrap());
        assert!(
            !s.request_task_cancel(orphan.id).await.unwrap(),
            "a finished task cannot be cancelled"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn the_pod_snapshot_writes_only_what_changed() {
    use kubedeck_store::kube_pods::PodSnapshot;
    let pod = |ns: &str, name: &str, status: &str| PodSnapshot {
        namespace: ns.into(),
        name: name.into(),
        node_name: "w1".into(),
        phase: "Running".into(),
        ready: "1/1".into(),
        restarts: 0,
        age: Some(chrono::Utc::now()),
        ip: "10.1.0.1".into(),
        labels: "{\"app\":\"web\"}".into(),
        owner_type: "ReplicaSet".into(),
        owner_name: "web-1".into(),
        status: status.into(),
        summary: format!("{{\"status\":\"{status}\"}}"),
    };
    // (added, changed, removed, total)
    let counts =
        |d: &kubedeck_store::kube_pods::PodSnapshotDiff| (d.added, d.changed, d.removed, d.total);
    for db in TestDb::all().await {
        let s = &db.store;
        let d = s
            .replace_pod_snapshot(
                1,
                vec![
                    pod("a", "p1", "Running"),
                    pod("a", "p2", "Running"),
                    pod("b", "p1", "Running"),
                ],
            )
            .await
            .unwrap();
        assert_eq!(counts(&d), (3, 0, 0, 3), "{}", db.backend);
        let d = s
            .replace_pod_snapshot(
                1,
                vec![
                    pod("a", "p1", "CrashLoopBackOff"),
                    pod("b", "p1", "Running"),
                    pod("b", "p2", "Pending"),
                ],
            )
            .await
            .unwrap();
        assert_eq!(counts(&d), (1, 1, 1, 3), "{}", db.backend);
        let rows = s.pod_snapshot(1, Some(&["a".to_string()])).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, "CrashLoopBackOff");
        // The watcher's incremental write: one pod changed, one new, one gone; other rows untouched.
        let d = s
            .update_pod_snapshot(
                1,
                vec![pod("b", "p1", "Terminating"), pod("c", "p9", "Pending")],
                vec![
                    ("b".into(), "p2".into()),
                    ("x".into(), "never-existed".into()),
                ],
            )
            .await
            .unwrap();
        assert_eq!(counts(&d), (1, 1, 1, 3), "{}", db.backend);
        let mut now: Vec<(String, String, String)> = s
            .pod_snapshot(1, None)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.namespace, r.name, r.status))
            .collect();
        now.sort();
        assert_eq!(
            now,
            [
                ("a", "p1", "CrashLoopBackOff"),
                ("b", "p1", "Terminating"),
                ("c", "p9", "Pending")
            ]
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        );
        // A full compare of 5,600 pods inserts them in batches (and commits part-way: every 5,000 rows), then
        // finds nothing to do; a third write with 300 pods gone and the rest changed rewrites exactly those.
        let many: Vec<_> = (0..5600)
            .map(|i| pod("big", &format!("p{i}"), "Running"))
            .collect();
        let d = s.replace_pod_snapshot(2, many.clone()).await.unwrap();
        assert_eq!(counts(&d), (5600, 0, 0, 5600), "{}", db.backend);
        let d = s.replace_pod_snapshot(2, many).await.unwrap();
        assert_eq!(counts(&d), (0, 0, 0, 5600), "{}", db.backend);
        let fewer: Vec<_> = (300..5600)
            .map(|i| pod("big", &format!("p{i}"), "Succeeded"))
            .collect();
        let d = s.replace_pod_snapshot(2, fewer).await.unwrap();
        assert_eq!(counts(&d), (0, 5300, 300, 5300), "{}", db.backend);
        let rows = s.pod_snapshot(2, None).await.unwrap();
        assert_eq!(rows.len(), 5300, "{}", db.backend);
        assert!(
            rows.iter().all(|r| r.status == "Succeeded"),
            "{}",
            db.backend
        );
        s.delete_pod_snapshot(2).await.unwrap();
        s.delete_pod_snapshot(1).await.unwrap();
        assert!(s.pod_snapshot(1, None).await.unwrap().is_empty());
        db.drop_db().await;
    }
}

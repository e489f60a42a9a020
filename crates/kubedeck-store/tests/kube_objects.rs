//! The `kube_object` snapshot (every kind other than pods and nodes), on every selected backend.

use kubedeck_core::credential::{CredentialKey, KeyRing};
use kubedeck_store::Store;
use kubedeck_store::clusters::ClusterFacts;
use kubedeck_store::kube_objects::ObjectSnapshot;
use kubedeck_store::snapshot::SnapshotCounts;
use kubedeck_store::testing::TestDb;

/// A cluster row for the snapshot's foreign key.
async fn cluster(s: &Store, name: &str) -> i64 {
    let facts = ClusterFacts {
        kubeconfig: "apiVersion: v1\nkind: Config\n".into(),
        server_url: format!("https://{name}.example:6443"),
        identity_hash: format!("identity-{name}"),
        ..Default::default()
    };
    let ring = KeyRing::new(CredentialKey::generate(), []);
    s.insert_cluster(name, "", &facts, &ring).await.unwrap().id
}

fn obj(ns: &str, name: &str, state: &str) -> ObjectSnapshot {
    ObjectSnapshot {
        namespace: ns.into(),
        name: name.into(),
        row: format!(r#"{{"namespace":"{ns}","name":"{name}","status":"{state}"}}"#),
    }
}

/// (added, changed, removed, total)
fn counts(c: SnapshotCounts) -> (usize, usize, usize, usize) {
    (c.added, c.changed, c.removed, c.total)
}

/// `(namespace, name, row)` of a kind's rows, sorted.
async fn contents(
    s: &Store,
    cluster_id: i64,
    kind: &str,
    namespaces: Option<&[String]>,
) -> Vec<(String, String, String)> {
    let mut rows: Vec<_> = s
        .object_snapshot(cluster_id, kind, namespaces)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.namespace, r.name, r.row))
        .collect();
    rows.sort();
    rows
}

fn expect(objects: &[ObjectSnapshot]) -> Vec<(String, String, String)> {
    let mut rows: Vec<_> = objects
        .iter()
        .map(|o| (o.namespace.clone(), o.name.clone(), o.row.clone()))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn a_kind_is_listed_then_watched_then_relisted() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "prod").await;
        let first = vec![
            obj("a", "web", "Available"),
            obj("a", "api", "Available"),
            obj("b", "web", "Progressing"),
        ];
        let d = s
            .replace_object_snapshot(c, "deployments", first.clone())
            .await
            .unwrap();
        assert_eq!(counts(d), (3, 0, 0, 3), "{b}");
        assert_eq!(
            contents(s, c, "deployments", None).await,
            expect(&first),
            "{b}"
        );
        let written = s.object_snapshot(c, "deployments", None).await.unwrap();

        // The same list again writes nothing: the rows keep the time of their last change.
        let d = s
            .replace_object_snapshot(c, "deployments", first.clone())
            .await
            .unwrap();
        assert_eq!(counts(d), (0, 0, 0, 3), "{b}");
        let mut again = s.object_snapshot(c, "deployments", None).await.unwrap();
        again.sort_by(|x, y| (&x.namespace, &x.name).cmp(&(&y.namespace, &y.name)));
        let mut written = written;
        written.sort_by(|x, y| (&x.namespace, &x.name).cmp(&(&y.namespace, &y.name)));
        assert_eq!(again, written, "{b}: an unchanged list rewrote rows");

        // The watcher's changes: one changed, one new, one gone (and one gone that never was).
        let d = s
            .update_object_snapshot(
                c,
                "deployments",
                vec![
                    obj("b", "web", "Available"),
                    obj("c", "worker", "Progressing"),
                ],
                vec![
                    ("a".into(), "api".into()),
                    ("x".into(), "never-existed".into()),
                ],
            )
            .await
            .unwrap();
        assert_eq!(counts(d), (1, 1, 1, 3), "{b}");
        assert_eq!(
            contents(s, c, "deployments", None).await,
            expect(&[
                obj("a", "web", "Available"),
                obj("b", "web", "Available"),
                obj("c", "worker", "Progressing"),
            ]),
            "{b}"
        );

        // A relist in which one object is gone (deleted while the watch was down) and one changed.
        let relisted = vec![
            obj("a", "web", "Available"),
            obj("c", "worker", "Available"),
        ];
        let d = s
            .replace_object_snapshot(c, "deployments", relisted.clone())
            .await
            .unwrap();
        assert_eq!(counts(d), (0, 1, 1, 2), "{b}");
        assert_eq!(
            contents(s, c, "deployments", None).await,
            expect(&relisted),
            "{b}"
        );

        // More rows than one insert batch (500) take several, on every backend.
        let many: Vec<_> = (0..1_234)
            .map(|i| obj(&format!("ns{}", i % 7), &format!("cm-{i}"), "-"))
            .collect();
        let d = s
            .replace_object_snapshot(c, "configmaps", many.clone())
            .await
            .unwrap();
        assert_eq!(counts(d), (1_234, 0, 0, 1_234), "{b}");
        let d = s
            .replace_object_snapshot(c, "configmaps", many[34..].to_vec())
            .await
            .unwrap();
        assert_eq!(counts(d), (0, 0, 34, 1_200), "{b}");
        assert_eq!(
            contents(s, c, "configmaps", None).await,
            expect(&many[34..]),
            "{b}"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn kinds_and_clusters_are_written_apart() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c1 = cluster(s, "one").await;
        let c2 = cluster(s, "two").await;
        let same = vec![obj("a", "web", "x"), obj("", "cluster-wide", "x")];
        for (c, kind) in [
            (c1, "services"),
            (c1, "widgets.example.com"),
            (c2, "services"),
        ] {
            let d = s
                .replace_object_snapshot(c, kind, same.clone())
                .await
                .unwrap();
            assert_eq!(counts(d), (2, 0, 0, 2), "{b}: {c} {kind}");
        }
        // A kind's relist (here: now empty) and its watcher's changes touch only that kind of that cluster.
        let d = s
            .replace_object_snapshot(c1, "services", vec![])
            .await
            .unwrap();
        assert_eq!(counts(d), (0, 0, 2, 0), "{b}");
        let d = s
            .update_object_snapshot(
                c1,
                "widgets.example.com",
                vec![obj("a", "web", "y")],
                vec![("".into(), "cluster-wide".into())],
            )
            .await
            .unwrap();
        assert_eq!(counts(d), (0, 1, 1, 1), "{b}");
        assert!(contents(s, c1, "services", None).await.is_empty(), "{b}");
        assert_eq!(
            contents(s, c1, "widgets.example.com", None).await,
            expect(&[obj("a", "web", "y")]),
            "{b}"
        );
        assert_eq!(
            contents(s, c2, "services", None).await,
            expect(&same),
            "{b}"
        );
        assert_eq!(
            s.object_snapshot_kinds(c1).await.unwrap(),
            ["widgets.example.com"],
            "{b}"
        );
        assert_eq!(
            s.object_snapshot_kinds(c2).await.unwrap(),
            ["services"],
            "{b}"
        );

        s.replace_object_snapshot(c1, "services", same.clone())
            .await
            .unwrap();
        s.delete_object_snapshot(c1, "widgets.example.com")
            .await
            .unwrap();
        assert_eq!(
            s.object_snapshot_kinds(c1).await.unwrap(),
            ["services"],
            "{b}"
        );
        assert_eq!(
            contents(s, c2, "services", None).await,
            expect(&same),
            "{b}"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_namespace_filter_reads_only_its_namespaces() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "prod").await;
        let all = vec![
            obj("a", "one", "-"),
            obj("a", "two", "-"),
            obj("b", "one", "-"),
            obj("c", "one", "-"),
        ];
        s.replace_object_snapshot(c, "secrets", all.clone())
            .await
            .unwrap();
        let only = |ns: &[&str]| ns.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            contents(s, c, "secrets", Some(&only(&["a", "c"]))).await,
            expect(&[all[0].clone(), all[1].clone(), all[3].clone()]),
            "{b}"
        );
        assert_eq!(
            contents(s, c, "secrets", Some(&only(&["b", "nothing-here"]))).await,
            expect(&[all[2].clone()]),
            "{b}"
        );
        assert!(contents(s, c, "secrets", Some(&[])).await.is_empty(), "{b}");
        assert_eq!(contents(s, c, "secrets", None).await, expect(&all), "{b}");
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_deleted_cluster_takes_its_snapshot_with_it() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let gone = cluster(s, "gone").await;
        let kept = cluster(s, "kept").await;
        for c in [gone, kept] {
            for kind in ["deployments", "configmaps"] {
                s.replace_object_snapshot(c, kind, vec![obj("a", "x", "-"), obj("b", "y", "-")])
                    .await
                    .unwrap();
            }
        }
        assert!(s.delete_cluster(gone).await.unwrap(), "{b}");
        assert!(
            s.object_snapshot_kinds(gone).await.unwrap().is_empty(),
            "{b}"
        );
        assert!(
            contents(s, gone, "deployments", None).await.is_empty(),
            "{b}"
        );
        assert_eq!(
            s.object_snapshot_kinds(kept).await.unwrap(),
            ["configmaps", "deployments"],
            "{b}"
        );
        // No snapshot row can name a cluster that does not exist.
        assert!(
            s.replace_object_snapshot(gone, "deployments", vec![obj("a", "x", "-")])
                .await
                .is_err(),
            "{b}: a row for a deleted cluster was written"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn names_are_kept_as_kubernetes_spells_them() {
    // Kubernetes compares names byte for byte (RBAC objects may have any name, capitals and all): names that a
    // case- or accent-insensitive collation would take for one must stay apart, and come back as written.
    let names = [
        "admin",
        "Admin",
        "cafe",
        "café",
        "名前",
        "🚀-launch",
        "system:controller:ü",
    ];
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "prod").await;
        let objects: Vec<_> = names.iter().map(|n| obj("ünïcode", n, "Ω")).collect();
        let d = s
            .replace_object_snapshot(c, "clusterroles", objects.clone())
            .await
            .unwrap();
        assert_eq!(counts(d), (names.len(), 0, 0, names.len()), "{b}");
        assert_eq!(
            contents(s, c, "clusterroles", None).await,
            expect(&objects),
            "{b}"
        );
        let d = s
            .replace_object_snapshot(c, "clusterroles", objects.clone())
            .await
            .unwrap();
        assert_eq!(counts(d), (0, 0, 0, names.len()), "{b}");
        // Changing and deleting by key reach exactly the row named.
        let d = s
            .update_object_snapshot(
                c,
                "clusterroles",
                vec![obj("ünïcode", "Admin", "changed")],
                vec![("ünïcode".into(), "café".into())],
            )
            .await
            .unwrap();
        assert_eq!(counts(d), (0, 1, 1, names.len() - 1), "{b}");
        let now = contents(s, c, "clusterroles", Some(&["ünïcode".to_string()])).await;
        let row_of = |name: &str| now.iter().find(|r| r.1 == name).map(|r| r.2.clone());
        assert_eq!(
            row_of("Admin"),
            Some(obj("ünïcode", "Admin", "changed").row),
            "{b}"
        );
        assert_eq!(
            row_of("admin"),
            Some(obj("ünïcode", "admin", "Ω").row),
            "{b}"
        );
        assert_eq!(row_of("café"), None, "{b}");
        assert!(row_of("cafe").is_some(), "{b}");

        // A name longer than the column is left out, not a failed write of the whole kind.
        let long = "r".repeat(300);
        let d = s
            .replace_object_snapshot(
                c,
                "roles",
                vec![obj("a", &long, "-"), obj("a", "short", "-")],
            )
            .await
            .unwrap();
        assert_eq!(counts(d), (1, 0, 0, 1), "{b}");
        db.drop_db().await;
    }
}

//! Fencing (issue 17): a replica whose cluster lease passed to another replica cannot write that cluster's
//! snapshots any more, even if it still believes it holds the lease (a paused process, a lost network), on every
//! selected backend.

use chrono::Duration;
use kubedeck_core::credential::{CredentialKey, KeyRing};
use kubedeck_store::Store;
use kubedeck_store::clusters::ClusterFacts;
use kubedeck_store::kube_objects::ObjectSnapshot;
use kubedeck_store::leases::{Fence, is_lease_lost};
use kubedeck_store::testing::TestDb;

async fn cluster(s: &Store, name: &str) -> i64 {
    let facts = ClusterFacts {
        kubeconfig: "apiVersion: v1\nkind: Config\n".into(),
        server_url: format!("https://{name}.example:6443"),
        identity_hash: format!("identity-{name}"),
        ..Default::default()
    };
    s.insert_cluster(
        name,
        "",
        &facts,
        &KeyRing::new(CredentialKey::generate(), []),
    )
    .await
    .unwrap()
    .id
}

fn obj(name: &str, by: &str) -> ObjectSnapshot {
    ObjectSnapshot {
        namespace: "a".into(),
        name: name.into(),
        row: format!(r#"{{"name":"{name}","written_by":"{by}"}}"#),
    }
}

async fn rows(s: &Store, c: i64) -> Vec<String> {
    let mut r: Vec<String> = s
        .object_snapshot(c, "configmaps", None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.row)
        .collect();
    r.sort();
    r
}

#[tokio::test]
async fn a_replica_that_lost_its_lease_cannot_write_the_snapshot_the_new_holder_owns() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "fenced").await;
        let lease = format!("sync:cluster:{c}");
        let fence = |holder: &str, token: i64| Fence {
            lease: lease.clone(),
            holder: holder.into(),
            token,
        };

        // replica A holds the lease and writes
        let ta = s
            .try_acquire_lease(&lease, "replica-a", Duration::seconds(30))
            .await
            .unwrap()
            .expect("A takes the lease");
        let a = s.fenced(fence("replica-a", ta));
        a.replace_object_snapshot(c, "configmaps", vec![obj("one", "a")])
            .await
            .unwrap();

        // A stalls past its lease; B takes the cluster over with a new token and writes
        s.try_acquire_lease(&lease, "replica-a", Duration::seconds(-1))
            .await
            .unwrap();
        let tb = s
            .try_acquire_lease(&lease, "replica-b", Duration::seconds(30))
            .await
            .unwrap()
            .expect("B takes over");
        assert!(
            tb > ta,
            "{b}: the token grows on a take-over ({ta} -> {tb})"
        );
        let bw = s.fenced(fence("replica-b", tb));
        bw.replace_object_snapshot(c, "configmaps", vec![obj("one", "b"), obj("two", "b")])
            .await
            .unwrap();
        let by_b = rows(s, c).await;

        // A wakes up and writes what its old watch saw: refused, the new holder's rows stay as they are
        for e in [
            a.replace_object_snapshot(c, "configmaps", vec![obj("one", "a")])
                .await
                .unwrap_err(),
            a.update_object_snapshot(
                c,
                "configmaps",
                vec![obj("three", "a")],
                vec![("a".into(), "two".into())],
            )
            .await
            .unwrap_err(),
            a.delete_object_snapshot(c, "configmaps").await.unwrap_err(),
        ] {
            assert!(is_lease_lost(&e), "{b}: {e}");
            assert!(
                e.to_string().contains("replica-b"),
                "{b}: the error names the holder: {e}"
            );
        }
        assert_eq!(
            rows(s, c).await,
            by_b,
            "{b}: a fenced-out write changed the snapshot"
        );

        // even if A gets the lease back later, its old token stays refused: only a freshly granted one writes
        s.release_lease(&lease, "replica-b").await.unwrap();
        let again = s
            .try_acquire_lease(&lease, "replica-a", Duration::seconds(30))
            .await
            .unwrap()
            .expect("A again");
        assert!(again > tb, "{b}");
        let e = a
            .replace_object_snapshot(c, "configmaps", vec![obj("one", "a")])
            .await
            .unwrap_err();
        assert!(
            is_lease_lost(&e),
            "{b}: the old token after a new grant: {e}"
        );
        s.fenced(fence("replica-a", again))
            .replace_object_snapshot(c, "configmaps", vec![obj("one", "a")])
            .await
            .unwrap();
        assert_eq!(rows(s, c).await, vec![obj("one", "a").row], "{b}");

        // an unfenced store (tests, the CLI) writes as before
        s.replace_object_snapshot(c, "configmaps", vec![])
            .await
            .unwrap();
        assert!(rows(s, c).await.is_empty(), "{b}");
    }
}

/// The holder renews all of its cluster leases in one statement, and only those still live: an expired one is
/// left for a take-over (which raises the token), never quietly extended.
#[tokio::test]
async fn renewing_extends_only_the_live_leases_of_the_holder() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let run = unique_prefix();
        let name = |n: &str| format!("sync:cluster:{run}{n}");
        let other = format!("replica:{run}");
        for n in ["1", "2", "3"] {
            s.try_acquire_lease(&name(n), "replica-a", Duration::seconds(2))
                .await
                .unwrap()
                .unwrap();
        }
        s.try_acquire_lease(&other, "replica-a", Duration::seconds(2))
            .await
            .unwrap()
            .unwrap();
        s.try_acquire_lease(&name("4"), "replica-b", Duration::seconds(2))
            .await
            .unwrap()
            .unwrap();
        // lease 3 has already expired (its holder stalled)
        s.try_acquire_lease(&name("3"), "replica-a", Duration::seconds(-1))
            .await
            .unwrap();
        let renewed = s
            .renew_leases(
                "replica-a",
                &format!("sync:cluster:{run}"),
                Duration::seconds(60),
            )
            .await
            .unwrap();
        assert_eq!(renewed, 2, "{b}: leases 1 and 2 only");
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        for (lease, holder) in [
            (name("1"), Some("replica-a")),
            (name("2"), Some("replica-a")),
            (name("3"), None),
            (name("4"), None),
            (other.clone(), None),
        ] {
            assert_eq!(
                s.lease_holder(&lease).await.unwrap().as_deref(),
                holder,
                "{b}: {lease}"
            );
        }
    }
}

/// A prefix of lease names no other run of this test uses (the databases are shared between runs).
fn unique_prefix() -> String {
    format!(
        "{}x",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

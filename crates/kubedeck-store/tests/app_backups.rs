//! Application backups and their schedules (issue 18) on every selected backend: a schedule's name is unique per
//! cluster, a due run is claimed by one caller only, retention counts a schedule's own stored backups (newest kept,
//! on-demand and failed ones never chosen), and a backup left running by a replica without a lease is interrupted.

use chrono::{Duration, Utc};
use kubedeck_core::credential::{CredentialKey, KeyRing};
use kubedeck_store::Store;
use kubedeck_store::app_backup_schedules::ScheduleFields;
use kubedeck_store::app_backups::BackupContents;
use kubedeck_store::clusters::ClusterFacts;
use kubedeck_store::testing::TestDb;

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

fn fields(name: &str) -> ScheduleFields {
    ScheduleFields {
        name: name.into(),
        namespaces: vec!["shop".into()],
        label_selector: None,
        schedule: "0 3 * * *".into(),
        keep_count: Some(2),
        keep_days: None,
        enabled: true,
    }
}

#[tokio::test]
async fn schedules_claims_retention_and_interrupted_backups() {
    for db in TestDb::all().await {
        let s = &db.store;
        let b = db.backend;
        let ring = KeyRing::new(CredentialKey::generate(), []);
        let c = cluster(s, "bk").await;
        let other = cluster(s, "bk2").await;

        // names are unique per cluster, not across clusters
        let nightly = s.create_app_backup_schedule(c, &fields("nightly"), "admin").await.unwrap().expect("created");
        assert!(s.create_app_backup_schedule(c, &fields("nightly"), "admin").await.unwrap().is_none(), "{b}");
        assert!(s.create_app_backup_schedule(other, &fields("nightly"), "admin").await.unwrap().is_some(), "{b}");
        assert!(s.app_backup_schedule_name_taken(c, "nightly", None).await.unwrap());
        assert!(!s.app_backup_schedule_name_taken(c, "nightly", Some(nightly.id)).await.unwrap());
        let mut paused = fields("paused");
        paused.enabled = false;
        s.create_app_backup_schedule(c, &paused, "admin").await.unwrap().unwrap();
        let enabled: Vec<String> = s.enabled_app_backup_schedules().await.unwrap().into_iter().map(|x| x.name).collect();
        assert_eq!(enabled, vec!["nightly", "nightly"], "{b}");

        // a due run: the first claim wins, a second with the same previous value loses
        let at = Utc::now();
        assert!(s.claim_app_backup_run(nightly.id, None, at).await.unwrap(), "{b}");
        assert!(!s.claim_app_backup_run(nightly.id, None, at).await.unwrap(), "{b}: claimed twice");
        let row = s.find_app_backup_schedule(c, nightly.id).await.unwrap().unwrap();
        let later = at + Duration::minutes(1);
        assert!(s.claim_app_backup_run(nightly.id, row.last_scheduled_at, later).await.unwrap(), "{b}");

        // three stored backups of the schedule, one failed, one on demand: keep 2 removes only the oldest stored
        let contents = BackupContents {
            manifests: "[]".into(),
            secrets: b"[]".to_vec(),
            sha256: "0".repeat(64),
            report: "{}".into(),
            ..Default::default()
        };
        let mut stored = Vec::new();
        for i in 0..3 {
            let r = s.start_app_backup(c, &format!("nightly-{i}"), &["shop".into()], None, "schedule:nightly", Some(nightly.id), "r1").await.unwrap();
            s.finish_app_backup(r.id, &contents, &ring).await.unwrap();
            stored.push(r.id);
        }
        let failed = s.start_app_backup(c, "nightly-f", &["shop".into()], None, "schedule:nightly", Some(nightly.id), "r1").await.unwrap();
        s.fail_app_backup(failed.id, "namespace 'shop' does not exist").await.unwrap();
        let by_hand = s.start_app_backup(c, "by-hand", &["shop".into()], None, "admin", None, "r1").await.unwrap();
        s.finish_app_backup(by_hand.id, &contents, &ring).await.unwrap();
        let gone = s.app_backups_beyond_retention(nightly.id, Some(2), None, Utc::now()).await.unwrap();
        assert_eq!(gone, vec![stored[0]], "{b}");
        assert!(s.app_backups_beyond_retention(nightly.id, None, Some(1), Utc::now()).await.unwrap().is_empty(), "{b}");
        let all = s.app_backups_beyond_retention(nightly.id, None, Some(1), Utc::now() + Duration::days(2)).await.unwrap();
        assert_eq!(all.len(), 3, "{b}: age counts stored ones only");
        let listed = s.list_app_backups(c).await.unwrap();
        assert_eq!(listed.iter().filter(|x| x.schedule_id == Some(nightly.id)).count(), 4, "{b}");

        // running rows: one of a replica with a live lease, one of a replica gone
        s.try_acquire_lease("replica:alive", "alive", Duration::seconds(60)).await.unwrap();
        let live = s.start_app_backup(c, "live", &["shop".into()], None, "admin", None, "alive").await.unwrap();
        let orphan = s.start_app_backup(c, "orphan", &["shop".into()], None, "admin", None, "dead").await.unwrap();
        let mine = s.start_app_backup(c, "mine", &["shop".into()], None, "admin", None, "me").await.unwrap();
        assert_eq!(s.interrupt_orphaned_app_backups("me").await.unwrap(), 1, "{b}");
        let status = |id| async move { s.find_app_backup(c, id).await.unwrap().unwrap() };
        let o = status(orphan.id).await;
        assert_eq!(o.status, "interrupted", "{b}");
        assert!(o.finished_at.is_some() && o.error.unwrap().contains("stopped"), "{b}");
        assert_eq!(status(live.id).await.status, "running", "{b}");
        assert_eq!(status(mine.id).await.status, "running", "{b}");

        // deleting a schedule keeps its backups; deleting the cluster takes schedules along
        assert!(s.delete_app_backup_schedule(c, nightly.id).await.unwrap());
        assert!(!s.delete_app_backup_schedule(c, nightly.id).await.unwrap());
        assert_eq!(s.list_app_backups(c).await.unwrap().len(), 8, "{b}");
        s.delete_cluster(other).await.unwrap();
        assert!(s.list_app_backup_schedules(other).await.unwrap().is_empty(), "{b}");
        db.drop_db().await;
    }
}

//! The one migration set, for SQLite, PostgreSQL and MySQL/MariaDB alike.
//!
//! Rules that keep it portable: no backend-specific types (JSON as text), UTC timestamps, unique columns are
//! bounded strings (MySQL cannot index TEXT), and no migration is ever edited once released: add a new one.

use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_nodes;
mod m20261125_000003_pods;
mod m20261129_000004_objects;
mod m20261130_000005_volume_metrics;
mod m20261130_000006_kube_events;
mod m20261130_000007_cluster_metrics;
mod m20261201_000008_alerts;
mod m20261201_000009_notify;
mod m20261202_000010_prometheus;
mod m20261202_000011_maintenance;
mod m20261202_000012_pod_metrics;
mod m20261202_000013_event_text;
mod m20261202_000014_etcd_backups;
mod m20261203_000015_alert_group_by;
mod m20261203_000016_prometheus_ca;
mod m20261203_000017_app_backups;
mod m20261204_000018_app_backup_schedules;

/// Kubedeck's migrator.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_nodes::Migration),
            Box::new(m20261125_000003_pods::Migration),
            Box::new(m20261129_000004_objects::Migration),
            Box::new(m20261130_000005_volume_metrics::Migration),
            Box::new(m20261130_000006_kube_events::Migration),
            Box::new(m20261130_000007_cluster_metrics::Migration),
            Box::new(m20261201_000008_alerts::Migration),
            Box::new(m20261201_000009_notify::Migration),
            Box::new(m20261202_000010_prometheus::Migration),
            Box::new(m20261202_000011_maintenance::Migration),
            Box::new(m20261202_000012_pod_metrics::Migration),
            Box::new(m20261202_000013_event_text::Migration),
            Box::new(m20261202_000014_etcd_backups::Migration),
            Box::new(m20261203_000015_alert_group_by::Migration),
            Box::new(m20261203_000016_prometheus_ca::Migration),
            Box::new(m20261203_000017_app_backups::Migration),
            Box::new(m20261204_000018_app_backup_schedules::Migration),
        ]
    }
}

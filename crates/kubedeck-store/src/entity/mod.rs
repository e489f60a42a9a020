//! SeaORM entities, one module per table. Times are UTC; JSON is stored as text so all three databases agree.

pub mod alert;
pub mod alert_ingest_token;
pub mod alert_rule_setting;
pub mod alert_silence;
pub mod audit_log;
pub mod cluster_metric;
pub mod etcd_endpoint;
pub mod etcd_snapshot;
pub mod k8s_cluster;
pub mod kube_event;
pub mod kube_node;
pub mod kube_object;
pub mod kube_pod;
pub mod lease;
pub mod login_failure;
pub mod node_metric;
pub mod notify_channel;
pub mod notify_delivery;
pub mod notify_delivery_alert;
pub mod prometheus_link;
pub mod prometheus_saved_query;
pub mod refresh_token;
pub mod role_binding;
pub mod task;
pub mod user;
pub mod volume_metric;

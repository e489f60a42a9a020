//! Black-box tests of the API: the real router on 127.0.0.1:0, a fresh database per test, the real testbed.

#[macro_use]
mod helpers;
mod apiserver;
mod log_stream;
mod namespaces_storage;
mod namespace_access;
mod network_config;

mod auth;
mod alerts;
mod app_backups;
mod balance;
mod authz_matrix;
mod certificates;
mod channels;
mod cluster_metrics;
mod clusters;
mod conventions;
mod credentials;
mod edge;
mod etcd_backups;
mod events;
mod exec;
mod hpa;
mod maintenance;
mod node_metrics;
mod nodes;
mod outage;
mod pod_metrics;
mod pods;
mod prometheus;
mod proxy;
mod rate_limit;
mod redis;
mod resources;
mod retention;
mod tasks;
mod upgrade;
mod users_audit;
mod workloads;

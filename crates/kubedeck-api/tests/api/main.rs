//! Black-box tests of the API: the real router on 127.0.0.1:0, a fresh database per test, the real testbed.

mod helpers;
mod log_stream;

mod auth;
mod authz_matrix;
mod clusters;
mod conventions;
mod node_metrics;
mod nodes;
mod outage;
mod pods;

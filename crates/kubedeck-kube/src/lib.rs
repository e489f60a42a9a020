//! Kubedeck's side of the Kubernetes connection.
//!
//! - [`kubeconfig`]: parse an uploaded kubeconfig and refuse everything that would run commands or read files
//!   on the server;
//! - [`preflight`]: before a cluster is saved, reach it and report version, nodes, certificate expiry and what
//!   the credential may do;
//! - [`hub`]: one live handle per cluster (client, watchers, synced node store);
//! - [`pods`], [`intern`]: the compact pod projection the pod lists are served from;
//! - [`error`]: kube errors mapped once into what an operator needs to hear.

pub mod drain;
pub mod error;
pub mod events;
pub mod hub;
pub mod intern;
pub mod kubeconfig;
pub mod label_index;
pub mod nodes;
pub mod pods;
pub mod preflight;
pub mod quantity;
pub mod resource;
pub mod selector;
pub mod upgrade;
pub mod usage;
pub mod workload;
pub mod x509;

//! Kubedeck's domain core: the pieces every other crate agrees on and that need no I/O.
//!
//! - [`rbac`]: roles, permissions and the one function that decides whether a binding allows an action;
//! - [`credential`]: AES-256-GCM encryption of stored kubeconfigs, bound to their row;
//! - [`password`]: argon2id password hashing.

pub mod cluster;
pub mod credential;
pub mod error_code;
pub mod password;
pub mod rbac;

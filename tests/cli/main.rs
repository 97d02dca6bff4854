//! Integration tests: the plugin binary against a real kube-apiserver + etcd (see harness.rs).
mod harness;

mod architecture;
mod audit;
mod audit_security;
mod core;
mod deploy;
mod foundation;
mod krew;
mod snapshots;
mod sync;
mod troubleshoot;

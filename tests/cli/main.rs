//! Integration tests: the plugin binary against a real kube-apiserver + etcd (see harness.rs).
mod harness;

mod architecture;
mod audit;
mod audit_security;
mod core;
mod deploy;
mod dialect;
mod environment_context;
mod foundation;
mod hints;
mod krew;
mod leaks;
mod privilege;
mod release;
mod robustness;
mod safety;
mod snapshots;
mod status;
mod sync;
mod terminal;
mod troubleshoot;

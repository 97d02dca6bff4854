//! Integration tests: the plugin binary against a real kube-apiserver + etcd (see harness.rs).
mod harness;

mod architecture;
mod audit;
mod core;
mod deploy;
mod foundation;
mod krew;
mod leaks;
mod robustness;
mod snapshots;
mod sync;
mod troubleshoot;

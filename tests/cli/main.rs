//! Integration tests: the plugin binary against a real kube-apiserver + etcd (see harness.rs).
mod harness;

mod audit;
mod core;
mod deploy;
mod foundation;
mod krew;
mod release;
mod sync;
mod troubleshoot;

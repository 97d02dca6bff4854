//! A listed server read from its bytes (`findings::Server::listed_mcpserver` and
//! `listed_remote`, audit's path) on arbitrary bytes: it never panics, and where it reads the
//! bytes, it finds what the same model finds in the object's JSON value (the other commands'
//! path): the same references and plain values.
#![no_main]
use kubectl_kmcp::core::findings::Server;
use kubectl_kmcp::core::{mcpserver, plaintext, remote};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let listed = Server::listed_mcpserver(data);
    let listed_remote = Server::listed_remote(data);
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(server) = listed {
        let spec = mcpserver::Spec::of_object(&value);
        assert_eq!(server.references, mcpserver::spec_references(&spec));
        assert_eq!(server.plaintext, plaintext::scan_mcpserver(&spec));
    }
    if let Ok(server) = listed_remote {
        let spec = remote::Spec::of_object(&value);
        assert_eq!(server.references, remote::references(&spec));
        assert_eq!(server.plaintext, remote::plaintext(&spec));
    }
});

//! The kmcp.yaml reader on arbitrary bytes: it never panics.
#![no_main]
use std::path::Path;

use kubectl_kmcp::core::project::Project;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Project::parse(Path::new("kmcp.yaml"), text);
    }
});

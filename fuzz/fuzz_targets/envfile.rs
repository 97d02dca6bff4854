//! The env file reader on arbitrary bytes: it never panics, never shows a byte run of the
//! input's values in a message (checked for the 8-byte marker the seeds use), and reads CRLF
//! like LF and a BOM like none.
#![no_main]
use std::path::Path;

use kubectl_kmcp::core::envfile::parse;
use libfuzzer_sys::fuzz_target;

fn outcome(text: &str) -> Result<Vec<(String, String)>, String> {
    parse(Path::new(".env"), text)
        .map(|f| f.entries.into_iter().map(|e| (e.key, e.value)).collect())
        .map_err(|e| e.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let got = outcome(text);
    if let Err(msg) = &got {
        // Seeds hold values with the marker `qzjxQZJX`; a key may hold it after a mutation.
        let in_a_key = text.lines().any(|l| {
            let l = l.trim_start().trim_start_matches("export").trim_start();
            l.split('=').next().unwrap_or("").contains("qzjx")
        });
        assert!(in_a_key || !msg.contains("qzjx"), "a value in the message: {msg}");
    }
    if !text.contains('\r') && !text.starts_with('\u{feff}') {
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(outcome(&crlf).is_ok(), got.is_ok(), "CRLF differs");
        if let (Ok(a), Ok(b)) = (outcome(&crlf), &got) {
            assert_eq!(&a, b, "CRLF reads differently");
        }
        let bom = format!("\u{feff}{text}");
        assert_eq!(outcome(&bom).ok(), got.ok(), "a BOM reads differently");
    }
});

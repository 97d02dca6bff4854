//! The list splitter (`client::split`) on arbitrary bytes: it never panics, cuts the same pieces
//! however the bytes arrive, and, where serde_json reads the input as a list object, gives back
//! exactly its items and metadata.
#![no_main]
use kubectl_kmcp::client::split::{Piece, Splitter};
use libfuzzer_sys::fuzz_target;

fn split(data: &[u8], size: usize) -> (Vec<Piece>, bool) {
    let mut pieces = Vec::new();
    let mut splitter = Splitter::default();
    for chunk in data.chunks(size.max(1)) {
        if splitter.feed(chunk, &mut |p| pieces.push(p)).is_err() {
            return (pieces, false);
        }
    }
    let ok = splitter.finish().is_ok();
    (pieces, ok)
}

fuzz_target!(|data: &[u8]| {
    let size = data.first().map_or(1, |b| usize::from(*b % 17) + 1);
    let (whole, ok) = split(data, data.len());
    let (chunked, chunked_ok) = split(data, size);
    assert_eq!(ok, chunked_ok);
    if ok {
        assert_eq!(whole, chunked);
    }
    // A key written with escapes, or twice, is read differently on purpose (see split.rs).
    let text = String::from_utf8_lossy(data);
    if text.contains('\\') || text.matches("\"items\"").count() > 1 || text.matches("\"metadata\"").count() > 1 {
        return;
    }
    let Ok(serde_json::Value::Object(list)) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Some(serde_json::Value::Array(items)) = list.get("items") else {
        return;
    };
    assert!(ok, "serde_json reads a list the splitter refused");
    let mut got = Vec::new();
    for p in &whole {
        if let Piece::Item(bytes) = p {
            got.push(serde_json::from_slice::<serde_json::Value>(bytes).expect("an item cut whole"));
        }
    }
    assert_eq!(&got, items);
});

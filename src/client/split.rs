//! Splits the answer to a list request, as its bytes arrive, into the bytes of each element of
//! its top-level `items` array and of its top-level `metadata` object (for the `continue`
//! token); everything else (`kind`, `apiVersion`) is skipped.
//!
//! Why not let serde_json read the whole answer from the stream: serde_json reads from an
//! `io::Read` a byte at a time, about twice as slow as from a slice, and one reader cannot be
//! shared by two threads. Cut into items, each item is decoded from a slice, and the items of a
//! large list are decoded on two threads while the answer still arrives (see `stream`). This
//! only finds where the items begin and end (strings, escapes, nesting); each item is then
//! decoded, and so checked, by serde_json. A top-level key written with escapes (never done by
//! the API server) is not recognised and its value is skipped.

/// A part of the answer that the caller decodes.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// One element of `items`.
    Item(Vec<u8>),
    /// The top-level `metadata` object.
    Metadata(Vec<u8>),
}

/// An answer that is not a JSON object with the shape of a list: where it went wrong (a byte
/// offset), never its text.
#[derive(Debug, PartialEq, Eq)]
pub struct SplitError {
    pub offset: usize,
    pub what: &'static str,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

/// The depth inside the `items` array, between its elements: an element's own brackets take it
/// deeper.
const ITEM_LEVEL: usize = 2;

/// The bytes that matter outside strings inside an item: a quote opens a string, brackets nest.
static STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

/// What the bytes at depth 1 (inside the top-level object) are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Before a key (after `{` or `,`).
    Key,
    /// After a key, before its `:`.
    Colon,
    /// The value of a key that is skipped.
    Skip,
    /// The value of `items`, before its `[` (or `null`).
    ItemsStart,
    /// Inside `items`.
    Items,
    /// After `items`' `]`, before `,` or `}`.
    ItemsEnd,
    /// The value of `metadata`.
    Metadata,
}

/// The state of the split between two chunks.
#[derive(Debug)]
pub struct Splitter {
    /// Bytes consumed so far (for errors).
    offset: usize,
    /// Nesting: 0 outside the top-level object, 1 inside it.
    depth: usize,
    in_string: bool,
    escaped: bool,
    slot: Slot,
    /// The key being read at depth 1, or the last one read.
    key: Vec<u8>,
    /// Inside a depth-1 string that is a key.
    in_key: bool,
    /// The bytes of the item or metadata being collected.
    piece: Vec<u8>,
    /// The top-level object was closed.
    done: bool,
    /// A comma was the last separator read at this level (in `items`, or at depth 1).
    after_comma: bool,
    /// A byte other than whitespace was seen.
    started: bool,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter {
            offset: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            slot: Slot::Key,
            key: Vec::new(),
            in_key: false,
            piece: Vec::new(),
            done: false,
            after_comma: false,
            started: false,
        }
    }
}

impl Splitter {
    /// Reads one chunk of the answer, handing each complete piece to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut impl FnMut(Piece)) -> Result<(), SplitError> {
        let mut rest = chunk;
        while let Some((&b, after)) = rest.split_first() {
            if self.slot == Slot::Items && self.depth > ITEM_LEVEL {
                let used = self.item_run(rest);
                rest = &rest[used..];
                continue;
            }
            if self.in_string && !self.escaped && !self.in_key {
                // Most of a list is text inside strings: up to the next quote or backslash
                // nothing but the piece changes, so that run is copied at once.
                let run = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                if run > 0 {
                    if self.collecting() {
                        self.piece.extend_from_slice(&rest[..run]);
                    }
                    self.offset += run;
                    rest = &rest[run..];
                    continue;
                }
            }
            self.byte(b, out)?;
            self.offset += 1;
            rest = after;
        }
        Ok(())
    }

    /// Inside an item, below its own level (nearly all of a list's bytes), only strings and
    /// nesting matter until the item's closing bracket: a tight loop over the bytes that jumps
    /// from one quote, backslash or bracket to the next, and copies the run into the piece at
    /// once. Returns the bytes consumed: up to that closing bracket, or all of `bytes`.
    fn item_run(&mut self, bytes: &[u8]) -> usize {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                    Some(run) => {
                        i += run;
                        if bytes[i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                        }
                        i += 1;
                    }
                    None => i = bytes.len(),
                }
                continue;
            }
            while i < bytes.len() && !STRUCTURAL[bytes[i] as usize] {
                i += 1;
            }
            let Some(&b) = bytes.get(i) else { break };
            i += 1;
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                _ => {
                    self.depth -= 1;
                    if self.depth == ITEM_LEVEL {
                        break;
                    }
                }
            }
        }
        self.piece.extend_from_slice(&bytes[..i]);
        self.offset += i;
        i
    }

    /// The answer ended: it must have been one whole object.
    pub fn finish(self) -> Result<(), SplitError> {
        if self.done {
            Ok(())
        } else {
            Err(self.error(if self.started {
                "the answer ends inside the list object"
            } else {
                "the answer is empty"
            }))
        }
    }

    fn error(&self, what: &'static str) -> SplitError {
        SplitError {
            offset: self.offset,
            what,
        }
    }

    /// Whether byte `b` is kept in the piece being collected.
    fn collecting(&self) -> bool {
        match self.slot {
            Slot::Metadata => true,
            // An item: everything inside the array but the separators at its own level.
            Slot::Items => self.depth >= 2,
            _ => false,
        }
    }

    fn byte(&mut self, b: u8, out: &mut impl FnMut(Piece)) -> Result<(), SplitError> {
        if self.in_string {
            if self.collecting() {
                self.piece.push(b);
            }
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
                if self.in_key {
                    // An escaped key is never one of ours.
                    self.key.clear();
                    self.key.push(0);
                }
            } else if b == b'"' {
                self.in_string = false;
                if self.in_key {
                    self.in_key = false;
                    self.slot = Slot::Colon;
                }
            } else if self.in_key {
                self.key.push(b);
            }
            return Ok(());
        }
        if b.is_ascii_whitespace() {
            if self.collecting() && !self.piece.is_empty() {
                self.piece.push(b);
            }
            return Ok(());
        }
        self.started = true;
        if self.done {
            return Err(self.error("bytes after the list object"));
        }
        if self.depth == 0 {
            return if b == b'{' {
                self.depth = 1;
                Ok(())
            } else {
                Err(self.error("the answer is not a JSON object"))
            };
        }
        // Inside an item or the metadata, or a skipped value: only nesting and strings matter.
        let level = self.depth;
        match b {
            b'"' => {
                self.in_string = true;
                if level == 1 && self.slot == Slot::Key {
                    self.in_key = true;
                    self.after_comma = false;
                    self.key.clear();
                }
            }
            b'{' | b'[' => {
                self.depth += 1;
                if level == 1 && self.slot == Slot::ItemsStart {
                    if b != b'[' {
                        return Err(self.error("items is not an array"));
                    }
                    self.slot = Slot::Items;
                    self.after_comma = false;
                    return Ok(());
                }
            }
            b'}' | b']' => {
                self.depth -= 1;
                if level == 2 && self.slot == Slot::Items {
                    if b != b']' {
                        return Err(self.error("unbalanced brackets in items"));
                    }
                    self.end_item(true, out)?;
                    self.slot = Slot::ItemsEnd;
                    return Ok(());
                }
                if level == 1 {
                    if b != b'}' {
                        return Err(self.error("unbalanced brackets"));
                    }
                    self.end_value(true, out)?;
                    self.done = true;
                    return Ok(());
                }
            }
            b',' if level == 2 && self.slot == Slot::Items => {
                return self.end_item(false, out);
            }
            b',' if level == 1 => {
                self.end_value(false, out)?;
                self.slot = Slot::Key;
                self.after_comma = true;
                return Ok(());
            }
            b':' if level == 1 => {
                if self.slot != Slot::Colon {
                    return Err(self.error("a colon out of place"));
                }
                self.slot = match self.key.as_slice() {
                    b"items" => Slot::ItemsStart,
                    b"metadata" => Slot::Metadata,
                    _ => Slot::Skip,
                };
                return Ok(());
            }
            _ => {
                if level == 1 {
                    match self.slot {
                        // `"items": null`: no items.
                        Slot::ItemsStart => self.slot = Slot::Skip,
                        Slot::Key | Slot::Colon | Slot::ItemsEnd => {
                            return Err(self.error("a value where a key was expected"));
                        }
                        _ => {}
                    }
                }
            }
        }
        if self.collecting() {
            self.piece.push(b);
        }
        Ok(())
    }

    /// The end of an element of `items`: `,` or (`closing`) `]` at its level.
    fn end_item(&mut self, closing: bool, out: &mut impl FnMut(Piece)) -> Result<(), SplitError> {
        if self.piece.is_empty() {
            // `[]` is an empty list; `[,`, `,,` and `,]` are not JSON.
            return if closing && !self.after_comma {
                Ok(())
            } else {
                Err(self.error("an empty element in items"))
            };
        }
        self.after_comma = !closing;
        trim_end(&mut self.piece);
        out(Piece::Item(std::mem::take(&mut self.piece)));
        Ok(())
    }

    /// The end of a depth-1 value: `,` or (`closing`) the `}` of the list object.
    fn end_value(&mut self, closing: bool, out: &mut impl FnMut(Piece)) -> Result<(), SplitError> {
        match self.slot {
            Slot::Metadata => {
                if self.piece.is_empty() {
                    return Err(self.error("a key without a value"));
                }
                trim_end(&mut self.piece);
                out(Piece::Metadata(std::mem::take(&mut self.piece)));
            }
            Slot::ItemsStart | Slot::Colon => return Err(self.error("a key without a value")),
            Slot::Items => return Err(self.error("items is not closed")),
            // `{}` is an empty object; `{,`, `,,` and `,}` are not JSON.
            Slot::Key if !closing || self.after_comma => {
                return Err(self.error("a comma where a key was expected"));
            }
            _ => {}
        }
        self.key.clear();
        Ok(())
    }
}

fn trim_end(bytes: &mut Vec<u8>) {
    while bytes.last().is_some_and(u8::is_ascii_whitespace) {
        bytes.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// The pieces of `text` fed in chunks of `size` bytes, and how it ended.
    fn split(text: &[u8], size: usize) -> (Vec<Piece>, Result<(), SplitError>) {
        let mut pieces = Vec::new();
        let mut splitter = Splitter::default();
        for chunk in text.chunks(size.max(1)) {
            if let Err(e) = splitter.feed(chunk, &mut |p| pieces.push(p)) {
                return (pieces, Err(e));
            }
        }
        (pieces, splitter.finish())
    }

    fn values(pieces: &[Piece]) -> (Vec<Value>, Option<Value>) {
        let mut items = Vec::new();
        let mut meta = None;
        for p in pieces {
            match p {
                Piece::Item(b) => items.push(serde_json::from_slice(b).unwrap()),
                Piece::Metadata(b) => meta = Some(serde_json::from_slice(b).unwrap()),
            }
        }
        (items, meta)
    }

    #[test]
    fn items_and_metadata_are_cut_out_whatever_the_chunks() {
        let text = br#" {"kind":"L","apiVersion":"v1","metadata":{"continue":"a,b}"},
            "items":[ {"metadata":{"name":"x\"]}"}} , {"a":[1,{"b":"\\"}]}, "s", 5, null ] } "#;
        for size in [1, 2, 3, 7, 64, text.len()] {
            let (pieces, end) = split(text, size);
            assert_eq!(end, Ok(()), "chunks of {size}");
            let (items, meta) = values(&pieces);
            assert_eq!(
                items,
                [
                    json!({"metadata": {"name": "x\"]}"}}),
                    json!({"a": [1, {"b": "\\"}]}),
                    json!("s"),
                    json!(5),
                    Value::Null
                ]
            );
            assert_eq!(meta, Some(json!({"continue": "a,b}"})));
        }
    }

    #[test]
    fn an_empty_or_null_items_has_no_items() {
        for text in [
            r#"{"items":[]}"#,
            r#"{"items":null,"metadata":{}}"#,
            r#"{ "items" : [ ] , "kind" : "L" }"#,
            r#"{}"#,
        ] {
            let (pieces, end) = split(text.as_bytes(), 3);
            assert_eq!(end, Ok(()), "{text}");
            assert!(values(&pieces).0.is_empty(), "{text}");
        }
    }

    #[test]
    fn a_key_named_items_below_the_top_is_not_the_list() {
        let text = br#"{"metadata":{"items":[1,2]},"spec":{"items":[3]},"items":[{"items":[4]}]}"#;
        let (pieces, end) = split(text, 5);
        assert_eq!(end, Ok(()));
        let (items, meta) = values(&pieces);
        assert_eq!(items, [json!({"items": [4]})]);
        assert_eq!(meta, Some(json!({"items": [1, 2]})));
        // A key spelled with an escape is another key.
        let (pieces, end) = split(br#"{"\u0069tems":[1],"items":[2]}"#, 4);
        assert_eq!(end, Ok(()));
        assert_eq!(values(&pieces).0, [json!(2)]);
    }

    #[test]
    fn what_is_not_a_list_object_is_an_error_with_its_offset() {
        for (text, what) in [
            ("", "the answer is empty"),
            ("[1]", "the answer is not a JSON object"),
            (
                r#"{"items":[{"a":1}"#,
                "the answer ends inside the list object",
            ),
            (r#"{"items":[1,,2]}"#, "an empty element in items"),
            (r#"{"items":[1,]}"#, "an empty element in items"),
            (r#"{"items":[,1]}"#, "an empty element in items"),
            (r#"{"items":{}}"#, "items is not an array"),
            (r#"{"items":[1}"#, "unbalanced brackets in items"),
            (r#"{"items":}"#, "a key without a value"),
            (r#"{"a":1,}"#, "a comma where a key was expected"),
            (r#"{"a" 1}"#, "a value where a key was expected"),
            (r#"{"a":1} x"#, "bytes after the list object"),
        ] {
            let (_, end) = split(text.as_bytes(), 2);
            assert_eq!(end.map_err(|e| e.what), Err(what), "{text}");
        }
        let (_, end) = split(br#"{"items":[1,,2]}"#, 100);
        assert_eq!(end.unwrap_err().offset, 12, "the second comma");
    }

    /// JSON values with the characters that matter to the split in strings and keys.
    fn arb_json() -> impl Strategy<Value = Value> {
        fn text() -> impl Strategy<Value = String> + Clone {
            proptest::collection::vec(
                prop::sample::select(vec![
                    'a',
                    'z',
                    '"',
                    '\\',
                    '[',
                    ']',
                    '{',
                    '}',
                    ',',
                    ':',
                    ' ',
                    '\n',
                    '\u{e9}',
                    '\u{1F600}',
                ]),
                0..8,
            )
            .prop_map(|c| c.into_iter().collect())
        }
        let text = text();
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(text.clone(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any list object serde_json writes, compact or pretty, split at any chunk size, gives
        /// back exactly its items and metadata.
        #[test]
        fn every_list_splits_into_its_items(
            items in proptest::collection::vec(arb_json(), 0..6),
            meta in arb_json(),
            extra in arb_json(),
            pretty in any::<bool>(),
            metadata_first in any::<bool>(),
            size in 1usize..40,
        ) {
            let mut list = serde_json::Map::new();
            list.insert("kind".into(), extra);
            if metadata_first {
                list.insert("metadata".into(), meta.clone());
                list.insert("items".into(), Value::Array(items.clone()));
            } else {
                list.insert("items".into(), Value::Array(items.clone()));
                list.insert("metadata".into(), meta.clone());
            }
            let list = Value::Object(list);
            let text = if pretty {
                serde_json::to_vec_pretty(&list).unwrap()
            } else {
                serde_json::to_vec(&list).unwrap()
            };
            let (pieces, end) = split(&text, size);
            prop_assert_eq!(end, Ok(()));
            let (got, got_meta) = values(&pieces);
            prop_assert_eq!(got, items);
            prop_assert_eq!(got_meta, Some(meta));
        }

        /// No input makes it panic.
        #[test]
        fn any_bytes_end_in_pieces_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..200), size in 1usize..20) {
            let _ = split(&bytes, size);
        }

        /// Cut JSON at random: an error or pieces, never a panic.
        #[test]
        fn any_prefix_of_a_list_is_handled(items in proptest::collection::vec(arb_json(), 0..4), cut in any::<prop::sample::Index>()) {
            let text = serde_json::to_vec(&json!({"items": items})).unwrap();
            let at = cut.index(text.len() + 1);
            let (_, end) = split(&text[..at], 7);
            if at < text.len() {
                prop_assert!(end.is_err());
            }
        }
    }
}

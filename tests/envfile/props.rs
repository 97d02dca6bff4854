//! Properties of the env file reader on random and mutated inputs: it never panics, never shows
//! a piece of a value in a message, reads CRLF like LF and a BOM like none, and reads back
//! exactly what an unambiguous spelling of any value says.
use std::path::Path;

use proptest::prelude::*;

use kubectl_kmcp::core::envfile::{EnvFileError, parse};

/// Secret-looking tokens: 8 characters of an alphabet no message uses, so that any 4 of them
/// in a row in a message is a leak.
fn token() -> impl Strategy<Value = String> {
    "[qzjxQZJX]{8}"
}

/// Pieces of a value: tokens and every character that matters to some dotenv reader.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => token(),
        1 => prop::sample::select(vec![
            " ", "\t", "'", "\"", "\\", "\\\\", "\\n", "\\\"", "\\'", "\\$", "$", "$$", "${", "}",
            "${K0}", "${K1}", "$K0", "${K0:-", "#", " #", "=", "\n", "\r", "\r\n", "{", "é", "\u{a0}",
            "\u{0}", "`", "!", ":-", "export ",
        ])
        .prop_map(str::to_string),
    ]
}

fn value() -> impl Strategy<Value = (String, Vec<String>)> {
    prop::collection::vec(piece(), 0..6).prop_map(|pieces| {
        let tokens = pieces
            .iter()
            .filter(|p| p.len() == 8 && p.chars().all(|c| "qzjxQZJX".contains(c)))
            .cloned()
            .collect();
        (pieces.concat(), tokens)
    })
}

/// A file of lines `K<i>=<opening><value><closing>`, comments and blank lines, and the
/// secret tokens it holds.
fn file() -> impl Strategy<Value = (String, Vec<String>)> {
    let line = (
        prop::sample::select(vec!["", "'", "\"", " ", "export ", "# ", "'", "\""]),
        value(),
        prop::sample::select(vec!["", "'", "\"", " # c", " ", "\\"]),
    );
    prop::collection::vec(line, 1..6).prop_map(|lines| {
        let mut text = String::new();
        let mut tokens = Vec::new();
        for (i, (open, (v, t), close)) in lines.into_iter().enumerate() {
            let (prefix, open) = match open {
                "export " => ("export ", ""),
                "# " => ("# ", ""),
                o => ("", o),
            };
            text.push_str(&format!("{prefix}K{i}={open}{v}{close}\n"));
            tokens.extend(t);
        }
        (text, tokens)
    })
}

/// What stands where a key stands on some line (after blanks and `export `): a mutation can
/// turn a piece of a value into a key, and keys are shown.
fn key_positions(text: &str) -> Vec<String> {
    text.split(['\n', '\r'])
        .map(|l| {
            let l = l.trim_start_matches([' ', '\t']);
            let l = l
                .strip_prefix("export")
                .unwrap_or(l)
                .trim_start_matches([' ', '\t']);
            l.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect()
        })
        .collect()
}

/// Fails when the message holds 4 characters in a row of any token (of a value; a token that
/// a mutation moved into a key's place is a key).
fn assert_no_piece_of(msg: &str, tokens: &[String], text: &str) {
    let mut shown = msg.to_string();
    for k in key_positions(text).iter().filter(|k| !k.is_empty()) {
        shown = shown.replace(k.as_str(), "<key>");
    }
    let msg = shown.as_str();
    for t in tokens {
        let chars: Vec<char> = t.chars().collect();
        for w in chars.windows(4) {
            let w: String = w.iter().collect();
            assert!(
                !msg.contains(&w),
                "the message shows {w:?} of a value: {msg}"
            );
        }
    }
}

/// Entries as (key, value, line), or the refusal's line and message.
type Outcome = Result<Vec<(String, String, u32)>, (u32, String)>;

fn outcome(text: &str) -> Outcome {
    parse(Path::new(".env"), text)
        .map(|f| {
            f.entries
                .into_iter()
                .map(|e| (e.key, e.value, e.line))
                .collect()
        })
        .map_err(|e| (line_of(&e), e.to_string()))
}

fn line_of(e: &EnvFileError) -> u32 {
    match e {
        EnvFileError::Syntax { line, .. }
        | EnvFileError::NotUtf8 { line, .. }
        | EnvFileError::UnknownReference { line, .. }
        | EnvFileError::Duplicate { line, .. }
        | EnvFileError::InvalidKey { line, .. } => *line,
        EnvFileError::Read { .. } => 0,
    }
}

/// Random edits of a text: insert, delete or replace characters with ones that matter.
fn mutated() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        file(),
        prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, piece()), 1..6),
    )
        .prop_map(|((text, tokens), edits)| {
            let mut chars: Vec<char> = text.chars().collect();
            for (at, op, with) in edits {
                let i = at.index(chars.len() + 1);
                match op {
                    0 => {
                        chars.splice(i..i, with.chars());
                    }
                    1 if i < chars.len() => {
                        chars.remove(i);
                    }
                    _ if i < chars.len() => {
                        chars.splice(i..=i, with.chars());
                    }
                    _ => {}
                }
            }
            (chars.into_iter().collect(), tokens)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_files_never_panic_nor_show_a_value((text, tokens) in file()) {
        if let Err((_, msg)) = outcome(&text) {
            assert_no_piece_of(&msg, &tokens, &text);
        }
    }

    #[test]
    fn mutated_files_never_panic_nor_show_a_value((text, tokens) in mutated()) {
        if let Err((_, msg)) = outcome(&text) {
            assert_no_piece_of(&msg, &tokens, &text);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = outcome(&text);
    }

    /// CRLF reads like LF and a BOM like none: the same entries and lines, or a refusal on the
    /// same line. (A lone CR is refused; CRLF is made from the LF-only form.)
    #[test]
    fn crlf_and_bom_read_like_lf_without_bom((text, _) in file()) {
        let lf = text.replace('\r', "");
        let want = outcome(&lf).map_err(|(line, _)| line);
        let crlf = lf.replace('\n', "\r\n");
        prop_assert_eq!(&outcome(&crlf).map_err(|(line, _)| line), &want);
        prop_assert_eq!(&outcome(&format!("\u{feff}{lf}")).map_err(|(line, _)| line), &want);
        prop_assert_eq!(&outcome(&format!("\u{feff}{crlf}")).map_err(|(line, _)| line), &want);
    }

    /// Any value (no CR, which a text file cannot keep apart from its line ends) written the
    /// way the refusals advise reads back byte for byte.
    #[test]
    fn the_advised_spelling_of_any_value_reads_back_exactly(
        values in prop::collection::vec("[^\r\\\\$]{0,12}|[a-z$\\\\'\"\n #]{0,12}", 1..5)
    ) {
        let mut text = String::new();
        let mut spelled = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(s) = spell(v) {
                text.push_str(&format!("K{i}={s}\n"));
                spelled.push((format!("K{i}"), v.clone()));
            }
        }
        let got = outcome(&text).map(|e| e.into_iter().map(|(k, v, _)| (k, v)).collect::<Vec<_>>());
        prop_assert_eq!(got.map_err(|(_, m)| m), Ok(spelled));
    }
}

/// The spelling that docs/secrets-sync.md advises: single quotes when the value holds no `'`,
/// `\` and `${`; otherwise double quotes with `\\`, `\"` and `\n`. `None` when no spelling
/// exists (a `$` in a value that needs double quotes, a trailing backslash, `${` with a `'`).
pub fn spell(v: &str) -> Option<String> {
    if v.contains('\r') {
        return None;
    }
    if !v.contains('\'') && !v.contains('\\') && !v.contains("${") {
        return Some(format!("'{v}'"));
    }
    if v.contains('$') || v.ends_with('\\') {
        return None;
    }
    let escaped = v
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    Some(format!("\"{escaped}\""))
}

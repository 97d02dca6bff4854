//! The env-file writer of `secrets pull`: a Secret's data as an env file that every dotenv
//! reader (dotenvy, python-dotenv, docker compose) and this plugin's reader (`envfile`) read
//! back byte for byte, keys sorted, under a header comment. The counterpart of `envfile::parse`.
//!
//! Each value gets the first spelling of the accepted dialect that holds it exactly:
//! - unquoted, when it is non-empty and only has letters, digits and `_ - . / : @ + = , %`
//!   (`LOG_LEVEL=info`, `URL=https://h/a?b=c` is quoted because of `?`);
//! - single quotes, where every character is literal: no `'`, no `\\`, no `${`, and not ending
//!   with `\` (python-dotenv reads `\\` and `\'` as escapes in single quotes and expands `${`);
//! - double quotes with the escapes `\\` and `\"` (newlines stay real newlines): no `$`, since
//!   dotenvy substitutes `$NAME` there and python-dotenv keeps a `\$`.
//!
//! What no spelling holds is refused by key name, never the value ([`Unwritable`]):
//! - a carriage return (python-dotenv reads it as a line end; no escape for it is shared);
//! - a value ending with a backslash (in double quotes `\\"` is read differently);
//! - a `$` together with a `'`, a `\\` or a `${` (single quotes cannot hold those, double
//!   quotes cannot hold a `$`);
//! - bytes that are not UTF-8 (an env file is text);
//! - a key that is not `[A-Za-z_][A-Za-z0-9_.]*` (a Secret key such as `tls.crt` is fine, but
//!   `1KEY` or `my-key` cannot be a key of an env file).
use std::collections::BTreeMap;
use std::fmt;

/// Why a key's value (or the key itself) cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NotUtf8,
    CarriageReturn,
    TrailingBackslash,
    DollarWithQuoteOrBackslash,
    KeySyntax,
}

impl Reason {
    /// Why, in words; never the value.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::NotUtf8 => "the value is binary (not UTF-8 text)",
            Reason::CarriageReturn => {
                "the value holds a carriage return, which dotenv readers read as a line end"
            }
            Reason::TrailingBackslash => {
                "the value ends with a backslash, which no quoting reads alike in every dotenv reader"
            }
            Reason::DollarWithQuoteOrBackslash => {
                "the value holds a `$` together with a `'`, a `\\\\` or a `${`: only single quotes keep a `$` literal, and they cannot hold those"
            }
            Reason::KeySyntax => "the key is not a valid env-file key ([A-Za-z_][A-Za-z0-9_.]*)",
        }
    }
}

/// The keys that cannot be written, each with its reason. Its `Display` names keys only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwritable {
    pub keys: Vec<(String, Reason)>,
}

impl fmt::Display for Unwritable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .keys
            .iter()
            .map(|(k, r)| format!("{k} ({})", r.explain()))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// Where the data came from, for the header comment.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub secret: &'a str,
    pub namespace: &'a str,
    pub context: Option<&'a str>,
    pub environment: &'a str,
    /// When it was read, RFC 3339 (`2025-01-31T12:00:00Z`).
    pub at: &'a str,
}

/// The env file for `data`: the header, then one `KEY=VALUE` per key, sorted by key. Refuses
/// (naming every such key) when any key or value has no spelling that reads back exactly.
pub fn write(origin: &Origin<'_>, data: &BTreeMap<String, Vec<u8>>) -> Result<String, Unwritable> {
    let mut out = header(origin);
    let mut refused = Vec::new();
    for (key, bytes) in data {
        if !is_env_key(key) {
            refused.push((key.clone(), Reason::KeySyntax));
            continue;
        }
        let Ok(value) = std::str::from_utf8(bytes) else {
            refused.push((key.clone(), Reason::NotUtf8));
            continue;
        };
        match spell(value) {
            Ok(spelled) => {
                out.push_str(key);
                out.push('=');
                out.push_str(&spelled);
                out.push('\n');
            }
            Err(reason) => refused.push((key.clone(), reason)),
        }
    }
    if refused.is_empty() {
        Ok(out)
    } else {
        Err(Unwritable { keys: refused })
    }
}

/// The header comment: where the values came from and when, and how to sync them back.
fn header(o: &Origin<'_>) -> String {
    let context = o
        .context
        .map(|c| format!(", context {}", oneline(c)))
        .unwrap_or_default();
    format!(
        "# Pulled by `kubectl kmcp secrets pull {env}` at {at}\n# Secret {secret}, namespace {ns}{context}\n# Secret values: keep this file out of git.\n# Sync it back: kubectl kmcp secrets sync {env}\n",
        env = oneline(o.environment),
        at = oneline(o.at),
        secret = oneline(o.secret),
        ns = oneline(o.namespace),
    )
}

/// Text for a comment line: no line breaks.
fn oneline(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A key the env-file reader accepts: `[A-Za-z_][A-Za-z0-9_.]*`.
pub fn is_env_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The spelling of one value (see the module docs), or why there is none.
pub fn spell(value: &str) -> Result<String, Reason> {
    if value.contains('\r') {
        return Err(Reason::CarriageReturn);
    }
    if value.ends_with('\\') {
        return Err(Reason::TrailingBackslash);
    }
    if value.is_empty() {
        return Ok(String::new());
    }
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./:@+=,%".contains(c))
    {
        return Ok(value.to_string());
    }
    if !value.contains('\'') && !value.contains("\\\\") && !value.contains("${") {
        return Ok(format!("'{value}'"));
    }
    if value.contains('$') {
        return Err(Reason::DollarWithQuoteOrBackslash);
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::envfile;
    use std::path::Path;

    fn origin() -> Origin<'static> {
        Origin {
            secret: "weather-secrets",
            namespace: "staging",
            context: Some("kind-staging"),
            environment: "staging",
            at: "2025-01-31T12:00:00Z",
        }
    }

    fn data(items: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    /// What the env-file reader makes of the text.
    fn read(text: &str) -> BTreeMap<String, Vec<u8>> {
        envfile::parse(Path::new(".env"), text)
            .unwrap_or_else(|e| panic!("the reader refuses the written file: {e}\n{text}"))
            .entries
            .into_iter()
            .map(|e| (e.key, e.value.into_bytes()))
            .collect()
    }

    #[test]
    fn each_value_gets_the_plainest_spelling_that_reads_back() {
        let d = data(&[
            ("PLAIN", "info"),
            ("EMPTY", ""),
            ("URL", "https://h/a?b=c#frag"),
            ("JSON", r#"{"a": [1, "two"]}"#),
            ("PEM", "-----BEGIN KEY-----\nAAAA\n-----END KEY-----\n"),
            ("DOLLAR", "pa$$word $HOME"),
            ("BOTH", "it's \"quoted\" \\\\ back"),
            ("UNICODE", "héllo wörld ✓ 日本"),
            ("tls.crt", "x"),
        ]);
        let text = write(&origin(), &d).unwrap();
        assert!(text.starts_with("# Pulled by `kubectl kmcp secrets pull staging` at 2025-01-31T12:00:00Z\n# Secret weather-secrets, namespace staging, context kind-staging\n"), "{text}");
        assert!(text.contains("\nPLAIN=info\n") && text.contains("\nEMPTY=\n"));
        assert!(text.contains("\nDOLLAR='pa$$word $HOME'\n"), "{text}");
        assert!(
            text.contains("\nBOTH=\"it's \\\"quoted\\\" \\\\\\\\ back\"\n"),
            "{text}"
        );
        // Sorted by key (byte order, as the Secret's data).
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains('='))
            .map(|l| l.split('=').next().unwrap())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(read(&text), d);
    }

    #[test]
    fn values_without_a_spelling_are_refused_by_key_name_only() {
        let mut d = data(&[
            ("CR", "a\r\nb"),
            ("BACKSLASH_END", "abc\\"),
            ("DOLLAR_QUOTE", "it's $5"),
            ("DOLLAR_BRACE", "x${y}"),
            ("DOLLAR_BACKSLASHES", "a\\\\b$"),
            ("my-key", "fine"),
            ("OK", "fine"),
        ]);
        d.insert("BINARY".into(), vec![0xff, 0xfe]);
        let err = write(&origin(), &d).unwrap_err();
        let reasons: Vec<(&str, Reason)> = err.keys.iter().map(|(k, r)| (k.as_str(), *r)).collect();
        assert_eq!(
            reasons,
            [
                ("BACKSLASH_END", Reason::TrailingBackslash),
                ("BINARY", Reason::NotUtf8),
                ("CR", Reason::CarriageReturn),
                ("DOLLAR_BACKSLASHES", Reason::DollarWithQuoteOrBackslash),
                ("DOLLAR_BRACE", Reason::DollarWithQuoteOrBackslash),
                ("DOLLAR_QUOTE", Reason::DollarWithQuoteOrBackslash),
                ("my-key", Reason::KeySyntax),
            ]
        );
        let msg = err.to_string();
        assert!(
            msg.contains("DOLLAR_QUOTE") && msg.contains("my-key"),
            "{msg}"
        );
        for value in ["it's", "$5", "abc", "${y}"] {
            assert!(!msg.contains(value), "{value} leaked: {msg}");
        }
    }

    #[test]
    fn the_header_cannot_break_out_of_its_comment() {
        let o = Origin {
            environment: "a\nB=evil",
            ..origin()
        };
        let text = write(&o, &BTreeMap::new()).unwrap();
        assert!(read(&text).is_empty(), "{text}");
    }
}

/// Random maps of any UTF-8 text: what the writer writes, the reader reads back exactly;
/// what it refuses is refused for a reason that really holds.
#[cfg(test)]
mod props {
    use super::*;
    use crate::core::envfile;
    use proptest::prelude::*;
    use std::path::Path;

    fn key() -> impl Strategy<Value = String> {
        "[A-Za-z_][A-Za-z0-9_.]{0,20}"
    }

    /// Any UTF-8, with the characters that matter for quoting made frequent.
    fn value() -> impl Strategy<Value = String> {
        let special = prop_oneof![
            Just('$'),
            Just('\''),
            Just('"'),
            Just('\\'),
            Just('\n'),
            Just('\r'),
            Just('#'),
            Just('{'),
            Just('}'),
            Just(' '),
            Just('\t'),
            Just('='),
            Just('\u{feff}'),
            Just('\u{a0}'),
        ];
        let piece = prop_oneof![
            3 => any::<char>().prop_map(|c| c.to_string()),
            3 => special.prop_map(|c| c.to_string()),
            2 => "[a-z]{1,4}",
        ];
        proptest::collection::vec(piece, 0..16).prop_map(|v| v.concat())
    }

    fn reason_holds(value: &str, reason: Reason) -> bool {
        match reason {
            Reason::CarriageReturn => value.contains('\r'),
            Reason::TrailingBackslash => value.ends_with('\\'),
            Reason::DollarWithQuoteOrBackslash => {
                value.contains('$')
                    && (value.contains('\'') || value.contains("\\\\") || value.contains("${"))
            }
            Reason::NotUtf8 | Reason::KeySyntax => false,
        }
    }

    proptest! {
        // 2000 cases unless PROPTEST_CASES says otherwise (tests/mutants.sh lowers it).
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000)
        ))]
        #[test]
        fn written_files_read_back_exactly(map in proptest::collection::btree_map(key(), value(), 0..8)) {
            let data: BTreeMap<String, Vec<u8>> =
                map.iter().map(|(k, v)| (k.clone(), v.as_bytes().to_vec())).collect();
            let origin = Origin { secret: "s", namespace: "ns", context: None, environment: "e", at: "t" };
            // The writable part of the map: every refused key for a reason that holds.
            let writable: BTreeMap<String, Vec<u8>> = match write(&origin, &data) {
                Ok(_) => data.clone(),
                Err(e) => {
                    for (k, r) in &e.keys {
                        prop_assert!(reason_holds(&map[k], *r), "{k}: {r:?}");
                    }
                    data.iter().filter(|(k, _)| !e.keys.iter().any(|(r, _)| r == *k))
                        .map(|(k, v)| (k.clone(), v.clone())).collect()
                }
            };
            let text = write(&origin, &writable).expect("the writable part is written");
            let read = envfile::parse(Path::new(".env"), &text)
                .map_err(|e| TestCaseError::fail(format!("reader refused: {e}")))?;
            let got: BTreeMap<String, Vec<u8>> =
                read.entries.into_iter().map(|e| (e.key, e.value.into_bytes())).collect();
            prop_assert_eq!(got, writable);
        }
    }
}

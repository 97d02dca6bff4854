//! The env file (`.env`, `.env.staging`, ...): dotenvy's dialect, with line numbers, with
//! references resolved only inside the file, and errors that never carry a value.
//!
//! Why an own parser rather than `dotenvy::from_read_iter`: dotenvy resolves `$NAME` from the
//! process environment before the file (so a synced Secret would depend on the caller's shell),
//! silently drops a `$` that is not followed by a name (`pa$$word`), and reports errors as a
//! character index together with the line's text (which holds the value). This module is a port
//! of dotenvy 0.15.7's `iter.rs`/`parse.rs` rules (comments, `export`, single quotes literal,
//! double quotes with the escapes `\\ \' \" \$ \n` and backslash-space, multi-line quoted values,
//! `#` comments after whitespace, whitespace trimming) that tracks lines and resolves references
//! against earlier keys of the same file only. A unit test checks it against dotenvy byte for
//! byte on generated inputs without `$`.
//!
//! On top of the dialect: a UTF-8 BOM is skipped, CRLF line endings are read as LF (also inside
//! multi-line values), trailing whitespace at the very end of a file without a final newline is
//! accepted (dotenvy rejects it), duplicate keys are an error, keys must be valid Secret keys.
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// One `KEY=VALUE` of the file. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// The line (1-based) where the entry starts.
    pub line: u32,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("value", &format_args!("<{} bytes>", self.value.len()))
            .field("line", &self.line)
            .finish()
    }
}

/// A parsed env file: entries in file order, and warnings (`path:line: ...`) to print.
#[derive(Debug, Clone)]
pub struct EnvFile {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
    pub warnings: Vec<String>,
}

impl EnvFile {
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }
}

/// Why an env file cannot be used. The text names the file and line, never a value or the
/// line's text.
#[derive(Debug, thiserror::Error)]
pub enum EnvFileError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: not valid UTF-8; save the file as UTF-8", path.display())]
    NotUtf8 { path: PathBuf, line: u32 },
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: u32,
        message: String,
    },
    #[error(
        "{}:{line}: {key}: {what}, which is not defined earlier in this file; values never come from the shell environment: define it above this line, or write a literal `$` as `\\$` or inside single quotes",
        path.display()
    )]
    UnknownReference {
        path: PathBuf,
        line: u32,
        key: String,
        /// The braced name (`${NAME}`), or `None` for an unbraced one, which may be a fragment
        /// of a secret value (`pa$sw0rd`) and is located by column instead.
        name: Option<String>,
        column: u32,
        what: String,
    },
    #[error(
        "{}:{line}: {key}: a `$` that is not followed by a name would be silently dropped by dotenv; write a literal `$` as `\\$` or put the value in single quotes ('...')",
        path.display()
    )]
    BareDollar {
        path: PathBuf,
        line: u32,
        key: String,
    },
    #[error(
        "{}:{line}: {key}: the reference `${name}` is directly followed by a character that dotenv keeps literally (`_`, a quote, a backslash or a space); write `${{{name}}}` with braces (or `${{{name}_...}}` if the name goes on)",
        path.display()
    )]
    AmbiguousReference {
        path: PathBuf,
        line: u32,
        key: String,
        name: String,
    },
    #[error("{}:{line}: duplicate key {key}: already defined on line {first_line}; keep one of them", path.display())]
    Duplicate {
        path: PathBuf,
        line: u32,
        first_line: u32,
        key: String,
    },
    // The key is not echoed: a too long "key" is most likely a line of an unquoted value.
    #[error("{}:{line}: not a valid Secret key: {reason}", path.display())]
    InvalidKey {
        path: PathBuf,
        line: u32,
        key: String,
        reason: String,
    },
}

impl EnvFileError {
    pub fn path(&self) -> &Path {
        match self {
            EnvFileError::Read { path, .. }
            | EnvFileError::NotUtf8 { path, .. }
            | EnvFileError::Syntax { path, .. }
            | EnvFileError::UnknownReference { path, .. }
            | EnvFileError::BareDollar { path, .. }
            | EnvFileError::AmbiguousReference { path, .. }
            | EnvFileError::Duplicate { path, .. }
            | EnvFileError::InvalidKey { path, .. } => path,
        }
    }
}

/// Reads and parses an env file.
pub fn load(path: &Path) -> Result<EnvFile, EnvFileError> {
    let bytes = std::fs::read(path).map_err(|source| EnvFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u32
            + 1;
        EnvFileError::NotUtf8 {
            path: path.to_path_buf(),
            line,
        }
    })?;
    parse(path, &text)
}

/// Parses the text of an env file (`path` is for messages only).
pub fn parse(path: &Path, text: &str) -> Result<EnvFile, EnvFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n");
    let raw = parse_raw(&text).map_err(|e| e.into_error(path))?;
    let mut entries: Vec<Entry> = Vec::with_capacity(raw.len());
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut warnings = Vec::new();
    for (key, value, line) in raw {
        if let Some(first) = seen.get(&key) {
            return Err(EnvFileError::Duplicate {
                path: path.to_path_buf(),
                line,
                first_line: *first,
                key,
            });
        }
        if let Err(reason) = check_secret_key(&key) {
            return Err(EnvFileError::InvalidKey {
                path: path.to_path_buf(),
                line,
                key,
                reason,
            });
        }
        if !is_env_var_name(&key) {
            warnings.push(format!(
                "{}:{line}: key {key} is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*): a pod that loads the Secret with envFrom may skip it; rename it with `_` instead of `.`",
                path.display()
            ));
        }
        seen.insert(key.clone(), line);
        entries.push(Entry { key, value, line });
    }
    Ok(EnvFile {
        path: path.to_path_buf(),
        entries,
        warnings,
    })
}

/// A Secret data key: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`.
pub fn check_secret_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("it is empty".into());
    }
    if key.len() > 253 {
        return Err(format!(
            "the key has {} characters, at most 253 are allowed (if this line is part of a multi-line value, put the value in double quotes)",
            key.len()
        ));
    }
    if key == "." || key == ".." {
        return Err("`.` and `..` are not allowed".into());
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err("only letters, digits, `-`, `_` and `.` are allowed".into());
    }
    Ok(())
}

/// A C identifier, which every container runtime accepts as an environment variable name.
pub fn is_env_var_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `<project-dir>/.env.example`: keys it leaves empty are required, keys with a value optional.
#[derive(Debug, Clone)]
pub struct Example {
    pub path: PathBuf,
    pub required: Vec<String>,
    pub optional: Vec<String>,
}

impl Example {
    /// The required keys that `keys` lacks, sorted.
    pub fn missing_required<'a>(&'a self, keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        missing(&self.required, keys)
    }

    /// The optional keys that `keys` lacks, sorted.
    pub fn missing_optional<'a>(&'a self, keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        missing(&self.optional, keys)
    }
}

fn missing<'a>(wanted: &[String], keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let have: BTreeSet<&str> = keys.into_iter().collect();
    let mut out: Vec<String> = wanted
        .iter()
        .filter(|k| !have.contains(k.as_str()))
        .cloned()
        .collect();
    out.sort();
    out
}

pub const EXAMPLE_FILE: &str = ".env.example";

/// Loads `<project_dir>/.env.example`; `None` when there is none.
pub fn load_example(project_dir: &Path) -> Result<Option<Example>, EnvFileError> {
    let path = project_dir.join(EXAMPLE_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let file = load(&path)?;
    let (required, optional) = file
        .entries
        .into_iter()
        .partition::<Vec<Entry>, _>(|e| e.value.is_empty());
    Ok(Some(Example {
        path,
        required: required.into_iter().map(|e| e.key).collect(),
        optional: optional.into_iter().map(|e| e.key).collect(),
    }))
}

/// The env files an environment may use without `--from-file`, in order: the environment's
/// `file` from kmcp.yaml when it sets one (and then only that one), else `.env.<env>` in the
/// project directory. Never `.env`: it usually holds local development values.
pub fn env_file_candidates(
    project: &crate::core::project::Project,
    env: &crate::core::project::Environment,
) -> Vec<PathBuf> {
    match &env.file {
        Some(file) => vec![project.resolve(file)],
        None => vec![project.dir.join(format!(".env.{}", env.name))],
    }
}

/// The env file `secrets sync` uses for `env` without `--from-file`: the first candidate that
/// exists (see `env_file_candidates`); none when the environment's `file` is outside the
/// project directory (see `check_inside_project`). A `file` set in kmcp.yaml that does not exist gives `None`
/// rather than falling back to another file: syncing a different file than the configured one
/// would be a surprise.
pub fn default_env_file(
    project: &crate::core::project::Project,
    env: &crate::core::project::Environment,
) -> Option<PathBuf> {
    if let Some(file) = &env.file
        && project.check_inside(file).is_err()
    {
        return None;
    }
    env_file_candidates(project, env)
        .into_iter()
        .find(|p| p.is_file())
}

// ---------------------------------------------------------------------------------------------
// The dialect (a port of dotenvy 0.15.7, see the module docs).

/// A parse error located by line, before the path is known.
#[derive(Debug)]
enum RawError {
    Syntax(u32, String),
    Unknown(u32, u32, String, Option<String>),
    Bare(u32, String),
    Ambiguous(u32, u32, String, String),
}

impl RawError {
    fn into_error(self, path: &Path) -> EnvFileError {
        let path = path.to_path_buf();
        match self {
            RawError::Syntax(line, message) => EnvFileError::Syntax {
                path,
                line,
                message,
            },
            RawError::Unknown(line, column, key, name) => {
                let what = match &name {
                    Some(n) => format!("`${{{n}}}` refers to {n}"),
                    None => format!(
                        "the `$` at column {column} refers to a name (not shown: it may be part of a secret value)"
                    ),
                };
                EnvFileError::UnknownReference {
                    path,
                    line,
                    key,
                    name,
                    column,
                    what,
                }
            }
            RawError::Bare(line, key) => EnvFileError::BareDollar { path, line, key },
            RawError::Ambiguous(line, _column, key, name) => EnvFileError::AmbiguousReference {
                path,
                line,
                key,
                name,
            },
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Complete,
    Escape,
    StrongOpen,
    StrongOpenEscape,
    WeakOpen,
    WeakOpenEscape,
    Comment,
    WhiteSpace,
}

/// dotenvy's `eval_end_state`: where a logical line ends (quotes may span lines).
fn eval_end_state(prev: State, chunk: &str) -> (usize, State) {
    let mut state = prev;
    let mut cur = 0;
    for (pos, c) in chunk.char_indices() {
        cur = pos;
        state = match state {
            State::WhiteSpace => match c {
                '#' => return (cur, State::Comment),
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::Escape => State::Complete,
            State::Complete => match c {
                c if c.is_whitespace() && c != '\n' && c != '\r' => State::WhiteSpace,
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::WeakOpen => match c {
                '\\' => State::WeakOpenEscape,
                '"' => State::Complete,
                _ => State::WeakOpen,
            },
            State::WeakOpenEscape => State::WeakOpen,
            State::StrongOpen => match c {
                '\\' => State::StrongOpenEscape,
                '\'' => State::Complete,
                _ => State::StrongOpen,
            },
            State::StrongOpenEscape => State::StrongOpen,
            State::Comment => unreachable!("returned early"),
        };
    }
    (cur, state)
}

/// The logical lines of the text (a quoted value may span several physical lines), each with
/// the number of its first physical line.
fn logical_lines(text: &str) -> Result<Vec<(u32, String)>, RawError> {
    let mut out = Vec::new();
    let mut chunks = text.split_inclusive('\n');
    let mut next_line: u32 = 1;
    loop {
        let start = next_line;
        let mut buf = String::new();
        let mut state = State::Complete;
        loop {
            let Some(chunk) = chunks.next() else {
                match state {
                    State::Complete if buf.is_empty() => return Ok(out),
                    // dotenvy rejects trailing whitespace at the end of a file without a final
                    // newline; it is harmless, so accept it.
                    State::WhiteSpace | State::Complete => {
                        out.push((start, buf));
                        return Ok(out);
                    }
                    State::StrongOpen | State::StrongOpenEscape => {
                        return Err(RawError::Syntax(
                            start,
                            "the single-quoted value that starts on this line is never closed; add the closing `'`".into(),
                        ));
                    }
                    State::WeakOpen | State::WeakOpenEscape => {
                        return Err(RawError::Syntax(
                            start,
                            "the double-quoted value that starts on this line is never closed; add the closing `\"` (a `\"` inside the value is written `\\\"`)".into(),
                        ));
                    }
                    _ => {
                        return Err(RawError::Syntax(
                            start,
                            "the file ends with a backslash; remove it or write `\\\\`".into(),
                        ));
                    }
                }
            };
            next_line += 1;
            let buf_pos = buf.len();
            buf.push_str(chunk);
            if buf.trim_start().starts_with('#') {
                out.push((start, String::new()));
                break;
            }
            let (pos, s) = eval_end_state(state, &buf[buf_pos..]);
            state = s;
            match state {
                State::Complete => {
                    if buf.ends_with('\n') {
                        buf.pop();
                        if buf.ends_with('\r') {
                            buf.pop();
                        }
                    }
                    out.push((start, buf));
                    break;
                }
                State::Comment => {
                    buf.truncate(buf_pos + pos);
                    out.push((start, buf));
                    break;
                }
                _ => {}
            }
        }
    }
}

/// Entries as (key, value, line), in file order, duplicates kept.
fn parse_raw(text: &str) -> Result<Vec<(String, String, u32)>, RawError> {
    let mut defined: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for (start, line) in logical_lines(text)? {
        if let Some((key, value)) = parse_line(&line, start, &defined)? {
            defined.insert(key.clone(), value.clone());
            out.push((key, value, start));
        }
    }
    Ok(out)
}

/// The physical line of byte `offset` in a logical line that starts on `start`.
fn line_at(line: &str, start: u32, offset: usize) -> u32 {
    start + line[..offset.min(line.len())].matches('\n').count() as u32
}

const KEY_SYNTAX: &str = "expected KEY=VALUE: a key starts with a letter or `_` and has only letters, digits, `_` and `.`";

fn skip_ws(s: &str) -> &str {
    s.trim_start()
}

fn parse_line(
    original: &str,
    start: u32,
    defined: &HashMap<String, String>,
) -> Result<Option<(String, String)>, RawError> {
    let mut rest = original.trim_end();
    rest = skip_ws(rest);
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let here = |rest: &str| line_at(original, start, original.trim_end().len() - rest.len());
    let parse_key = |rest: &mut &str| -> Result<String, RawError> {
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(RawError::Syntax(here(rest), KEY_SYNTAX.into()));
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let key = rest[..end].to_string();
        *rest = &rest[end..];
        Ok(key)
    };
    let mut key = parse_key(&mut rest)?;
    rest = skip_ws(rest);
    if key == "export" && !rest.starts_with('=') {
        key = parse_key(&mut rest)?;
        rest = skip_ws(rest);
    }
    let Some(after) = rest.strip_prefix('=') else {
        return Err(RawError::Syntax(
            here(rest),
            // Not naming the word: a line without `=` may be a wrapped value, not a key.
            "expected `=` after the key: lines are KEY=VALUE (keys have only letters, digits, `_` and `.`; a value that spans lines must be quoted)".into(),
        ));
    };
    rest = skip_ws(after);
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(Some((key, String::new())));
    }
    let base = original.trim_end().len() - rest.len();
    let value = parse_value(rest, &key, defined).map_err(|(at, make)| {
        let off = (base + at).min(original.len());
        let line_start = original[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = original[line_start..off].chars().count() as u32 + 1;
        make(line_at(original, start, off), column)
    })?;
    Ok(Some((key, value)))
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Subst {
    None,
    Block,
    EscapedBlock,
}

type ValueError = (usize, Box<dyn FnOnce(u32, u32) -> RawError>);

fn parse_value(
    input: &str,
    key: &str,
    defined: &HashMap<String, String>,
) -> Result<String, ValueError> {
    let mut strong = false;
    let mut weak = false;
    let mut escaped = false;
    let mut expecting_end = false;
    let mut output = String::new();
    let mut mode = Subst::None;
    let mut name = String::new();
    let mut dollar = 0usize;
    let k = key.to_string();
    let syntax = |at: usize, message: &'static str| -> ValueError {
        (
            at,
            Box::new(move |line, _| RawError::Syntax(line, message.into())),
        )
    };
    let substitute =
        |name: &str, braced: bool, at: usize, output: &mut String| -> Result<(), ValueError> {
            if name.is_empty() {
                let k = k.clone();
                return Err((at, Box::new(move |line, _| RawError::Bare(line, k))));
            }
            match defined.get(name) {
                Some(v) => {
                    output.push_str(v);
                    Ok(())
                }
                None => {
                    let (k, n) = (k.clone(), braced.then(|| name.to_string()));
                    Err((
                        at,
                        Box::new(move |line, col| RawError::Unknown(line, col, k, n)),
                    ))
                }
            }
        };
    for (i, c) in input.char_indices() {
        if expecting_end {
            if c == ' ' || c == '\t' {
                continue;
            } else if c == '#' {
                break;
            } else {
                return Err(syntax(
                    i,
                    "text after the value: an unquoted value ends at the first space; put the value in quotes to keep spaces",
                ));
            }
        } else if escaped {
            match c {
                '\\' | '\'' | '"' | '$' | ' ' => output.push(c),
                'n' => output.push('\n'),
                _ => {
                    return Err(syntax(
                        i,
                        "invalid escape sequence: dotenv accepts only \\\\, \\', \\\", \\$, \\n and a backslash before a space; write a literal backslash as \\\\ or use single quotes",
                    ));
                }
            }
            escaped = false;
        } else if strong {
            if c == '\'' {
                strong = false;
            } else {
                output.push(c);
            }
        } else if mode != Subst::None {
            if c.is_alphanumeric() {
                name.push(c);
            } else if mode == Subst::Block {
                if c == '{' && name.is_empty() {
                    mode = Subst::EscapedBlock;
                } else {
                    let literal_next = c == '_'
                        || c == '"'
                        || c == '\''
                        || c == '\\'
                        || (!weak && (c == ' ' || c == '\t'));
                    // Named only when it is a key of this file (key names are not secret);
                    // otherwise it is an unknown reference, located by column.
                    if literal_next && defined.contains_key(&name) {
                        let (k, n) = (k.clone(), name.clone());
                        return Err((
                            dollar,
                            Box::new(move |line, col| RawError::Ambiguous(line, col, k, n)),
                        ));
                    }
                    substitute(&name, false, dollar, &mut output)?;
                    name.clear();
                    if c == '$' {
                        mode = Subst::Block;
                        dollar = i;
                    } else {
                        mode = Subst::None;
                        output.push(c);
                    }
                }
            } else if c == '}' {
                mode = Subst::None;
                substitute(&name, true, dollar, &mut output)?;
                name.clear();
            } else {
                name.push(c);
            }
        } else if c == '$' {
            mode = Subst::Block;
            dollar = i;
        } else if weak {
            if c == '"' {
                weak = false;
            } else if c == '\\' {
                escaped = true;
            } else {
                output.push(c);
            }
        } else if c == '\'' {
            strong = true;
        } else if c == '"' {
            weak = true;
        } else if c == '\\' {
            escaped = true;
        } else if c == ' ' || c == '\t' {
            expecting_end = true;
        } else {
            output.push(c);
        }
    }
    if mode == Subst::EscapedBlock {
        return Err(syntax(dollar, "a `${` reference is never closed with `}`"));
    }
    if strong {
        return Err(syntax(
            0,
            "the single-quoted value is never closed; add the closing `'`",
        ));
    }
    if weak {
        return Err(syntax(
            0,
            "the double-quoted value is never closed; add the closing `\"`",
        ));
    }
    if mode == Subst::Block {
        substitute(&name, false, dollar, &mut output)?;
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<EnvFile, EnvFileError> {
        parse(Path::new("dir/.env"), text)
    }

    fn pairs(text: &str) -> Vec<(String, String)> {
        p(text)
            .unwrap()
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn kv(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_dialect() {
        let text = "\u{feff}# comment\r\nexport A=1\r\nB='lit $X \\n'\r\nC=\"esc \\\"q\\\" \\$ \\\\ \\n\"\r\nD=\r\nE=a=b#c\r\nF=x # comment\r\nG=\"multi\r\nline\"\r\nH='#x'\r\nI=${A}-$A\r\n";
        assert_eq!(
            pairs(text),
            kv(&[
                ("A", "1"),
                ("B", "lit $X \\n"),
                ("C", "esc \"q\" $ \\ \n"),
                ("D", ""),
                ("E", "a=b#c"),
                ("F", "x"),
                ("G", "multi\nline"),
                ("H", "#x"),
                ("I", "1-1"),
            ])
        );
        let f = p(text).unwrap();
        let lines: Vec<u32> = f.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10, 11]);
    }

    #[test]
    fn references_never_come_from_the_process_environment() {
        // PATH is set in every test process; it must not be used.
        let err = p("A=1\nB=${PATH}\n").unwrap_err();
        assert!(matches!(
            err,
            EnvFileError::UnknownReference { line: 2, .. }
        ));
        let msg = err.to_string();
        assert!(
            msg.starts_with("dir/.env:2: B: `${PATH}` refers to PATH"),
            "{msg}"
        );
        assert!(
            msg.contains("\\$") && msg.contains("single quotes"),
            "{msg}"
        );
        // Unbraced, the name may be a piece of a password: located by column, not shown.
        let err = p("A=1\nPASSWORD=\"x pa$sw0rd\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                EnvFileError::UnknownReference {
                    line: 2,
                    column: 15,
                    name: None,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("column 15") && !msg.contains("sw0rd"), "{msg}");
        assert!(p("A=1\nB=$PATH\n").is_err());
        // Defined later in the file does not count either.
        assert!(p("B=${C}\nC=1\n").is_err());
        // Defined earlier wins, even if the process has PATH.
        assert_eq!(
            pairs("PATH=mine\nB=${PATH}:x\n")[1],
            ("B".into(), "mine:x".into())
        );
    }

    #[test]
    fn a_bare_dollar_is_refused_not_dropped() {
        for text in ["P=pa$$word\n", "P=5$\n", "P=\"a $ b\"\n", "P=${}\n"] {
            let err = p(text).unwrap_err();
            assert!(
                matches!(err, EnvFileError::BareDollar { line: 1, .. }),
                "{text:?}: {err}"
            );
            assert!(!err.to_string().contains("pa"), "{err}");
        }
        assert_eq!(pairs("P='pa$$word'\n")[0].1, "pa$$word");
        assert_eq!(pairs("P=pa\\$\\$word\n")[0].1, "pa$$word");
    }

    #[test]
    fn unbraced_references_that_dotenv_reads_oddly_are_refused() {
        for text in [
            "A=1\nB=$A_2\n",
            "A=1\nB=\"$A\"\n",
            "A=1\nB=$A x\n",
            "A=1\nB=$A\\n\n",
        ] {
            let err = p(text).unwrap_err();
            assert!(
                matches!(err, EnvFileError::AmbiguousReference { line: 2, .. }),
                "{text:?}: {err}"
            );
            assert!(err.to_string().contains("${A}"), "{err}");
        }
        assert_eq!(pairs("A=1\nB=\"${A}\"\n")[1].1, "1");
        assert_eq!(pairs("A=1\nB=\"x $A/y\"\n")[1].1, "x 1/y");
    }

    #[test]
    fn errors_carry_the_line_and_never_the_value() {
        let cases = [
            ("A=1\nB=secret value\n", 2),
            ("A=1\n\nC=\"secret\nvalue\nnever closed\n", 3),
            ("A=1\nD='secret\n", 2),
            ("A=1\nE=se\\cret\n", 2),
            ("A=1\nsecret\n", 2),
            ("A=1\n=secret\n", 2),
            ("A=\"x\nsecret\\q\"\n", 2),
        ];
        for (text, line) in cases {
            let err = p(text).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("dir/.env:{line}: ")),
                "{text:?}: {msg}"
            );
            assert!(!msg.contains("secret"), "{text:?}: {msg}");
        }
    }

    #[test]
    fn duplicates_name_both_lines() {
        let err = p("A=1\nB=2\nA=3\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("dir/.env:3:") && msg.contains("line 1") && msg.contains("A"),
            "{msg}"
        );
    }

    #[test]
    fn keys_are_checked() {
        let long = format!("{}=1\n", "K".repeat(254));
        let err = p(&long).unwrap_err();
        assert!(matches!(err, EnvFileError::InvalidKey { line: 1, .. }));
        assert!(!err.to_string().contains("KKKK"), "{err}");
        let f = p("a.b=1\nOK=2\n").unwrap();
        assert_eq!(f.warnings.len(), 1);
        assert!(f.warnings[0].contains("a.b"), "{:?}", f.warnings);
        assert!(check_secret_key("..").is_err());
        assert!(check_secret_key("a-b_c.d").is_ok());
    }

    #[test]
    fn debug_masks_values() {
        let f = p("K=hunter2\n").unwrap();
        let dbg = format!("{f:?}");
        assert!(!dbg.contains("hunter2") && dbg.contains("7 bytes"), "{dbg}");
    }

    #[test]
    fn trailing_space_at_eof_and_crlf_are_fine() {
        assert_eq!(pairs("A=1 "), kv(&[("A", "1")]));
        assert_eq!(pairs("A=1\r\nB=\"x\r\ny\"\r\n"), pairs("A=1\nB=\"x\ny\"\n"));
    }

    #[test]
    fn example_required_and_optional() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_example(dir.path()).unwrap().is_none());
        std::fs::write(
            dir.path().join(".env.example"),
            "WEATHER_API_KEY=\nLOG_LEVEL=info\nTOKEN=\n",
        )
        .unwrap();
        let ex = load_example(dir.path()).unwrap().unwrap();
        assert_eq!(ex.required, ["WEATHER_API_KEY", "TOKEN"]);
        assert_eq!(ex.optional, ["LOG_LEVEL"]);
        assert_eq!(
            ex.missing_required(["LOG_LEVEL", "OTHER"]),
            ["TOKEN", "WEATHER_API_KEY"]
        );
        assert!(ex.missing_required(["TOKEN", "WEATHER_API_KEY"]).is_empty());
        assert_eq!(ex.missing_optional(["TOKEN"]), ["LOG_LEVEL"]);
    }

    /// A tiny deterministic generator (xorshift) of env-file-like texts without `$`.
    fn generated_inputs(count: usize) -> Vec<String> {
        const TOKENS: &[&str] = &[
            "KEY", "K2", "a.b", "_x", "export ", "export", "=", "=", " ", "\t", "'", "\"", "\\",
            "n", "#", "\n", "\n", "v", "w x", "\\n", "\\\"", "\\'", "\\\\", "\\ ", " # c", "é",
            "{", "}", "1",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut out = Vec::new();
        for _ in 0..count {
            let mut s = String::new();
            let lines = 1 + next() % 4;
            for _ in 0..lines {
                // Mostly well-formed starts, so that values get exercised.
                if next() % 3 != 0 {
                    s.push_str(
                        ["A=", "B =", "export C=", "D= ", "E='", "F=\""][(next() % 6) as usize],
                    );
                }
                for _ in 0..(next() % 8) {
                    s.push_str(TOKENS[(next() % TOKENS.len() as u64) as usize]);
                }
                s.push('\n');
            }
            out.push(s);
        }
        out
    }

    #[test]
    fn agrees_with_dotenvy_byte_for_byte_without_references() {
        let mut agreed_ok = 0;
        for input in generated_inputs(20_000) {
            let theirs: Result<Vec<(String, String)>, _> =
                dotenvy::from_read_iter(input.as_bytes()).collect();
            let ours = parse_raw(&input)
                .map(|v| v.into_iter().map(|(k, v, _)| (k, v)).collect::<Vec<_>>());
            match (&theirs, &ours) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "input {input:?}");
                    agreed_ok += 1;
                }
                (Err(_), Err(_)) => {}
                _ => panic!(
                    "disagreement on {input:?}: dotenvy ok={} ours ok={}",
                    theirs.is_ok(),
                    ours.is_ok()
                ),
            }
        }
        // The generator must exercise the success path a fair amount, or the test proves little.
        assert!(agreed_ok > 2_000, "only {agreed_ok} inputs parsed");
    }

    #[test]
    fn agrees_with_dotenvy_on_its_own_examples() {
        let text = "KEY=1\nKEY2=\"2\"\nKEY3='3'\nKEY4='fo ur'\nKEY5=\"fi ve\"\nKEY6=s\\ ix\nKEY7=\nKEY8=     \nKEY9=   # foo\nKEY10  =\"whitespace before =\"\nKEY11=    \"whitespace after =\"\nexport=\"export as key\"\nexport   SHELL_LOVER=1\nKEY12=my\\ cool\\ value\nKEY13=\\$sweet\nKEY14=\"awesome stuff \\\"mang\\\"\"\nKEY15='sweet $\\fgs'\\''fds'\nKEY16=\"'\\\"yay\\\\\"\\ \"stuff\"\nKEY17=\"lol\" #well\nKEY18=\"line 1\\nline 2\"\n";
        let theirs: Vec<(String, String)> = dotenvy::from_read_iter(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(pairs(text), theirs);
    }
}

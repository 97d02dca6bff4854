//! The env file (`.env`, `.env.staging`, ...): the dialect that dotenvy, python-dotenv and
//! docker compose read alike, with line numbers, references resolved only inside the file, and
//! refusals that never carry any part of a value.
//!
//! A file is accepted only when those readers would read the same keys and values from it; a
//! line where they differ (`PW=Kj"8s"2x`: dotenvy drops the quotes, python-dotenv keeps them) is
//! refused with its number, why the readers disagree and how to write it unambiguously. The
//! accepted dialect (docs/secrets-sync.md has the table):
//! - blank lines, `#` comment lines, an optional `export `, `KEY=VALUE` with spaces allowed
//!   around `=`, keys `[A-Za-z_][A-Za-z0-9_.]*`;
//! - an unquoted value: no whitespace, quote, backslash or `$` (except `${NAME}`), not starting
//!   with `#`; a comment may follow after a space;
//! - a single-quoted value: literal, may span lines, holds no `'`, no `\\`, no `\'`, no `${`;
//! - a double-quoted value: may span lines; the escapes `\\`, `\"`, `\n`; `${NAME}`;
//! - `${NAME}`: a key defined above in the same file (never the process environment), expanded
//!   with the 1 MiB limit checked while expanding.
//!
//! Why an own parser rather than `dotenvy::from_read_iter`: dotenvy resolves `$NAME` from the
//! process environment before the file, and reports errors with the line's text (the value).
//! Tests check that what this module accepts equals dotenvy's and python-dotenv's reading.
//!
//! On top of the dialect: a UTF-8 BOM is skipped, CRLF line endings are read as LF (also inside
//! multi-line values; python-dotenv does the same, dotenvy keeps the CR), a lone CR is refused,
//! duplicate keys are an error, keys must be valid Secret keys.
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
        "{}:{line}: {key}: {what}; values never come from the shell environment: define the key above this line, or put the whole value in single quotes for a literal `$`",
        path.display()
    )]
    UnknownReference {
        path: PathBuf,
        line: u32,
        key: String,
        /// The name, only when the file defines it further down (a key name is not secret);
        /// otherwise it may be a fragment of a secret value (`Zx${q7}Kp`) and is located by
        /// column instead.
        name: Option<String>,
        column: u32,
        what: String,
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

/// The most the keys and values of one Secret may hold (the API server's limit is 1 MiB for
/// the whole object; `secret_plan::MAX_SECRET_BYTES` is the same number). Checked while
/// references are expanded, so that a small file cannot expand into gigabytes.
pub const MAX_BYTES: usize = 1024 * 1024;

/// Parses the text of an env file (`path` is for messages only).
pub fn parse(path: &Path, text: &str) -> Result<EnvFile, EnvFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(at) = text
        .match_indices('\r')
        .map(|(i, _)| i)
        .find(|i| text.as_bytes().get(i + 1) != Some(&b'\n'))
    {
        return Err(EnvFileError::Syntax {
            path: path.to_path_buf(),
            line: text[..at].matches('\n').count() as u32 + 1,
            message: "a carriage return (CR) that no line feed follows: python-dotenv and docker compose end the line there, dotenvy keeps it inside the line; save the file with LF (or CRLF) line endings".into(),
        });
    }
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
// The dialect: what dotenvy 0.15, python-dotenv (>= 0.21) and docker compose (v1, which reads
// env files with python-dotenv) read alike. Everything else is refused with the reason and a fix.

/// A refusal located by line, before the path is known.
#[derive(Debug)]
enum RawError {
    Syntax(u32, String),
    Unknown {
        line: u32,
        column: u32,
        key: String,
        /// The name and the line that defines it, when the file defines it further down (key
        /// names are not secret); `None` when it names no key of the file.
        below: Option<(String, u32)>,
    },
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
            RawError::Unknown {
                line,
                column,
                key,
                below,
            } => {
                let what = match &below {
                    Some((n, at)) => format!(
                        "`${{{n}}}` refers to {n}, which is defined below, on line {at}; move {n} above this line"
                    ),
                    None => format!(
                        "the reference at column {column} names no key defined above this line (the name is not shown: it may be part of a secret value)"
                    ),
                };
                EnvFileError::UnknownReference {
                    path,
                    line,
                    key,
                    name: below.map(|(n, _)| n),
                    column,
                    what,
                }
            }
        }
    }
}

const KEY_SYNTAX: &str = "expected KEY=VALUE: a key starts with a letter or `_` and has only letters, digits, `_` and `.`";

/// How to quote a value, chosen from the quote characters the rest of the line holds (which
/// are not shown).
fn quote_fix(key: &str, rest_of_line: &str) -> String {
    if rest_of_line.contains('\'') {
        format!(
            "quote the whole value with double quotes ({key}=\"...\", a `\"` inside written as `\\\"`)"
        )
    } else {
        format!("quote the whole value with single quotes ({key}='...')")
    }
}

const ENDS_WITH_BACKSLASH: &str = "no spelling of a value that ends with a backslash is read alike by dotenvy (which escapes the next character or joins the next line) and python-dotenv and docker compose (which keep the backslash, or read `\\\"` as an escaped quote); remove the trailing backslash";

/// A cursor over the text (BOM removed, CRLF read as LF, no lone CR left).
struct Scanner<'a> {
    s: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.s[self.pos..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.line_start = self.pos;
        }
        Some(c)
    }

    /// Skips spaces and tabs; how many.
    fn blanks(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn skip_to_eol(&mut self) {
        let rest = &self.s[self.pos..];
        self.pos += rest.find('\n').unwrap_or(rest.len());
    }

    fn rest_of_line(&self) -> &str {
        let rest = &self.s[self.pos..];
        &rest[..rest.find('\n').unwrap_or(rest.len())]
    }

    /// The 1-based column (in characters) of byte `at` on the current line.
    fn column_of(&self, at: usize) -> u32 {
        self.s[self.line_start..at].chars().count() as u32 + 1
    }

    /// `[A-Za-z_][A-Za-z0-9_.]*`, dotenvy's key syntax.
    fn name(&mut self) -> Option<&str> {
        let rest = &self.s[self.pos..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        self.pos += end;
        Some(&rest[..end])
    }
}

/// A character that the readers trim or split on differently when it is not inside quotes.
fn unusual(c: char) -> bool {
    c != ' ' && c != '\t' && c != '\n' && (c.is_whitespace() || c.is_control())
}

const UNUSUAL: &str = "a control character or a whitespace other than space and tab outside quotes: the readers trim and split on them differently; remove it, or quote the whole value";

/// An unknown reference, reported at the end (or at the next refusal) so that its message can
/// say whether the file defines the name further down.
struct PendingUnknown {
    line: u32,
    column: u32,
    key: String,
    name: String,
}

struct Parser<'a> {
    sc: Scanner<'a>,
    defined: HashMap<String, (String, u32)>,
    /// Bytes of keys and values so far, bounded by `MAX_BYTES` while references are expanded.
    total: usize,
    pending: Option<PendingUnknown>,
}

/// Entries as (key, value, line), in file order, duplicates kept.
fn parse_raw(text: &str) -> Result<Vec<(String, String, u32)>, RawError> {
    let mut p = Parser {
        sc: Scanner {
            s: text,
            pos: 0,
            line: 1,
            line_start: 0,
        },
        defined: HashMap::new(),
        total: 0,
        pending: None,
    };
    let mut out = Vec::new();
    let result = p.entries(&mut out);
    if let Some(u) = p.pending.take() {
        let below = out
            .iter()
            .find(|(k, _, line)| *k == u.name && *line >= u.line)
            .map(|(k, _, line)| (k.clone(), *line));
        return Err(RawError::Unknown {
            line: u.line,
            column: u.column,
            key: u.key,
            below,
        });
    }
    result.map(|()| out)
}

impl Parser<'_> {
    fn entries(&mut self, out: &mut Vec<(String, String, u32)>) -> Result<(), RawError> {
        loop {
            self.sc.blanks();
            match self.sc.peek() {
                None => return Ok(()),
                Some('\n') => {
                    self.sc.bump();
                }
                Some('#') => self.sc.skip_to_eol(),
                Some(c) if unusual(c) => {
                    return Err(RawError::Syntax(self.sc.line, UNUSUAL.into()));
                }
                Some(_) => {
                    let line = self.sc.line;
                    let (key, value) = self.entry()?;
                    if self.pending.is_none() {
                        self.total += key.len() + value.len();
                        self.defined.insert(key.clone(), (value.clone(), line));
                    }
                    out.push((key, value, line));
                }
            }
        }
    }

    fn syntax(&self, message: impl Into<String>) -> RawError {
        RawError::Syntax(self.sc.line, message.into())
    }

    fn entry(&mut self) -> Result<(String, String), RawError> {
        let line = self.sc.line;
        let no_key = || RawError::Syntax(line, KEY_SYNTAX.into());
        let mut key = self.sc.name().ok_or_else(no_key)?.to_string();
        if key == "export" && self.sc.blanks() > 0 {
            if self.sc.peek() == Some('=') {
                return Err(self.syntax(
                    "`export =`: dotenvy reads a key named export, python-dotenv and docker compose expect a key after `export ` and skip the line; write `export KEY=VALUE`",
                ));
            }
            key = self.sc.name().ok_or_else(no_key)?.to_string();
        }
        self.sc.blanks();
        if self.sc.peek() != Some('=') {
            // Not naming the word: a line without `=` may be a wrapped value, not a key.
            return Err(self.syntax(
                "expected `=` after the key: lines are KEY=VALUE (keys have only letters, digits, `_` and `.`; a value that spans lines must be quoted)",
            ));
        }
        self.sc.bump();
        self.sc.blanks();
        let value = match self.sc.peek() {
            None | Some('\n') => String::new(),
            Some('#') => {
                return Err(self.syntax(format!(
                    "{key}: a value that starts with `#`: dotenvy reads an empty value and a comment, python-dotenv and docker compose read the text as the value; write `{key}=` alone for an empty value, or quote the value ({key}='#...')"
                )));
            }
            Some('\'') => self.single_quoted(&key)?,
            Some('"') => self.double_quoted(&key)?,
            Some(_) => return self.unquoted(key),
        };
        let blanks = self.sc.blanks();
        match self.sc.peek() {
            None | Some('\n') => {}
            Some('#') if blanks > 0 => self.comment(&key, blanks)?,
            Some(_) => {
                return Err(self.syntax(format!(
                    "{key}: text after the closing quote: dotenvy joins it to the value, python-dotenv and docker compose skip the whole line; quote the whole value, and put a space before a `#` comment"
                )));
            }
        }
        Ok((key, value))
    }

    /// A comment after a value. dotenvy finds where a line ends by a state machine in which
    /// only an odd number of blanks before `#` starts a comment; otherwise a quote or a
    /// backslash in the comment opens a quoted value that swallows the following lines.
    fn comment(&mut self, key: &str, blanks: usize) -> Result<(), RawError> {
        if blanks != 1 && self.sc.rest_of_line().contains(['\'', '"', '\\']) {
            return Err(self.syntax(format!(
                "{key}: a comment that holds a quote or a backslash, after more than one space: dotenvy may read it as the start of a quoted value that goes on over the following lines, python-dotenv and docker compose ignore it; put the comment on its own line, or leave exactly one space before the `#`"
            )));
        }
        self.sc.skip_to_eol();
        Ok(())
    }

    fn unquoted(&mut self, key: String) -> Result<(String, String), RawError> {
        let mut value = String::new();
        while let Some(c) = self.sc.peek() {
            match c {
                '\n' | ' ' | '\t' => break,
                '\'' | '"' => {
                    let fix = quote_fix(&key, self.sc.rest_of_line());
                    let swallow = if c == '\'' {
                        " (and a `'` makes dotenvy read the following lines into the value)"
                    } else {
                        ""
                    };
                    return Err(self.syntax(format!(
                        "{key}: a quote inside an unquoted value: dotenvy removes it{swallow}, python-dotenv and docker compose keep it; {fix}"
                    )));
                }
                '\\' => {
                    self.sc.bump();
                    if matches!(self.sc.peek(), None | Some('\n' | ' ' | '\t')) {
                        return Err(self.syntax(format!(
                            "{key}: the value ends with a backslash: {ENDS_WITH_BACKSLASH}"
                        )));
                    }
                    let fix = quote_fix(&key, self.sc.rest_of_line());
                    return Err(self.syntax(format!(
                        "{key}: a backslash in an unquoted value: dotenvy reads it as an escape, python-dotenv and docker compose keep it; {fix}"
                    )));
                }
                '$' => self.reference(&key, &mut value)?,
                c if unusual(c) => return Err(self.syntax(format!("{key}: {UNUSUAL}"))),
                c => {
                    self.sc.bump();
                    value.push(c);
                }
            }
        }
        let blanks = self.sc.blanks();
        match self.sc.peek() {
            None | Some('\n') => {}
            Some('#') => self.comment(&key, blanks)?,
            Some(_) => {
                let fix = quote_fix(&key, self.sc.rest_of_line());
                return Err(self.syntax(format!(
                    "{key}: a space inside an unquoted value: dotenvy refuses the line, python-dotenv and docker compose keep the text after the space; {fix} (a comment after a value starts with ` #`)"
                )));
            }
        }
        Ok((key, value))
    }

    fn single_quoted(&mut self, key: &str) -> Result<String, RawError> {
        let start = self.sc.line;
        self.sc.bump();
        let mut value = String::new();
        loop {
            let Some(c) = self.sc.bump() else {
                return Err(RawError::Syntax(
                    start,
                    format!(
                        "{key}: the single-quoted value that starts on this line is never closed: dotenvy refuses the file, python-dotenv skips the line; add the closing `'` (a value that holds a `'` goes in double quotes)"
                    ),
                ));
            };
            match c {
                '\'' => return Ok(value),
                '\\' => match self.sc.peek() {
                    Some('\'')
                        if matches!(self.sc.peek2(), None | Some('\n' | ' ' | '\t' | '#')) =>
                    {
                        return Err(self.syntax(format!(
                            "{key}: the value ends with a backslash: {ENDS_WITH_BACKSLASH}"
                        )));
                    }
                    Some('\\' | '\'') => {
                        return Err(self.syntax(format!(
                            "{key}: `\\\\` or `\\'` inside single quotes: dotenvy keeps both characters, python-dotenv and docker compose read an escape; write the value in double quotes ({key}=\"...\", where `\\\\` is one backslash and `'` needs no escape)"
                        )));
                    }
                    _ => value.push(c),
                },
                '$' if self.sc.peek() == Some('{') => {
                    return Err(self.syntax(format!(
                        "{key}: `${{` inside single quotes: dotenvy keeps it, python-dotenv and docker compose expand it as a reference; a literal `${{` cannot be written so that all of them agree: write the value out, or refer to a key defined above with `${{NAME}}` outside single quotes"
                    )));
                }
                c => value.push(c),
            }
        }
    }

    fn double_quoted(&mut self, key: &str) -> Result<String, RawError> {
        let start = self.sc.line;
        self.sc.bump();
        let mut value = String::new();
        loop {
            let Some(c) = self.sc.peek() else {
                return Err(RawError::Syntax(
                    start,
                    format!(
                        "{key}: the double-quoted value that starts on this line is never closed: dotenvy refuses the file, python-dotenv skips the line; add the closing `\"` (a `\"` inside the value is written `\\\"`)"
                    ),
                ));
            };
            match c {
                '"' => {
                    self.sc.bump();
                    return Ok(value);
                }
                '\\' => {
                    let line = self.sc.line;
                    let refuse = |message: String| RawError::Syntax(line, message);
                    self.sc.bump();
                    match self.sc.bump() {
                        Some('\\') if self.sc.peek() == Some('"') => {
                            return Err(refuse(format!(
                                "{key}: the value ends with a backslash: {ENDS_WITH_BACKSLASH}"
                            )));
                        }
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        Some('$') => {
                            return Err(refuse(format!(
                                "{key}: `\\$` inside double quotes: dotenvy reads `$`, python-dotenv and docker compose keep the backslash; for a literal `$`, put the whole value in single quotes ({key}='...')"
                            )));
                        }
                        Some('\'') => {
                            return Err(refuse(format!(
                                "{key}: `\\'` inside double quotes: the readers differ on this escape; write `'` without the backslash"
                            )));
                        }
                        _ => {
                            return Err(refuse(format!(
                                "{key}: an escape sequence that the readers do not share: inside double quotes only `\\\\`, `\\\"` and `\\n` mean the same to dotenvy, python-dotenv and docker compose (dotenvy refuses `\\t`, `\\r` and others); write the character itself (a tab as a tab), or use single quotes"
                            )));
                        }
                    }
                }
                '$' => self.reference(key, &mut value)?,
                c => {
                    self.sc.bump();
                    value.push(c);
                }
            }
        }
    }

    /// A `$` (at the cursor) outside single quotes: only `${NAME}` of a key defined above.
    fn reference(&mut self, key: &str, value: &mut String) -> Result<(), RawError> {
        let at = self.sc.pos;
        let column = self.sc.column_of(at);
        self.sc.bump();
        if self.sc.peek() != Some('{') {
            let why = if self
                .sc
                .peek()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            {
                "a `$` followed by a name without braces: dotenvy substitutes it, python-dotenv and docker compose (v1) keep it as written"
            } else {
                "a `$` not followed by `{`: dotenvy drops or substitutes it, python-dotenv and docker compose keep it"
            };
            return Err(self.syntax(format!(
                "{key}: {why} (column {column}); refer to a key defined above as `${{NAME}}`, or put the whole value in single quotes for a literal `$` ({key}='...')"
            )));
        }
        self.sc.bump();
        let name_start = self.sc.pos;
        let plain = self.sc.name().is_some() && self.sc.peek() == Some('}');
        if !plain {
            return Err(self.syntax(format!(
                "{key}: a `${{` at column {column} that is not a plain reference `${{NAME}}` (a default such as `:-`, another shell form, or no closing `}}` on this line): the readers expand these differently (the text is not shown); write the value out, or refer to a key defined above as `${{NAME}}`"
            )));
        }
        let name = &self.sc.s[name_start..self.sc.pos];
        self.sc.bump();
        match self.defined.get(name) {
            Some((v, _)) => {
                if self.total + key.len() + value.len() + v.len() > MAX_BYTES {
                    return Err(self.syntax(format!(
                        "{key}: with its references expanded, the file's keys and values would exceed {} bytes (1 MiB), the most a Secret can hold; refer to large values fewer times",
                        MAX_BYTES
                    )));
                }
                value.push_str(v);
            }
            None => {
                if self.pending.is_none() {
                    self.pending = Some(PendingUnknown {
                        line: self.sc.line,
                        column,
                        key: key.to_string(),
                        name: name.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

// Tests: tests/envfile/ (the dialect, the issue #12 table, leaks, expansion, properties, and the
// differential tests against dotenvy, python-dotenv and docker compose); below, what the
// mutation run (tests/mutants.sh) showed they do not reach.

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_listed_in_file_order() {
        let file = parse(Path::new(".env"), "B=1\nA=2\n# C=3\nD='x'\n").unwrap();
        assert_eq!(file.keys().collect::<Vec<_>>(), ["B", "A", "D"]);
        let empty = parse(Path::new(".env"), "# nothing\n").unwrap();
        assert_eq!(empty.keys().count(), 0);
    }

    #[test]
    fn a_key_of_exactly_253_characters_is_allowed() {
        assert_eq!(check_secret_key(&"K".repeat(253)), Ok(()));
        assert!(check_secret_key(&"K".repeat(254)).is_err());
    }

    #[test]
    fn env_var_names_may_start_with_underscore_but_not_a_digit() {
        assert!(is_env_var_name("_A"));
        assert!(is_env_var_name("A_1"));
        assert!(!is_env_var_name("1A"));
        assert!(!is_env_var_name("-A"));
        assert!(!is_env_var_name("A-B"));
        assert!(!is_env_var_name(""));
    }

    /// Without `--from-file`: the environment's `file` when kmcp.yaml sets one (only that one,
    /// and only inside the project directory), else `.env.<env>`; never `.env`.
    #[test]
    fn the_default_env_file_is_the_configured_one_or_env_dot_name() {
        use crate::core::project::Project;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("proj");
        std::fs::create_dir(&dir).unwrap();
        let yaml = "name: web\nsecrets:\n  plain:\n    provider: env\n  custom:\n    provider: env\n    file: custom.env\n  outside:\n    provider: env\n    file: ../outside.env\n  gone:\n    provider: env\n    file: gone.env\n";
        let project = Project::parse(&dir.join("kmcp.yaml"), yaml).unwrap();
        let env = |name: &str| project.environment(name).unwrap().clone();
        let touch = |path: PathBuf| std::fs::write(path, "A=1\n").unwrap();

        assert_eq!(
            env_file_candidates(&project, &env("plain")),
            [dir.join(".env.plain")]
        );
        assert_eq!(
            env_file_candidates(&project, &env("custom")),
            [dir.join("custom.env")]
        );
        touch(dir.join(".env"));
        assert_eq!(default_env_file(&project, &env("plain")), None);
        touch(dir.join(".env.plain"));
        assert_eq!(
            default_env_file(&project, &env("plain")),
            Some(dir.join(".env.plain"))
        );
        touch(dir.join("custom.env"));
        touch(dir.join(".env.custom"));
        assert_eq!(
            default_env_file(&project, &env("custom")),
            Some(dir.join("custom.env"))
        );
        // Outside the project directory: not used, even though it exists.
        touch(root.path().join("outside.env"));
        touch(dir.join(".env.outside"));
        assert_eq!(default_env_file(&project, &env("outside")), None);
        // A configured file that does not exist: no fallback to `.env.gone`.
        touch(dir.join(".env.gone"));
        assert_eq!(default_env_file(&project, &env("gone")), None);
    }

    /// A refused `$` is located by its column on its own line, counted in characters from 1
    /// (the text around it may be part of a secret and is not shown).
    #[test]
    fn a_refused_reference_is_located_by_its_column_in_characters() {
        let err = parse(Path::new(".env"), "A=1\nB=\u{e9}${NOPE}\n").unwrap_err();
        match err {
            EnvFileError::UnknownReference { line, column, .. } => {
                assert_eq!((line, column), (2, 4));
            }
            other => panic!("{other}"),
        }
        let msg = parse(Path::new(".env"), "A=1\n  B = x$y\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("(column 8)"), "{msg}");
    }

    /// A comment after a value is refused only when it holds a quote or a backslash AND more
    /// than one blank comes before its `#` (where dotenvy may start a quoted value).
    #[test]
    fn a_comment_after_a_value_is_refused_only_for_both_reasons() {
        let pairs = |text: &str| -> Vec<(String, String)> {
            parse(Path::new(".env"), text)
                .unwrap_or_else(|e| panic!("{text:?}: {e}"))
                .entries
                .into_iter()
                .map(|e| (e.key, e.value))
                .collect()
        };
        assert_eq!(
            pairs("A=x  # two blanks, plain\n"),
            [("A".into(), "x".into())]
        );
        assert_eq!(pairs("A=x # it's one blank\n"), [("A".into(), "x".into())]);
        let err = parse(Path::new(".env"), "A=x  # it's two\n").unwrap_err();
        assert!(
            err.to_string().contains("a comment that holds a quote"),
            "{err}"
        );
    }

    #[test]
    fn an_escaped_dollar_in_double_quotes_gets_its_own_reason() {
        let err = parse(Path::new(".env"), "A=\"x\\$y\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`\\$` inside double quotes"), "{msg}");
        assert!(
            msg.contains("put the whole value in single quotes (A='...')"),
            "{msg}"
        );
    }

    /// `$NAME` without braces (a letter or `_` after the `$`) and any other bare `$` are
    /// refused for different reasons.
    #[test]
    fn a_bare_dollar_is_told_apart_from_a_name_without_braces() {
        let msg = |text: &str| parse(Path::new(".env"), text).unwrap_err().to_string();
        for text in ["A=x$y\n", "A=x$_y\n"] {
            assert!(
                msg(text).contains("a `$` followed by a name without braces"),
                "{text:?}: {}",
                msg(text)
            );
        }
        for text in ["A=x$1\n", "A=x$-\n"] {
            assert!(
                msg(text).contains("a `$` not followed by `{`"),
                "{text:?}: {}",
                msg(text)
            );
        }
    }

    /// The expansion limit counts every byte: the keys and values so far, the key, the value
    /// so far and the expansion. One byte over is refused, with a one-letter key too.
    #[test]
    fn the_expansion_limit_counts_the_key_and_everything_before() {
        let big = MAX_BYTES / 2 - 1;
        let at_limit = format!("A={}\nB=${{A}}\n", "x".repeat(big));
        assert_eq!(
            parse(Path::new(".env"), &at_limit).unwrap().entries[1]
                .value
                .len(),
            big
        );
        // One more byte of key on line 1: B's expansion is one byte over.
        let over = format!("AA={}\nB=${{AA}}\n", "x".repeat(big));
        let err = parse(Path::new(".env"), &over).unwrap_err();
        assert!(matches!(err, EnvFileError::Syntax { line: 2, .. }), "{err}");
        assert!(err.to_string().contains("1 MiB"), "{err}");
    }
}

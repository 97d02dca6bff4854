//! Everything a user reads: `-o` formats, data on stdout, diagnostics on stderr, the one palette
//! ([`palette`]), the one table builder ([`table`]), progress on stderr ([`progress`]), and each
//! command's tables ([`audit`], [`checks`], [`sync`]). YAML through serde-saphyr.
use serde::Serialize;

use crate::core::project::Project;
use crate::error::{Error, Result};

pub mod audit;
pub mod checks;
pub mod palette;
pub mod progress;
pub mod prompt;
pub mod status;
pub mod sync;
pub mod table;
pub mod text;

/// `-o/--output`. Each command offers only the formats it has: its `-o` parses with
/// [`Format::parser`], so that help, completion and the usage error list exactly those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Wide,
    Json,
    Yaml,
    /// SARIF 2.1.0 (audit only), for code-scanning tools.
    Sarif,
}

/// Every format, in the order help lists them.
const ALL: [Format; 5] = [
    Format::Table,
    Format::Wide,
    Format::Json,
    Format::Yaml,
    Format::Sarif,
];

impl Format {
    /// The name as `-o` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Wide => "wide",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Sarif => "sarif",
        }
    }

    /// The `-o` value parser of a command that has exactly `formats`: any other value is a
    /// usage error (exit 2) that lists them.
    pub fn parser(
        formats: &'static [Format],
    ) -> impl clap::builder::TypedValueParser<Value = Format> {
        use clap::builder::TypedValueParser;
        clap::builder::PossibleValuesParser::new(formats.iter().map(|f| f.name())).map(
            |name: String| {
                ALL.into_iter()
                    .find(|f| f.name() == name)
                    .unwrap_or_default()
            },
        )
    }
}

/// Serializes to YAML the way kubectl prints it (block style, no document marker).
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Failed(format!("cannot render YAML: {e}")))
}

/// Serializes to pretty JSON with a trailing newline.
pub fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| Error::Failed(format!("cannot render JSON: {e}")))
}

/// Writes a value as JSON straight to stdout, without building the text in memory first (a large
/// audit's document).
pub fn write_json<T: Serialize>(value: &T) -> Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| Error::Failed(format!("cannot render JSON: {e}")))?;
    writeln!(out)
        .and_then(|_| out.flush())
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}

/// Writes to stdout through one buffer (a large audit's table or document is never held whole).
pub fn write_stdout(
    write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    write(&mut out)
        .and_then(|_| out.flush())
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}

/// Prints a value as JSON or YAML on stdout.
pub fn print_data<T: Serialize>(format: Format, value: &T) -> Result<()> {
    let text = match format {
        Format::Yaml => to_yaml(value)?,
        _ => to_json(value)?,
    };
    print!("{text}");
    Ok(())
}

/// Prints an error on stderr the way kubectl does (`error: ...`), wrapped at words on a
/// terminal (see [`diagnostic`]).
pub fn print_error(err: &Error) {
    let prefix = palette::paint("error:", palette::Tone::Alert, palette::stderr_color());
    diagnostic(&format!("{prefix} {err}"));
}

/// Prints one diagnostic line on stderr. On a terminal it is wrapped at words to the terminal's
/// width, names and `commands` kept whole (the terminal would break them anywhere); otherwise
/// (logs, CI) it stays one line, for grep.
pub fn diagnostic(line: &str) {
    if palette::stderr_is_terminal() {
        for l in text::wrap(line, text::stderr_width(), "", "  ") {
            eprintln!("{l}");
        }
    } else {
        eprintln!("{line}");
    }
}

/// Prints kmcp.yaml's load warnings on stderr as `warning: kmcp.yaml:LINE: ...`.
pub fn print_project_warnings(project: &Project) {
    for line in project.warning_lines() {
        diagnostic(&format!("warning: {line}"));
    }
}

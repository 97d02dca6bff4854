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
pub mod sync;
pub mod table;

/// `-o/--output`. Each command accepts the subset that makes sense for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Wide,
    Json,
    Yaml,
    /// SARIF 2.1.0 (audit only), for code-scanning tools. Hidden from the value lists that
    /// every command shares; audit's help names it.
    #[value(hide = true)]
    Sarif,
}

impl Format {
    /// Refuses a format the command does not support (a usage error, exit 2).
    pub fn require(self, allowed: &[Format], command: &str) -> Result<Format> {
        if allowed.contains(&self) {
            Ok(self)
        } else {
            let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
            Err(Error::Usage(format!(
                "{command} does not support -o {}; use one of: {}",
                self.name(),
                names.join(", ")
            )))
        }
    }

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

/// Prints a value as JSON or YAML on stdout.
pub fn print_data<T: Serialize>(format: Format, value: &T) -> Result<()> {
    let text = match format {
        Format::Yaml => to_yaml(value)?,
        _ => to_json(value)?,
    };
    print!("{text}");
    Ok(())
}

/// Prints an error on stderr the way kubectl does (`error: ...`).
pub fn print_error(err: &Error) {
    let prefix = palette::paint("error:", palette::Tone::Alert, palette::stderr_color());
    eprintln!("{prefix} {err}");
}

/// Prints kmcp.yaml's load warnings on stderr as `warning: kmcp.yaml:LINE: ...`.
pub fn print_project_warnings(project: &Project) {
    for line in project.warning_lines() {
        eprintln!("warning: {line}");
    }
}

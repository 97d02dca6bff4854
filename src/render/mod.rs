//! Output conventions shared by every command: `-o` formats, data on stdout, colours only on a
//! terminal and never with `NO_COLOR`, YAML through serde-saphyr, progress on stderr.
use std::io::IsTerminal;

use serde::Serialize;

use crate::error::{Error, Result};

pub mod table;

/// `-o/--output`. Each command accepts the subset that makes sense for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Wide,
    Json,
    Yaml,
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

    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Wide => "wide",
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Colours on stdout: only on a terminal, never with NO_COLOR.
pub fn stdout_color() -> bool {
    !no_color() && std::io::stdout().is_terminal()
}

/// Colours on stderr: only on a terminal, never with NO_COLOR.
pub fn stderr_color() -> bool {
    !no_color() && std::io::stderr().is_terminal()
}

/// Whether stderr is a terminal, for spinners and progress.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Whether a person can answer a prompt: stdin and stderr are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
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

/// Prints a value as JSON or YAML on stdout.
pub fn print_data<T: Serialize>(format: Format, value: &T) -> Result<()> {
    let text = match format {
        Format::Yaml => to_yaml(value)?,
        _ => to_json(value)?,
    };
    print!("{text}");
    Ok(())
}

/// Wraps text in an ANSI colour when `enabled`.
pub fn paint(text: &str, code: &str, enabled: bool) -> String {
    if enabled {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

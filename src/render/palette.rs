//! The one colour decision and the one palette. Colours only on a terminal and never with
//! `NO_COLOR`; what each status, severity and change looks like is decided here and nowhere else.
use std::io::IsTerminal;

use comfy_table::Color;

use crate::core::secret_plan::Change;
use crate::core::{CheckStatus, Severity};

/// What a coloured word means, whatever it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Fine: pass, ok, added.
    Good,
    /// Look at it: warn, warning, changed.
    Caution,
    /// Wrong: fail, error, removed.
    Bad,
    /// Nothing to see: skip, unchanged.
    Muted,
    /// The `error:` prefix of a failed command (bold red).
    Alert,
}

impl Tone {
    /// The colour of a table cell in this tone.
    pub fn color(self) -> Color {
        match self {
            Tone::Good => Color::Green,
            Tone::Caution => Color::Yellow,
            Tone::Bad | Tone::Alert => Color::Red,
            Tone::Muted => Color::DarkGrey,
        }
    }

    /// The ANSI SGR code of this tone, for text outside tables.
    fn ansi(self) -> &'static str {
        match self {
            Tone::Good => "32",
            Tone::Caution => "33",
            Tone::Bad => "31",
            Tone::Muted => "90",
            Tone::Alert => "1;31",
        }
    }
}

/// The tone of a check's result.
pub fn status_tone(status: CheckStatus) -> Tone {
    match status {
        CheckStatus::Pass => Tone::Good,
        CheckStatus::Skip => Tone::Muted,
        CheckStatus::Warn => Tone::Caution,
        CheckStatus::Fail => Tone::Bad,
    }
}

/// The tone of a finding's severity.
pub fn severity_tone(severity: Severity) -> Tone {
    match severity {
        Severity::Ok => Tone::Good,
        Severity::Warning => Tone::Caution,
        Severity::Error => Tone::Bad,
    }
}

/// The tone of a key's change in a sync diff.
pub fn change_tone(change: Change) -> Tone {
    match change {
        Change::Added => Tone::Good,
        Change::Changed => Tone::Caution,
        Change::Removed => Tone::Bad,
        Change::Unchanged => Tone::Muted,
    }
}

/// Wraps text in the tone's colour when `enabled` (see [`stdout_color`], [`stderr_color`]).
pub fn paint(text: &str, tone: Tone, enabled: bool) -> String {
    if enabled {
        format!("\x1b[{}m{text}\x1b[0m", tone.ansi())
    } else {
        text.to_string()
    }
}

/// Whether `NO_COLOR` is set to anything but the empty string.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_only_when_enabled() {
        assert_eq!(paint("error", Tone::Bad, false), "error");
        assert_eq!(paint("error", Tone::Bad, true), "\x1b[31merror\x1b[0m");
        assert_eq!(
            status_tone(CheckStatus::Fail),
            severity_tone(Severity::Error)
        );
        assert_eq!(change_tone(Change::Added).color(), Color::Green);
    }
}

//! Progress on stderr for anything that can take seconds: one line rewritten in place, only when
//! stderr is a terminal (nothing at all otherwise, so that logs and pipes stay clean).
use std::io::Write;

/// A one-line progress indicator on stderr.
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// On when stderr is a terminal.
    pub fn new() -> Self {
        Progress {
            enabled: super::palette::stderr_is_terminal(),
        }
    }

    /// Whether the line is shown (stderr is a terminal).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Replaces the line with `text`.
    pub fn say(&self, text: &str) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        }
    }

    /// Removes the line.
    pub fn clear(&self) {
        self.say("");
    }
}

/// The line goes away with the indicator, also when the command stops on an error (which is
/// then printed on a clean line).
impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

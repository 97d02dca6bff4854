//! `kubectl kmcp options`: the global flags, which no other help repeats (as `kubectl options`).
use crate::cli;
use crate::error::{Outcome, Result};

/// Prints every global flag with its help on stdout.
pub fn run() -> Result<Outcome> {
    print!("{}", cli::options_help());
    Ok(Outcome::Success)
}

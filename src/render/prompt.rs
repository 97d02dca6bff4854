//! The confirmation prompt, on stderr: the explanation wrapped to the terminal at word
//! boundaries and drawn once, then a one-line `Continue?` that dialoguer can redraw in place
//! (a prompt longer than the terminal was drawn twice), answered only with Enter (a lone `y`
//! must not confirm and leave the Enter to the shell).
use dialoguer::console::Term;

use super::text;
use crate::error::{Error, Result};

/// Asks whether to go on after `explanation`; `no` by default.
pub fn confirm(explanation: &str) -> Result<bool> {
    let term = Term::stderr();
    for line in text::wrap(explanation, text::stderr_width(), "", "") {
        term.write_line(&line)
            .map_err(|e| Error::Failed(format!("cannot write the question: {e}")))?;
    }
    dialoguer::Confirm::new()
        .with_prompt("Continue?")
        .default(false)
        .wait_for_newline(true)
        .interact_on(&term)
        .map_err(|e| Error::Failed(format!("cannot read the answer: {e}")))
}

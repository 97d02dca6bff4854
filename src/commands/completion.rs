//! `kubectl kmcp completion <shell>`: prints the static completion script (see `cli::completion`).
use std::io::Write;

use crate::cli::{self, CompletionArgs};
use crate::error::{Error, Outcome, Result};

/// Prints the completion script of the shell on stdout.
pub fn run(args: CompletionArgs) -> Result<Outcome> {
    let script = cli::completion::script(args.shell, cli::command());
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|err| Error::Failed(format!("cannot write the completion script: {err}")))?;
    Ok(Outcome::Success)
}

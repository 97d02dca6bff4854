//! The confirmation prompt, on stderr: the explanation wrapped to the terminal at word
//! boundaries and drawn once, then a one-line `Continue?` that dialoguer can redraw in place
//! (a prompt longer than the terminal was drawn twice), answered only with Enter (a lone `y`
//! must not confirm and leave the Enter to the shell). Ctrl-C at the prompt shows the cursor
//! again (the prompt hides it), says that nothing was changed and exits 130.
use dialoguer::console::Term;

use super::text;
use crate::error::{Error, Result};

/// Asks whether to go on after `explanation`; `no` by default. Ctrl-C while asking exits 130
/// with "nothing was changed"; later, Ctrl-C still exits 130 (a listener, once installed,
/// replaces the default action).
pub fn confirm(explanation: &str) -> Result<bool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static PROMPTING: AtomicBool = AtomicBool::new(false);
    let term = Term::stderr();
    for line in text::wrap(explanation, text::stderr_width(), "", "") {
        term.write_line(&line)
            .map_err(|e| Error::Failed(format!("cannot write the question: {e}")))?;
    }
    PROMPTING.store(true, Ordering::SeqCst);
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = Term::stderr().show_cursor();
            if PROMPTING.load(Ordering::SeqCst) {
                eprintln!("\ninterrupted at the prompt; nothing was changed");
            } else {
                eprintln!("\ninterrupted");
            }
            std::process::exit(130);
        }
    });
    let answer = dialoguer::Confirm::new()
        .with_prompt("Continue?")
        .default(false)
        .wait_for_newline(true)
        .interact_on(&term);
    match answer {
        Ok(yes) => {
            PROMPTING.store(false, Ordering::SeqCst);
            Ok(yes)
        }
        // Ctrl-C read by the prompt itself (it raises SIGINT too; whichever comes first exits).
        Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
            let _ = term.show_cursor();
            eprintln!("\ninterrupted at the prompt; nothing was changed");
            std::process::exit(130);
        }
        Err(e) => Err(Error::Failed(format!("cannot read the answer: {e}"))),
    }
}

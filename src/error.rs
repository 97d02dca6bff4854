//! Typed errors and the exit-code contract: 0 success, 1 failure or findings, 2 usage errors.
//!
//! Every message is meant to be read by a person at a terminal: it says what went wrong, names
//! the file/line, key, namespace or flag involved, and says what to do. No message ever carries a
//! value from a `.env` file or a Secret.
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is wrong (a flag, an argument, a combination): exit 2.
    #[error("{0}")]
    Usage(String),
    /// The kubeconfig or connection settings cannot be used (missing file, unknown context, ...).
    #[error("{0}")]
    Config(String),
    /// kmcp.yaml cannot be read or is invalid.
    #[error(transparent)]
    Project(#[from] crate::core::project::ProjectError),
    /// A request to the API server failed; the message is already explained (see `client`).
    #[error("{0}")]
    Api(String),
    /// The command refused to act (unsafe or invalid input); nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// Any other failure, with a message that says what to do.
    #[error("{0}")]
    Failed(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}

/// How a command that ran to the end went: `Findings` (exit 1) is for checks that found problems,
/// which are already printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Findings,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
        }
    }
}

/// Prints an error on stderr the way kubectl does (`error: ...`).
pub fn report(err: &Error) {
    let prefix = if crate::render::stderr_color() {
        "\x1b[1;31merror:\x1b[0m"
    } else {
        "error:"
    };
    eprintln!("{prefix} {err}");
}

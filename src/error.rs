//! Typed errors and the exit-code contract: 0 success, 1 failure or findings, 2 usage errors.
//!
//! A leaf: this module imports no other module of the crate, so that every layer (core, client,
//! render, commands) can use it without a cycle. The core's own error types (`ProjectError`,
//! `EnvFileError`) are converted into [`Error`] by the shell (see `cli::project_args`).
//!
//! Every message is meant to be read by a person at a terminal: it says what went wrong, names
//! the file/line, key, namespace or flag involved, and says what to do. No message ever carries a
//! value from a `.env` file or a Secret.
use std::fmt;
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is wrong (a flag, an argument, a combination): exit 2.
    #[error("{0}")]
    Usage(String),
    /// The kubeconfig or connection settings cannot be used (missing file, unknown context, ...).
    #[error("{0}")]
    Config(String),
    /// kmcp.yaml cannot be read or is invalid: the core's `ProjectError`, kept as the source.
    #[error("{0}")]
    Project(Box<dyn std::error::Error + Send + Sync>),
    /// A request to the API server failed: the server's status and reason, and the explained line.
    #[error(transparent)]
    Api(ApiError),
    /// The command refused to act (unsafe or invalid input); nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// Any other failure, with a message that says what to do.
    #[error("{0}")]
    Failed(String),
}

/// A failed API request. Decide on [`status`](Self::status) and [`reason`](Self::reason), never on
/// the text: `message` is the line for the user and may change wording at any time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    /// The HTTP status the API server answered with; `None` when it did not answer (unreachable,
    /// timed out, TLS failure).
    pub status: Option<u16>,
    /// The server's machine-readable reason (`Forbidden`, `NotFound`, `Conflict`, `Invalid`, ...);
    /// empty when the server did not answer or gave none.
    pub reason: String,
    /// The server's own message, as it sent it (empty without an answer). It names objects and
    /// fields, never Secret values.
    pub server_message: String,
    /// The one line shown to the user: who was refused what and how to check it, which server
    /// could not be reached and what to check.
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// 404: the object (or its namespace, or its API) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// 403: the user may not do this.
    pub fn is_forbidden(&self) -> bool {
        self.status == Some(403)
    }

    /// 409: a conflict (the object changed since it was read, or a field manager conflict).
    pub fn is_conflict(&self) -> bool {
        self.status == Some(409)
    }

    /// The same error with another line for the user (status and reason are kept).
    pub fn with_message(self, message: String) -> Self {
        ApiError { message, ..self }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The exit code of a failed command: 2 for a usage error, else 1.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }

    /// The API error, when this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The same error with its message rewritten (`the Secret is synced, but {m}`), keeping the
    /// kind of error, and an API error's status and reason.
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> Error {
        match self {
            Error::Usage(m) => Error::Usage(f(m)),
            Error::Config(m) => Error::Config(f(m)),
            Error::Project(e) => Error::Failed(f(e.to_string())),
            Error::Api(e) => {
                let message = f(e.message.clone());
                Error::Api(e.with_message(message))
            }
            Error::Refused(m) => Error::Refused(f(m)),
            Error::Failed(m) => Error::Failed(f(m)),
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
    /// The exit code of a command that ran to the end: 0, or 1 when checks found problems.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_are_decided_on_by_status_and_shown_by_message() {
        let e = Error::Api(ApiError {
            status: Some(409),
            reason: "Conflict".into(),
            server_message: "the object has been modified".into(),
            message: "secret \"s\" was changed by someone else".into(),
        });
        assert!(e.api().is_some_and(ApiError::is_conflict));
        assert!(!e.api().is_some_and(ApiError::is_forbidden));
        assert_eq!(e.to_string(), "secret \"s\" was changed by someone else");
        let e = e.map_message(|m| format!("the Secret is synced, but --restart failed: {m}"));
        assert_eq!(e.api().and_then(|a| a.status), Some(409));
        assert!(e.to_string().starts_with("the Secret is synced, but"));
        assert_eq!(Error::Usage("x".into()).exit_code(), ExitCode::from(2));
        assert_eq!(
            Error::Api(ApiError::default()).exit_code(),
            ExitCode::from(1)
        );
    }
}

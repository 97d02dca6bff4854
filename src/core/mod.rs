//! The pure core: the project file, the env file, the Secret plan, the MCPServer model and its
//! references, audit findings, the deploy plan, RBAC evaluation, and shared data types.
//!
//! Nothing here talks to the API server, reads flags or prints: every function takes data and
//! returns data (warnings too), which the shell (`commands`, `client`, `render`) fetches and
//! shows. Reading a local file (kmcp.yaml, an env file) is the only I/O. `tests/architecture.rs`
//! keeps it so.
pub mod deploy_plan;
pub mod diagnosis;
pub mod envfile;
pub mod envfile_write;
pub mod findings;
pub mod lenient;
pub mod mcpserver;
pub mod names;
#[cfg(test)]
mod no_panic;
pub mod ownership;
pub mod plaintext;
pub mod project;
pub mod rbac;
pub mod remote;
pub mod sarif;
pub mod secret_hash;
pub mod secret_plan;
pub mod secrets_status;
mod source;
mod status;

pub use source::Source;
pub use status::{CheckStatus, Severity};

//! kubectl-kmcp: a functional core (project file, env file, Secret plan, MCPServer model, findings)
//! and a thin shell (client builder, commands) around it. Each concept lives in the module named
//! after it.
pub mod cli;
pub mod client;
pub mod commands;
pub mod core;
pub mod error;
pub mod logging;
pub mod render;

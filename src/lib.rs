//! kubectl-kmcp: a functional core (project file, env file, Secret plan, MCPServer model, findings)
//! and a thin shell (client builder, commands) around it. Each concept lives in the module named
//! after it.
pub mod access;
pub mod cli;
pub mod client;
pub mod commands;
pub mod deploy_plan;
pub mod diagnosis;
pub mod envfile;
pub mod error;
pub mod findings;
pub mod logging;
pub mod mcpserver;
pub mod output;
pub mod project;
pub mod report;
pub mod secret_plan;

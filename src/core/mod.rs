//! The pure core.
pub mod deploy_plan;
pub mod envfile;
pub mod findings;
pub mod mcpserver;
pub mod project;
pub mod rbac;
pub mod secret_plan;

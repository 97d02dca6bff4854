//! `kubectl kmcp version`: the plugin's version and, when a cluster is reachable, the server's.
use serde::Serialize;

use crate::cli::{KubeFlags, VersionArgs};
use crate::client::Action;
use crate::error::{Outcome, Result};
use crate::render as output;

#[derive(Debug, Serialize)]
pub struct VersionInfo {
    pub client: ClientVersion,
    pub server: Option<ServerVersion>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientVersion {
    pub version: String,
    /// The commit built (`unknown` outside git); set by build.rs, as the build date.
    pub git_commit: String,
    /// The commit's date (or SOURCE_DATE_EPOCH), UTC: never the time of the build itself.
    pub build_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerVersion {
    pub git_version: String,
    pub platform: String,
}

pub async fn run(global: &KubeFlags, args: VersionArgs) -> Result<Outcome> {
    let client = ClientVersion {
        version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: env!("KMCP_GIT_COMMIT").to_string(),
        build_date: env!("KMCP_BUILD_DATE").to_string(),
    };
    let mut server = None;
    let mut outcome = Outcome::Success;
    if !args.client {
        // As kubectl: the client version is always printed; a server that cannot be asked is
        // reported on stderr and makes the exit code 1 (`--client` does not ask).
        let asked = match global.connect().await {
            Ok(conn) => {
                conn.call(
                    Action::new("get", "/version", None),
                    conn.client.apiserver_version(),
                )
                .await
            }
            Err(err) => Err(err),
        };
        match asked {
            Ok(info) => {
                server = Some(ServerVersion {
                    git_version: info.git_version,
                    platform: info.platform,
                })
            }
            Err(err) => {
                crate::render::print_error(&err);
                outcome = Outcome::Findings;
            }
        }
    }
    let info = VersionInfo { client, server };
    match args.output {
        None => {
            println!("Client Version: v{}", info.client.version);
            println!("Git Commit: {}", info.client.git_commit);
            println!("Build Date: {}", info.client.build_date);
            if let Some(s) = &info.server {
                println!("Server Version: {}", s.git_version);
            }
        }
        Some(format) => output::print_data(format, &info)?,
    }
    Ok(outcome)
}

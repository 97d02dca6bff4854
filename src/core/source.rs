//! Where a setting in effect came from: a shared data type of the core and the shell.

/// Where a setting in effect came from, for messages and `troubleshoot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Flag,
    Project,
    Kubeconfig,
    InCluster,
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Flag => "flag",
            Source::Project => "kmcp.yaml",
            Source::Kubeconfig => "kubeconfig",
            Source::InCluster => "in-cluster",
            Source::Default => "default",
        })
    }
}

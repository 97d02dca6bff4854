//! `-d/--project-dir` and `-f/--file`: where kmcp.yaml is, for the commands that read it; and
//! the conversion of the core's `ProjectError` into the shell's [`Error`].
use std::path::PathBuf;

use clap::Args;

use crate::core::project::{FILE_NAME, Project, ProjectError};
use crate::error::Error;

/// `-d/--project-dir` and `-f/--file`, for commands that read kmcp.yaml.
#[derive(Debug, Clone, Default, Args)]
pub struct ProjectArgs {
    /// The project directory, which holds kmcp.yaml and the .env files
    #[arg(short = 'd', long = "project-dir", value_name = "DIR")]
    pub project_dir: Option<PathBuf>,
    /// The path of kmcp.yaml itself (its directory is then the project directory)
    #[arg(
        short = 'f',
        long = "file",
        value_name = "KMCP_YAML",
        conflicts_with = "project_dir"
    )]
    pub file: Option<PathBuf>,
}

impl ProjectArgs {
    /// The kmcp.yaml path these flags point at.
    pub fn manifest_path(&self) -> PathBuf {
        match (&self.file, &self.project_dir) {
            (Some(file), _) => file.clone(),
            (None, Some(dir)) => dir.join(FILE_NAME),
            (None, None) => PathBuf::from(FILE_NAME),
        }
    }

    /// Whether the user pointed at a project explicitly (then a missing kmcp.yaml is an error;
    /// otherwise commands that can work without one may go on).
    pub fn is_explicit(&self) -> bool {
        self.file.is_some() || self.project_dir.is_some()
    }

    /// Loads kmcp.yaml; a missing file is an error that says where it was looked for.
    pub fn load(&self) -> Result<Project, ProjectError> {
        Project::load(&self.manifest_path())
    }

    /// Loads kmcp.yaml if it exists; a missing file is an error only when `-d`/`-f` was given.
    pub fn load_optional(&self) -> Result<Option<Project>, ProjectError> {
        let path = self.manifest_path();
        if !path.exists() && !self.is_explicit() {
            return Ok(None);
        }
        Project::load(&path).map(Some)
    }
}

/// A kmcp.yaml that is missing, unreadable or invalid is a failure (exit 1, as kubectl's for a
/// missing `-f` file); an environment name that kmcp.yaml does not define, or an `-n` that
/// disagrees with it, is a bad argument (exit 2, as an invalid flag value).
impl From<ProjectError> for Error {
    fn from(e: ProjectError) -> Self {
        match e {
            ProjectError::UnknownEnvironment { .. } | ProjectError::NamespaceMismatch { .. } => {
                Error::Usage(e.to_string())
            }
            other => Error::Project(Box::new(other)),
        }
    }
}

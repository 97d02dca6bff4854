//! How a check went (`troubleshoot`) and how much a finding matters (`audit`): data of the core;
//! their colours are the renderer's (`render::palette`).
use serde::Serialize;

/// The result of one check (`troubleshoot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Skip,
    Warn,
    Fail,
}

impl CheckStatus {
    /// The word shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Skip => "skip",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
        }
    }
}

/// How much a finding matters (`audit`); ordered, so that `--fail-on` can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warning,
    Error,
}

impl Severity {
    /// The word shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_of_tables_are_the_words_of_json() {
        for s in [Severity::Ok, Severity::Warning, Severity::Error] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for c in [
            CheckStatus::Pass,
            CheckStatus::Skip,
            CheckStatus::Warn,
            CheckStatus::Fail,
        ] {
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
    }

    #[test]
    fn severities_order_for_fail_on() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Ok);
        assert!(CheckStatus::Fail > CheckStatus::Warn);
        assert_eq!(
            serde_json::to_string(&Severity::Warning).unwrap(),
            "\"warning\""
        );
        assert_eq!(
            serde_json::to_string(&CheckStatus::Skip).unwrap(),
            "\"skip\""
        );
    }
}

//! `secrets sync`'s output: the key/change table (never a value), the result lines, and the
//! JSON/YAML document.
use comfy_table::Cell;
use serde::Serialize;

use super::palette::change_tone;
use super::table::{self, toned};
use crate::core::envfile::{Entry, EnvFile};
use crate::core::secret_plan::{Change, Diff, KeyChange};

/// What the command did, for `-o json|yaml`. Keys and change kinds only, never values.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    pub secret: String,
    pub namespace: String,
    pub environment: String,
    pub file: String,
    /// created, configured, unchanged
    pub result: &'static str,
    pub dry_run: Option<&'static str>,
    pub hash: String,
    pub changes: Vec<KeyChange>,
    pub restarted: Vec<String>,
}

/// The diff as a table of keys and their change (without its header line when `headers` is
/// false), then the counts.
pub fn diff_table(diff: &Diff, headers: bool) -> String {
    let mut t = table::table(["key", "change"]);
    for k in &diff.keys {
        t.add_row(vec![
            Cell::new(&k.key),
            toned(&k.change.to_string(), change_tone(k.change)),
        ]);
    }
    let n = |c| diff.count(c);
    format!(
        "{}{} added, {} changed, {} removed, {} unchanged (values not shown)\n",
        table::render_with(&t, headers),
        n(Change::Added),
        n(Change::Changed),
        n(Change::Removed),
        n(Change::Unchanged)
    )
}

/// The masked plan of a client dry run: each key of the file with its line, and what would be
/// written; never a value (`-o yaml|json` prints the manifest, which has them).
pub fn client_plan(file: &EnvFile, secret: &str) -> String {
    let mut t = table::table(["key", "from"]);
    let mut entries: Vec<&Entry> = file.entries.iter().collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    for e in entries {
        t.add_row(vec![
            Cell::new(&e.key),
            Cell::new(format!("{}:{}", file.path.display(), e.line)),
        ]);
    }
    let n = file.entries.len();
    format!(
        "{}secret/{secret}: {n} key{} (client dry run; values not shown)\n",
        table::render(&t),
        if n == 1 { "" } else { "s" }
    )
}

/// The line for a Secret that already holds exactly the file.
pub fn unchanged_line(name: &str, keys: usize) -> String {
    format!("secret/{name} unchanged: no changes ({keys} keys)\n")
}

/// `secret/NAME configured`, then one line per restarted workload.
pub fn result_lines(result: &SyncResult) -> String {
    let suffix = if result.dry_run.is_some() {
        " (server dry run)"
    } else {
        ""
    };
    let mut out = format!("secret/{} {}{suffix}\n", result.secret, result.result);
    for r in &result.restarted {
        out.push_str(&format!("{r} restarted\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_client_plan_names_keys_and_lines_only() {
        let file = EnvFile {
            path: ".env.staging".into(),
            entries: vec![
                Entry {
                    key: "Z_KEY".into(),
                    value: "zz-secret".into(),
                    line: 1,
                },
                Entry {
                    key: "API_KEY".into(),
                    value: "abc123secret".into(),
                    line: 3,
                },
            ],
            warnings: vec![],
        };
        let text = client_plan(&file, "weather-secrets");
        assert_eq!(
            text,
            "KEY       FROM\nAPI_KEY   .env.staging:3\nZ_KEY     .env.staging:1\n\
             secret/weather-secrets: 2 keys (client dry run; values not shown)\n"
        );
        assert!(!text.contains("secret\n") && !text.contains("abc123") && !text.contains("YWJj"));
    }

    #[test]
    fn the_diff_names_keys_and_changes_only() {
        let desired: BTreeMap<String, Vec<u8>> = [
            ("API_KEY".to_string(), b"new".to_vec()),
            ("KEEP".to_string(), b"same".to_vec()),
        ]
        .into();
        let live: BTreeMap<String, Vec<u8>> = [
            ("API_KEY".to_string(), b"old".to_vec()),
            ("KEEP".to_string(), b"same".to_vec()),
            ("GONE".to_string(), b"x".to_vec()),
        ]
        .into();
        let text = diff_table(&Diff::between(&desired, &live), true);
        assert_eq!(
            text,
            "KEY       CHANGE\nAPI_KEY   changed\nGONE      removed\nKEEP      unchanged\n\
             0 added, 1 changed, 1 removed, 1 unchanged (values not shown)\n"
        );
    }
}

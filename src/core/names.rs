//! Names as users type them: the DNS rules a namespace and a Secret name must follow before they
//! reach a request URL, and the did-you-mean for a misspelt key or environment. Pure.

/// A namespace name: a DNS-1123 label (at most 63 characters of `a-z`, `0-9`, `-`, starting and
/// ending with a letter or digit). `Err` describes the rule, for messages.
pub fn check_dns_label(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err("namespace name (a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)".into())
    }
}

/// A Secret name: a DNS-1123 subdomain (at most 253 characters, dot-separated DNS-1123 labels
/// of lower-case letters, digits and '-'). `Err` describes the rule, for messages.
pub fn check_dns_subdomain(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err("Secret name (a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)".into())
    }
}

/// The known key closest to `word`: same letters ignoring case, `-`/`_`, or within edit
/// distance 2.
pub fn did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.to_lowercase().replace(['-', '_'], "");
    if let Some(k) = known.iter().find(|k| norm(k) == norm(word)) {
        return Some(k);
    }
    known
        .iter()
        .map(|k| (edit_distance(&k.to_lowercase(), &word.to_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The defined environment a mistyped or shortened name most likely means: [`did_you_mean`],
/// else the one environment the word starts (`prod` -> `production`, `stag` -> `staging`).
pub fn environment_did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    if let Some(k) = did_you_mean(word, known) {
        return Some(k);
    }
    let w = word.to_lowercase();
    let mut starting = known
        .iter()
        .filter(|k| w.len() >= 2 && k.to_lowercase().starts_with(&w));
    match (starting.next(), starting.next()) {
        (Some(k), None) => Some(k),
        _ => None,
    }
}

/// The Levenshtein distance between two words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV_KEYS: [&str; 5] = ["enabled", "provider", "file", "secretName", "namespace"];

    #[test]
    fn environment_did_you_mean_takes_a_unique_prefix() {
        let known = ["local", "staging", "production", "preview"];
        assert_eq!(environment_did_you_mean("prod", &known), Some("production"));
        assert_eq!(environment_did_you_mean("Stag", &known), Some("staging"));
        // `pr` starts two of them: no guess.
        assert_eq!(environment_did_you_mean("pr", &known), None);
        assert_eq!(environment_did_you_mean("p", &known), None);
        assert_eq!(environment_did_you_mean("locl", &known), Some("local"));
    }

    #[test]
    fn did_you_mean_handles_case_and_typos() {
        assert_eq!(did_you_mean("secretname", &ENV_KEYS), Some("secretName"));
        assert_eq!(did_you_mean("secret_name", &ENV_KEYS), Some("secretName"));
        assert_eq!(did_you_mean("enabeld", &ENV_KEYS), Some("enabled"));
        assert_eq!(did_you_mean("colour", &ENV_KEYS), None);
    }
}

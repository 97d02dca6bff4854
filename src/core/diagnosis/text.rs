//! Wording shared by the checks' messages.

/// The plural ending of a noun counted `n` times: "" for one, "s" otherwise.
pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Names joined with ", ": at most five, then how many more ("a, b, c, d, e and 2 more").
pub(super) fn join_at_most_five(names: &[&str]) -> String {
    if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..5].join(", "), names.len() - 5)
    }
}

/// Lines joined with newlines, each only once (the first occurrence keeps its place): several
/// findings often call for the same fix.
pub(super) fn unique_lines(lines: Vec<String>) -> String {
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_five_names_are_counted() {
        assert_eq!(join_at_most_five(&["a", "b"]), "a, b");
        assert_eq!(
            join_at_most_five(&["a", "b", "c", "d", "e", "f", "g"]),
            "a, b, c, d, e and 2 more"
        );
    }

    #[test]
    fn repeated_lines_are_kept_once_in_first_order() {
        let lines = ["b", "a", "b"].map(String::from).to_vec();
        assert_eq!(unique_lines(lines), "b\na");
        assert_eq!(plural(1), "");
        assert_eq!(plural(0), "s");
    }
}

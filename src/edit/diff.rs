//! What an edit changed, as a unified diff.

/// A unified diff of `old` → `new` of the file at `path` (`/dev/null`
/// for a file that is new); empty when they are equal.
pub fn unified(path: &str, old: Option<&str>, new: &str) -> String {
    let before = old.unwrap_or("");
    if before == new && old.is_some() {
        return String::new();
    }
    // `a/` and `b/` as git writes them, also before an absolute path.
    let path = path.trim_start_matches('/');
    let from = if old.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".to_string()
    };
    similar::TextDiff::from_lines(before, new)
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn a_changed_a_new_and_an_unchanged_file() {
        assert_eq!(
            unified("/tmp/x.yaml", Some("a: 1\nb: 2\n"), "a: 1\nb: 3\n"),
            "--- a/tmp/x.yaml\n+++ b/tmp/x.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n"
        );
        assert_eq!(
            unified("users/zoe.yaml", None, "version: 1\n"),
            "--- /dev/null\n+++ b/users/zoe.yaml\n@@ -0,0 +1 @@\n+version: 1\n"
        );
        assert_eq!(unified("x.yaml", Some("a: 1\n"), "a: 1\n"), "");
    }
}

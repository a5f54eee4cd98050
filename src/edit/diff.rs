//! What an edit changed, as a unified diff.

/// A unified diff of `old` → `new` of the file at `path` (`/dev/null`
/// for a file that is new); empty when they are equal.
pub fn unified(path: &str, old: Option<&str>, new: &str) -> String {
    let before = old.unwrap_or("");
    if before == new && old.is_some() {
        return String::new();
    }
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

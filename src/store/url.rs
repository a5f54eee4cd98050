//! Database URLs: which engine, where, and how to show it without its password.

use super::engine::EngineKind;

/// The SQLite file used when no URL is given.
pub const DEFAULT_DATABASE: &str = "roster.db";

/// A parsed database URL.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    engine: EngineKind,
    raw: String,
    masked: String,
    secrets: Vec<String>,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.masked).finish()
    }
}

/// A URL roster cannot use.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    /// Neither SQLite nor PostgreSQL.
    #[error("unsupported database URL scheme `{scheme}`")]
    Scheme {
        /// The scheme given.
        scheme: String,
    },
    /// Nothing at all: an unset CI secret, typically.
    #[error("the database URL is empty")]
    Empty,
    /// A database that lives only as long as the command.
    #[error(
        "`{url}` is an in-memory database: whatever roster writes to it is gone when the command ends"
    )]
    InMemory {
        /// The URL given.
        url: String,
    },
}

impl DatabaseUrl {
    /// Reads `sqlite:path`, `sqlite://path`, a bare file path, or
    /// `postgres://…` / `postgresql://…`.
    pub fn parse(text: &str) -> Result<DatabaseUrl, UrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(UrlError::Empty);
        }
        let scheme = text
            .split_once("://")
            .map(|(s, _)| s)
            .or_else(|| text.split_once(':').map(|(s, _)| s));
        let engine = match scheme.map(str::to_ascii_lowercase).as_deref() {
            Some("postgres" | "postgresql") => EngineKind::Postgres,
            Some("sqlite") => EngineKind::Sqlite,
            // A Windows drive letter or a plain path.
            Some(s) if s.len() == 1 || !text.contains("://") => EngineKind::Sqlite,
            None => EngineKind::Sqlite,
            Some(other) => {
                return Err(UrlError::Scheme {
                    scheme: other.to_string(),
                });
            }
        };
        let (masked, secrets) = mask(text);
        let url = DatabaseUrl {
            engine,
            raw: text.to_string(),
            masked,
            secrets,
        };
        if engine == EngineKind::Sqlite && url.in_memory() {
            return Err(UrlError::InMemory {
                url: url.masked.clone(),
            });
        }
        Ok(url)
    }

    /// Whether a SQLite URL names a database that is never written to a
    /// file: `:memory:`, an empty path, or `mode=memory`.
    fn in_memory(&self) -> bool {
        let path = self.sqlite_path().trim_start_matches("file:");
        let query = self.raw.split_once('?').map_or("", |(_, q)| q);
        path.is_empty()
            || path == ":memory:"
            || query
                .split('&')
                .any(|pair| pair.eq_ignore_ascii_case("mode=memory"))
    }

    /// The engine.
    pub fn engine(&self) -> EngineKind {
        self.engine
    }

    /// The URL as given; never print it.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL with any password masked, for output.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    /// The file path of a SQLite URL.
    pub fn sqlite_path(&self) -> &str {
        let path = self
            .raw
            .strip_prefix("sqlite://")
            .or_else(|| self.raw.strip_prefix("sqlite:"))
            .unwrap_or(&self.raw);
        path.split('?').next().unwrap_or(path)
    }

    /// Removes the URL's secrets from any text (error messages from drivers).
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.replace(&self.raw, &self.masked);
        // A password of one to three characters would garble every word it
        // occurs in; the URL holding it is masked above all the same.
        for secret in self.secrets.iter().filter(|s| s.chars().count() > 3) {
            out = out.replace(secret.as_str(), "••••");
        }
        out
    }
}

/// The URL with its password masked, and the passwords it holds (as
/// written and percent-decoded, longest first): the one in
/// `user:password@` and any `password=` query parameter.
///
/// The user information ends at the last `@`, so a password written with
/// an unencoded `/`, `?` or `@` is still masked whole; when in doubt this
/// masks too much rather than too little.
fn mask(url: &str) -> (String, Vec<String>) {
    let mut secrets = Vec::new();
    let mut masked = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, after)) = rest.rsplit_once('@')
        && let Some((user, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        secrets.push(password.to_string());
        masked = format!("{scheme}://{user}:••••@{after}");
    }
    if let Some((base, query)) = masked.clone().split_once('?') {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("password", value)) if !value.is_empty() => {
                    secrets.push(value.to_string());
                    "password=••••".to_string()
                }
                _ => pair.to_string(),
            })
            .collect();
        masked = format!("{base}?{}", pairs.join("&"));
    }
    let decoded: Vec<String> = secrets
        .iter()
        .map(|s| percent_decode(s))
        .filter(|d| !secrets.contains(d))
        .collect();
    secrets.extend(decoded);
    // Longest first, so a secret containing another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    (masked, secrets)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_from_urls() {
        assert_eq!(
            DatabaseUrl::parse("roster.db").unwrap().engine(),
            EngineKind::Sqlite
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/roster.db")
                .unwrap()
                .sqlite_path(),
            "data/roster.db"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:roster.db?mode=rwc")
                .unwrap()
                .sqlite_path(),
            "roster.db"
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://db/roster").unwrap().engine(),
            EngineKind::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://db/roster")
                .unwrap()
                .engine(),
            EngineKind::Postgres
        );
        assert!(DatabaseUrl::parse("mysql://db/roster").is_err());
    }

    #[test]
    fn passwords_are_masked_everywhere() {
        let url =
            DatabaseUrl::parse("postgres://app:s3cr%40t@db.internal:5432/roster?sslmode=require")
                .unwrap();
        assert_eq!(
            url.masked(),
            "postgres://app:••••@db.internal:5432/roster?sslmode=require"
        );
        assert_eq!(
            url.redact("auth failed for s3cr@t and s3cr%40t"),
            "auth failed for •••• and ••••"
        );
        let url = DatabaseUrl::parse("postgres://db/roster?user=app&password=hunter2").unwrap();
        assert_eq!(url.masked(), "postgres://db/roster?user=app&password=••••");
        assert_eq!(
            DatabaseUrl::parse("postgres://app@db/roster")
                .unwrap()
                .masked(),
            "postgres://app@db/roster"
        );
    }

    #[test]
    fn passwords_with_url_delimiters_are_masked_whole() {
        for (text, masked) in [
            (
                "postgres://app:pa/ss@db/roster",
                "postgres://app:••••@db/roster",
            ),
            (
                "postgres://app:pa?ss@db/roster",
                "postgres://app:••••@db/roster",
            ),
            (
                "postgres://app:p@ss@db/roster",
                "postgres://app:••••@db/roster",
            ),
        ] {
            let url = DatabaseUrl::parse(text).unwrap();
            assert_eq!(url.masked(), masked, "{text}");
            let error = format!("cannot connect to {text}: invalid port number");
            assert!(
                !url.redact(&error).contains("ss@"),
                "{}",
                url.redact(&error)
            );
        }
    }

    #[test]
    fn a_short_password_masks_the_url_not_every_letter() {
        let url = DatabaseUrl::parse("postgres://app:a@db/roster").unwrap();
        assert_eq!(url.masked(), "postgres://app:••••@db/roster");
        assert_eq!(
            url.redact("cannot connect to postgres://app:a@db/roster"),
            "cannot connect to postgres://app:••••@db/roster"
        );
    }
}

//! The secret in a WebCal feed URL. A token is a selector, by which the
//! feed is looked up, and a secret, of which only the SHA-256 is stored and
//! which is compared in constant time: a database that leaks gives no
//! working URL, and the time a wrong guess takes tells nothing.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes of the selector (64 bits: only has to be unique).
const SELECTOR_BYTES: usize = 8;
/// Random bytes of the secret (160 bits).
const SECRET_BYTES: usize = 20;

/// A feed token as issued: shown once, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct FeedToken {
    /// Looked up in the database (hex).
    pub selector: String,
    /// Known only to the URL's holder (hex).
    secret: String,
}

impl std::fmt::Debug for FeedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedToken")
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

/// The system's random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed: {0}")]
pub struct RandomError(String);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl FeedToken {
    /// A new token from the operating system's random source.
    pub fn generate() -> Result<FeedToken, RandomError> {
        let mut bytes = [0u8; SELECTOR_BYTES + SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
        Ok(FeedToken {
            selector: hex(&bytes[..SELECTOR_BYTES]),
            secret: hex(&bytes[SELECTOR_BYTES..]),
        })
    }

    /// Reads a token from a URL's last segment; `None` unless it has the
    /// exact shape of one (lowercase hex of the right length).
    pub fn parse(text: &str) -> Option<FeedToken> {
        let wanted = 2 * (SELECTOR_BYTES + SECRET_BYTES);
        if text.len() != wanted || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let (selector, secret) = text.split_at(2 * SELECTOR_BYTES);
        Some(FeedToken {
            selector: selector.to_string(),
            secret: secret.to_string(),
        })
    }

    /// The text in the URL.
    pub fn reveal(&self) -> String {
        format!("{}{}", self.selector, self.secret)
    }

    /// What the database stores of the secret: SHA-256, hex.
    pub fn secret_hash(&self) -> String {
        hex(&Sha256::digest(self.secret.as_bytes()))
    }

    /// Whether this token's secret is the one `stored_hash` was made of,
    /// compared in constant time.
    pub fn matches(&self, stored_hash: &str) -> bool {
        let ours = self.secret_hash();
        ours.len() == stored_hash.len() && bool::from(ours.as_bytes().ct_eq(stored_hash.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_only_its_secret_matches() {
        let token = FeedToken::generate().unwrap();
        let text = token.reveal();
        assert_eq!(text.len(), 56);
        let parsed = FeedToken::parse(&text).unwrap();
        assert_eq!(parsed, token);
        assert!(parsed.matches(&token.secret_hash()));
        let other = FeedToken::generate().unwrap();
        assert_ne!(other.reveal(), text);
        assert!(!other.matches(&token.secret_hash()));
        assert!(!token.matches(""));
        assert!(!format!("{token:?}").contains(&token.secret));
    }

    #[test]
    fn only_the_exact_shape_parses() {
        let text = FeedToken::generate().unwrap().reveal();
        assert!(FeedToken::parse(&text[1..]).is_none());
        assert!(FeedToken::parse(&text.to_uppercase()).is_none());
        assert!(FeedToken::parse(&format!("{}g", &text[1..])).is_none());
        assert!(FeedToken::parse("").is_none());
    }
}

//! API tokens: random, shown once, stored only as a SHA-256 hash.

use sha2::{Digest, Sha256};

const PREFIX: &str = "spb_";

/// A new random token, e.g. `spb_3f…` (68 characters).
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{PREFIX}{}", hex::encode(bytes)))
}

/// The hash stored for a token (hex SHA-256 of the whole token text).
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a text can be a token at all (cheap check before touching the database).
pub fn looks_valid(token: &str) -> bool {
    token.len() == PREFIX.len() + 64
        && token.starts_with(PREFIX)
        && token[PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert!(looks_valid(&a));
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 64);
        assert!(!looks_valid("spb_xyz"));
        assert!(!looks_valid(&a.replace("spb_", "abc_")));
    }
}

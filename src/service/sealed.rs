//! Values held between two requests of one session (`held_values`: a first password, a
//! checked workbook) are sealed before they are stored: ChaCha20-Poly1305 under a key
//! derived from the session's own token, which the database never holds (it keeps only
//! the token's hash). A copy of the database, or a backup taken while a value is held,
//! cannot read it; a value moved to another slot does not open (the slot's key is bound in).

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use sha2::{Digest, Sha256};

use super::{Result, ServiceError};

const NONCE: usize = 12;

fn cipher(session_token: &str) -> ChaCha20Poly1305 {
    let key = Sha256::digest(format!("parindex held value\n{session_token}").as_bytes());
    ChaCha20Poly1305::new(&key)
}

/// `plain` sealed for the session holding `session_token`, in the slot `slot`: base64 of
/// a random nonce and the ciphertext.
pub fn seal(session_token: &str, slot: &str, plain: &[u8]) -> Result<String> {
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut nonce)
        .map_err(|e| ServiceError::Internal(format!("randomness for a held value: {e}")))?;
    let sealed = cipher(session_token)
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plain,
                aad: slot.as_bytes(),
            },
        )
        .map_err(|e| ServiceError::Internal(format!("sealing a held value: {e}")))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

/// What [`seal`] sealed, or `None` when it does not open with this session's key and slot
/// (another session, a value moved, or one stored before values were sealed).
pub fn open(session_token: &str, slot: &str, sealed: &str) -> Option<Vec<u8>> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .ok()?;
    if bytes.len() < NONCE {
        return None;
    }
    let (nonce, body) = bytes.split_at(NONCE);
    let nonce: [u8; NONCE] = nonce.try_into().ok()?;
    cipher(session_token)
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: body,
                aad: slot.as_bytes(),
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::{open, seal};

    #[test]
    fn a_sealed_value_opens_only_with_its_session_and_slot() {
        let sealed = seal("token-a", "slot-1", b"Mk-9f3a").expect("sealed");
        assert!(!sealed.contains("Mk-9f3a"));
        assert_eq!(
            open("token-a", "slot-1", &sealed).as_deref(),
            Some(&b"Mk-9f3a"[..])
        );
        assert_eq!(open("token-b", "slot-1", &sealed), None, "another session");
        assert_eq!(open("token-a", "slot-2", &sealed), None, "another slot");
        assert_eq!(
            open("token-a", "slot-1", "Mk-9f3a"),
            None,
            "stored unsealed"
        );
        let again = seal("token-a", "slot-1", b"Mk-9f3a").expect("sealed");
        assert_ne!(again, sealed, "a fresh nonce each time");
    }
}

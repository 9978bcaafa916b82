//! Checksum validation of blockchain identifiers. Each function takes a candidate as
//! written and returns the normalised form when, and only when, its checksum holds.

use sha3::{Digest, Keccak256};

/// Which Base58Check-based coin a version byte belongs to. `3...` (version 5) is shared by
/// Bitcoin P2SH and legacy Litecoin P2SH; it is reported as Bitcoin, by far the usual case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base58Kind {
    Bitcoin,
    Litecoin,
    Tron,
}

/// A Base58Check address with a 20-byte hash: Bitcoin P2PKH/P2SH, Litecoin, Tron.
pub fn base58_address(candidate: &str) -> Option<Base58Kind> {
    let payload = bs58::decode(candidate).with_check(None).into_vec().ok()?;
    let (&version, hash) = payload.split_first()?;
    if hash.len() != 20 {
        return None;
    }
    match version {
        0x00 | 0x05 => Some(Base58Kind::Bitcoin),
        0x30 | 0x32 => Some(Base58Kind::Litecoin),
        0x41 => Some(Base58Kind::Tron),
        _ => None,
    }
}

/// A Bitcoin Base58Check address (P2PKH `1...` or P2SH `3...`).
pub fn btc_base58(candidate: &str) -> bool {
    base58_address(candidate) == Some(Base58Kind::Bitcoin)
}

/// A Tron address: Base58Check, version 0x41, `T...`.
pub fn tron_address(candidate: &str) -> bool {
    base58_address(candidate) == Some(Base58Kind::Tron)
}

/// An XRP Ledger classic address: Base58Check in Ripple's alphabet, version 0 (`r...`).
pub fn xrp_address(candidate: &str) -> bool {
    bs58::decode(candidate)
        .with_alphabet(bs58::Alphabet::RIPPLE)
        .with_check(Some(0))
        .into_vec()
        .is_ok_and(|payload| payload.len() == 21)
}

/// A segwit address (BIP-173 bech32 for v0, BIP-350 bech32m for v1+), returned in lower
/// case, with the human-readable part that says which chain it is on.
pub fn segwit_address(candidate: &str) -> Option<(SegwitChain, String)> {
    let (hrp, _version, _program) = bech32::segwit::decode(candidate).ok()?;
    let chain = match hrp.as_str().to_ascii_lowercase().as_str() {
        "bc" => SegwitChain::Bitcoin,
        "ltc" => SegwitChain::Litecoin,
        _ => return None,
    };
    Some((chain, candidate.to_ascii_lowercase()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegwitChain {
    Bitcoin,
    Litecoin,
}

/// Why an Ethereum-style address is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EthError {
    /// Not `0x` followed by 40 hex digits.
    Malformed,
    /// Mixed case whose EIP-55 checksum does not hold: a mistyped address.
    BadChecksum,
}

/// An Ethereum (EVM) address, returned in its EIP-55 checksum form. All-lower and
/// all-upper addresses carry no checksum and are accepted; mixed case must verify.
pub fn eth_address(candidate: &str) -> Result<String, EthError> {
    // Only the canonical lower-case prefix: "0X" is not how addresses are written.
    let hex = candidate.strip_prefix("0x").ok_or(EthError::Malformed)?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EthError::Malformed);
    }
    let checksummed = eip55(hex);
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper && checksummed.get(2..) != Some(hex) {
        return Err(EthError::BadChecksum);
    }
    Ok(checksummed)
}

/// EIP-55: a hex letter is upper case when the matching nibble of Keccak-256 of the
/// lower-case address is 8 or more.
fn eip55(hex: &str) -> String {
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let byte = hash.get(i / 2).copied().unwrap_or(0);
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        if c.is_ascii_alphabetic() && nibble >= 8 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A transaction hash: 64 hex digits, optionally `0x`-prefixed. Kept as written.
pub fn tx_hash(candidate: &str) -> bool {
    let hex = candidate
        .strip_prefix("0x")
        .or_else(|| candidate.strip_prefix("0X"))
        .unwrap_or(candidate);
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A Solana address: 32 bytes in Base58, no checksum. Only trusted next to the word
/// "Solana" by the caller, because any 32-byte string would pass.
pub fn solana_address(candidate: &str) -> bool {
    (32..=44).contains(&candidate.len())
        && bs58::decode(candidate)
            .into_vec()
            .is_ok_and(|bytes| bytes.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_bitcoin_addresses() {
        assert!(btc_base58("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(btc_base58("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
        assert!(!btc_base58("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert_eq!(
            segwit_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"),
            Some((
                SegwitChain::Bitcoin,
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".to_string()
            ))
        );
        assert!(
            segwit_address("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297")
                .is_some()
        );
        // A v1 program with a bech32 (not bech32m) checksum is invalid under BIP-350.
        assert!(
            segwit_address(
                "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx"
            )
            .is_none()
        );
        assert!(segwit_address("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5").is_none());
    }

    #[test]
    fn eip55_vectors() {
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert_eq!(eth_address(a).as_deref(), Ok(a));
            assert_eq!(eth_address(&a.to_ascii_lowercase()).as_deref(), Ok(a));
        }
        assert_eq!(
            eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
            Err(EthError::BadChecksum)
        );
        assert_eq!(
            eth_address("0x5aAeb6053F3E94C9b9A09f3366"),
            Err(EthError::Malformed)
        );
    }

    #[test]
    fn tron_xrp_and_tx() {
        assert!(tron_address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"));
        assert!(!tron_address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6s"));
        assert!(!tron_address("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(xrp_address("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"));
        assert!(!xrp_address("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTj"));
        assert!(tx_hash(
            "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
        ));
        assert!(!tx_hash(
            "5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b2206"
        ));
    }
}

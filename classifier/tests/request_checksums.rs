//! Property tests of the checksum validators behind targets: every generated valid
//! identifier is accepted, and every single-character change of it is rejected.
//!
//! Base58Check (Bitcoin, Litecoin, Tron, XRP) has a 32-bit checksum and bech32/bech32m
//! detects any error in up to four characters, so a change slipping through is either
//! impossible or a 1-in-4-billion event. EIP-55 only protects the case of hex letters:
//! a single change is caught with probability 1 - 2^-k for k letters, so the generator
//! draws letter-rich addresses (k >= 28) and the test says so rather than hiding it.
//! IBAN's mod-97 catches every single substitution for all-numeric BBANs.

use lea_classifier::targets::crypto::{self, Base58Kind, SegwitChain};
use lea_classifier::targets::iban;
use proptest::prelude::*;

const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Every string that differs from `s` in exactly one character drawn from `alphabet`.
fn single_changes(s: &str, alphabet: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    for i in 0..chars.len() {
        for c in alphabet.chars() {
            if chars.get(i) == Some(&c) {
                continue;
            }
            let mut changed = chars.clone();
            if let Some(slot) = changed.get_mut(i) {
                *slot = c;
            }
            out.push(changed.into_iter().collect());
        }
    }
    out
}

fn base58check(version: u8, payload: &[u8]) -> String {
    let mut data = vec![version];
    data.extend_from_slice(payload);
    bs58::encode(data).with_check().into_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn base58_addresses(
        (version, kind) in prop_oneof![
            Just((0x00u8, Base58Kind::Bitcoin)),
            Just((0x05u8, Base58Kind::Bitcoin)),
            Just((0x30u8, Base58Kind::Litecoin)),
            Just((0x41u8, Base58Kind::Tron)),
        ],
        hash in prop::array::uniform20(any::<u8>()),
    ) {
        let address = base58check(version, &hash);
        prop_assert_eq!(crypto::base58_address(&address), Some(kind));
        for changed in single_changes(&address, BASE58) {
            prop_assert_eq!(crypto::base58_address(&changed), None, "{} accepted", changed);
        }
    }

    #[test]
    fn xrp_addresses(hash in prop::array::uniform20(any::<u8>())) {
        let mut data = vec![0u8];
        data.extend_from_slice(&hash);
        let address = bs58::encode(data)
            .with_alphabet(bs58::Alphabet::RIPPLE)
            .with_check()
            .into_string();
        prop_assert!(crypto::xrp_address(&address));
        for changed in single_changes(&address, BASE58) {
            prop_assert!(!crypto::xrp_address(&changed), "{} accepted", changed);
        }
    }

    #[test]
    fn segwit_addresses(
        taproot in any::<bool>(),
        litecoin in any::<bool>(),
        program in prop::collection::vec(any::<u8>(), 32),
    ) {
        let (hrp, chain) = if litecoin {
            (bech32::Hrp::parse_unchecked("ltc"), SegwitChain::Litecoin)
        } else {
            (bech32::hrp::BC, SegwitChain::Bitcoin)
        };
        let encoded = if taproot {
            bech32::segwit::encode_v1(hrp, &program)
        } else {
            bech32::segwit::encode_v0(hrp, program.get(..20).unwrap_or(&program))
        };
        let address = encoded.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(crypto::segwit_address(&address), Some((chain, address.clone())));
        prop_assert!(crypto::segwit_address(&address.to_ascii_uppercase()).is_some());
        let alphabet = format!("{BECH32}{}", BECH32.to_ascii_uppercase());
        for changed in single_changes(&address, &alphabet) {
            prop_assert!(crypto::segwit_address(&changed).is_none(), "{} accepted", changed);
        }
    }

    #[test]
    fn eip55_addresses(nibbles in prop::collection::vec(
        prop_oneof![6 => prop::sample::select(b"abcdef".to_vec()), 1 => prop::sample::select(b"0123456789".to_vec())],
        40,
    )) {
        let lower: String = nibbles.iter().map(|&b| char::from(b)).collect();
        prop_assume!(lower.bytes().filter(u8::is_ascii_alphabetic).count() >= 28);
        let checksummed = crypto::eth_address(&format!("0x{lower}"))
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assume!(checksummed.bytes().any(|b| b.is_ascii_uppercase()));
        prop_assume!(checksummed.bytes().skip(2).filter(u8::is_ascii_uppercase).count() >= 2);
        prop_assume!(checksummed.bytes().skip(2).filter(u8::is_ascii_lowercase).count() >= 2);
        prop_assert_eq!(crypto::eth_address(&checksummed), Ok(checksummed.clone()));
        for changed in single_changes(&checksummed, "0123456789abcdefABCDEFxX") {
            let body = changed.get(2..).unwrap_or("");
            // A change that leaves no mixed case carries no checksum at all: by EIP-55
            // such an address is unchecked, not wrong.
            let mixed = body.bytes().any(|b| b.is_ascii_lowercase()) && body.bytes().any(|b| b.is_ascii_uppercase());
            if mixed || !changed.starts_with("0x") {
                prop_assert!(crypto::eth_address(&changed).is_err(), "{} accepted", changed);
            }
        }
    }

    #[test]
    fn ibans(
        (country, len) in prop::sample::select(vec![("DE", 18usize), ("ES", 20), ("PT", 21), ("BE", 12), ("AT", 16), ("PL", 24)]),
        digits in prop::collection::vec(0u8..10, 24),
    ) {
        let bban: String = digits.iter().take(len).map(|d| char::from(b'0' + d)).collect();
        let valid = format!("{country}{}{bban}", iban::check_digits(country, &bban));
        prop_assert!(iban::valid(&valid), "{} rejected", valid);
        for changed in single_changes(&valid, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
            prop_assert!(!iban::valid(&changed), "{} accepted", changed);
        }
    }
}

//! IBAN validation: the country's length and BBAN structure, then ISO 7064 MOD 97-10.

/// Length and BBAN structure per country (from the SWIFT IBAN registry). Structure is a
/// run-length string: `n` digits, `a` upper-case letters, `c` either. Countries missing
/// here are checked by length range and checksum only.
const COUNTRIES: &[(&str, usize, &str)] = &[
    ("AD", 24, "8n12c"),
    ("AE", 23, "19n"),
    ("AT", 20, "16n"),
    ("BE", 16, "12n"),
    ("BG", 22, "4a6n8c"),
    ("CH", 21, "5n12c"),
    ("CY", 28, "8n16c"),
    ("CZ", 24, "20n"),
    ("DE", 22, "18n"),
    ("DK", 18, "14n"),
    ("EE", 20, "16n"),
    ("ES", 24, "20n"),
    ("FI", 18, "14n"),
    ("FR", 27, "10n11c2n"),
    ("GB", 22, "4a14n"),
    ("GI", 23, "4a15c"),
    ("GR", 27, "7n16c"),
    ("HR", 21, "17n"),
    ("HU", 28, "24n"),
    ("IE", 22, "4c14n"),
    ("IS", 26, "22n"),
    ("IT", 27, "1a10n12c"),
    ("LI", 21, "5n12c"),
    ("LT", 20, "16n"),
    ("LU", 20, "3n13c"),
    ("LV", 21, "4a13c"),
    ("MC", 27, "10n11c2n"),
    ("MT", 31, "4a5n18c"),
    ("NL", 18, "4a10n"),
    ("NO", 15, "11n"),
    ("PL", 28, "24n"),
    ("PT", 25, "21n"),
    ("RO", 24, "4a16c"),
    ("SE", 24, "20n"),
    ("SI", 19, "15n"),
    ("SK", 24, "20n"),
    ("SM", 27, "1a10n12c"),
    ("TR", 26, "5n1n16c"),
];

/// The registered length of IBANs of a country, when known.
pub fn country_length(country: &str) -> Option<usize> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == country)
        .map(|(_, len, _)| *len)
}

/// Validate a compact (no spaces), upper-case IBAN candidate.
pub fn valid(compact: &str) -> bool {
    let bytes = compact.as_bytes();
    if bytes.len() < 15 || bytes.len() > 34 || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (Some(country), Some(check), Some(bban)) =
        (compact.get(..2), compact.get(2..4), compact.get(4..))
    else {
        return false;
    };
    if !country.bytes().all(|b| b.is_ascii_uppercase())
        || !check.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    if let Some((_, len, structure)) = COUNTRIES.iter().find(|(c, _, _)| *c == country)
        && (compact.len() != *len || !matches_structure(bban, structure))
    {
        return false;
    }
    if bban.bytes().any(|b| b.is_ascii_lowercase()) {
        return false;
    }
    mod97(bban, country, check) == 1
}

fn matches_structure(bban: &str, structure: &str) -> bool {
    let mut chars = bban.bytes();
    let mut count = 0usize;
    for s in structure.bytes() {
        if s.is_ascii_digit() {
            count = count * 10 + usize::from(s - b'0');
            continue;
        }
        for _ in 0..count {
            let Some(b) = chars.next() else { return false };
            let ok = match s {
                b'n' => b.is_ascii_digit(),
                b'a' => b.is_ascii_uppercase(),
                _ => b.is_ascii_digit() || b.is_ascii_uppercase(),
            };
            if !ok {
                return false;
            }
        }
        count = 0;
    }
    chars.next().is_none()
}

/// The IBAN rearranged (BBAN, country, check digits), letters as 10..35, modulo 97.
fn mod97(bban: &str, country: &str, check: &str) -> u32 {
    let mut rem = 0u32;
    for b in bban.bytes().chain(country.bytes()).chain(check.bytes()) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return 0,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

/// Check digits that make `country` + `bban` a valid IBAN (used by tests and fixtures).
pub fn check_digits(country: &str, bban: &str) -> String {
    let rem = mod97(bban, country, "00");
    format!("{:02}", 98 - rem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_examples() {
        for iban in [
            "DE89370400440532013000",
            "GB29NWBK60161331926819",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "ES9121000418450200051332",
            "IT60X0542811101000000123456",
            "PT50000201231234567890154",
            "BE68539007547034",
            "CH9300762011623852957",
        ] {
            assert!(valid(iban), "{iban}");
        }
        assert!(!valid("DE89370400440532013001"));
        assert!(!valid("DE8937040044053201300"));
        assert!(!valid("GB29NWBK6016133192681X"));
    }

    #[test]
    fn check_digits_round_trip() {
        assert_eq!(check_digits("DE", "370400440532013000"), "89");
    }
}

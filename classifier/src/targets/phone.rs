//! Phone numbers to E.164. International forms (`+49 ...`, `0049 ...`) stand on their
//! own; national forms are read with the requesting agency's country.

/// Calling code, national trunk prefix (stripped from national numbers), and the range
/// of national significant number lengths, for the countries requests come from most.
struct Plan {
    country: &'static str,
    calling_code: &'static str,
    trunk: Option<&'static str>,
    min_len: usize,
    max_len: usize,
}

const PLANS: &[Plan] = &[
    plan("US", "1", Some("1"), 10, 10),
    plan("CA", "1", Some("1"), 10, 10),
    plan("GB", "44", Some("0"), 9, 10),
    plan("IE", "353", Some("0"), 7, 9),
    plan("DE", "49", Some("0"), 6, 13),
    plan("AT", "43", Some("0"), 4, 13),
    plan("CH", "41", Some("0"), 9, 9),
    plan("FR", "33", Some("0"), 9, 9),
    plan("BE", "32", Some("0"), 8, 9),
    plan("LU", "352", None, 4, 11),
    plan("NL", "31", Some("0"), 9, 9),
    // Italy keeps the leading 0 of fixed-line numbers in international form.
    plan("IT", "39", None, 6, 11),
    plan("ES", "34", None, 9, 9),
    plan("PT", "351", None, 9, 9),
    plan("BR", "55", Some("0"), 10, 11),
    plan("MX", "52", None, 10, 10),
    plan("PL", "48", None, 9, 9),
    plan("SE", "46", Some("0"), 7, 9),
    plan("DK", "45", None, 8, 8),
    plan("NO", "47", None, 8, 8),
    plan("FI", "358", Some("0"), 5, 10),
    plan("AU", "61", Some("0"), 9, 9),
    plan("NZ", "64", Some("0"), 8, 10),
    plan("SG", "65", None, 8, 8),
    plan("IN", "91", Some("0"), 10, 10),
    plan("JP", "81", Some("0"), 9, 10),
    plan("KR", "82", Some("0"), 8, 10),
];

const fn plan(
    country: &'static str,
    calling_code: &'static str,
    trunk: Option<&'static str>,
    min_len: usize,
    max_len: usize,
) -> Plan {
    Plan {
        country,
        calling_code,
        trunk,
        min_len,
        max_len,
    }
}

/// The number as E.164 (`+` and 8 to 15 digits), or None when it cannot be read as one.
pub fn to_e164(written: &str, country: Option<&str>) -> Option<String> {
    let trimmed = written.trim();
    // "+49 (0)151 ..." : the bracketed trunk prefix is dropped in international form.
    let cleaned = trimmed.replace("(0)", "");
    let digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
    if cleaned.starts_with('+') {
        return e164(&digits);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return e164(rest);
    }
    let plan = PLANS.iter().find(|p| Some(p.country) == country)?;
    if plan.calling_code == "1"
        && let Some(rest) = digits.strip_prefix("011")
    {
        return e164(rest);
    }
    let national = match plan.trunk {
        Some(trunk) if digits.len() > plan.min_len => digits.strip_prefix(trunk).unwrap_or(&digits),
        _ => digits.as_str(),
    };
    if national.len() < plan.min_len || national.len() > plan.max_len {
        return None;
    }
    e164(&format!("{}{}", plan.calling_code, national))
}

fn e164(digits: &str) -> Option<String> {
    let ok = (8..=15).contains(&digits.len()) && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_forms() {
        assert_eq!(
            to_e164("+49 (0)151 2345 6789", None).as_deref(),
            Some("+4915123456789")
        );
        assert_eq!(
            to_e164("0033 6 12 34 56 78", None).as_deref(),
            Some("+33612345678")
        );
        assert_eq!(
            to_e164("+1 (202) 555-0143", Some("DE")).as_deref(),
            Some("+12025550143")
        );
        assert_eq!(to_e164("+12", None), None);
    }

    #[test]
    fn national_forms_by_country() {
        assert_eq!(
            to_e164("0151 23456789", Some("DE")).as_deref(),
            Some("+4915123456789")
        );
        assert_eq!(
            to_e164("06 12 34 56 78", Some("FR")).as_deref(),
            Some("+33612345678")
        );
        assert_eq!(
            to_e164("(202) 555-0143", Some("US")).as_deref(),
            Some("+12025550143")
        );
        assert_eq!(
            to_e164("1-202-555-0143", Some("US")).as_deref(),
            Some("+12025550143")
        );
        assert_eq!(
            to_e164("06 5432 1098", Some("IT")).as_deref(),
            Some("+390654321098")
        );
        assert_eq!(
            to_e164("612 345 678", Some("ES")).as_deref(),
            Some("+34612345678")
        );
        assert_eq!(to_e164("0151 23456789", None), None);
    }
}

//! Phone numbers to the standard's international form (`+33180059880`).

/// Country calling codes the standard accepts, with the national trunk prefixes
/// (after the leading 0) that belong to each overseas code.
const OVERSEAS_PREFIXES: &[(&str, &[&str])] = &[
    ("+590", &["590", "690", "691"]),
    ("+594", &["594", "694"]),
    ("+262", &["262", "692", "693", "269", "639"]),
    ("+596", &["596", "696", "697"]),
    ("+508", &["508"]),
];

const ACCEPTED_CODES: &[&str] = &["+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681"];

/// The result of normalising one phone field.
#[derive(Debug, PartialEq, Eq)]
pub struct NormalisedPhone {
    pub number: String,
    /// Other numbers found in the same field, which the standard has no room for.
    pub dropped: Vec<String>,
}

/// Normalises the first number of a field; `postcode` tells New Caledonia and French
/// Polynesia apart, whose numbers have no trunk prefix.
pub fn normalise_phone(raw: &str, postcode: Option<&str>) -> Result<NormalisedPhone, String> {
    let mut candidates = raw
        .split(['/', ';', ',', '|', '\n'])
        .flat_map(|part| part.split(" ou "))
        .map(str::trim)
        .filter(|part| part.chars().filter(char::is_ascii_digit).count() >= 4);
    let first = candidates.next().ok_or_else(|| "aucun numéro reconnu".to_owned())?;
    let dropped = candidates.map(str::to_owned).collect();
    let number = normalise_one(first, postcode)?;
    Ok(NormalisedPhone { number, dropped })
}

fn normalise_one(raw: &str, postcode: Option<&str>) -> Result<String, String> {
    let cleaned = raw.replace("(0)", "");
    let plus = cleaned.trim_start().starts_with('+');
    let mut digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
    if !plus && digits.starts_with("00") {
        digits = digits[2..].to_owned();
        return with_country_code(&digits);
    }
    if plus {
        return with_country_code(&digits);
    }
    let postcode = postcode.unwrap_or("");
    match digits.len() {
        // A number stored as an integer lost its leading zero.
        9 if !postcode.starts_with("987") && !digits.starts_with('0') => national(&format!("0{digits}")),
        10 if digits.starts_with('0') => national(&digits),
        6 if postcode.starts_with("988") => Ok(format!("+687{digits}")),
        8 if postcode.starts_with("987") => Ok(format!("+689{digits}")),
        _ => Err("numéro de téléphone non reconnu".to_owned()),
    }
}

fn national(digits: &str) -> Result<String, String> {
    let rest = &digits[1..];
    for (code, prefixes) in OVERSEAS_PREFIXES {
        if prefixes.iter().any(|prefix| rest.starts_with(prefix)) {
            return Ok(format!("{code}{rest}"));
        }
    }
    Ok(format!("+33{rest}"))
}

fn with_country_code(digits: &str) -> Result<String, String> {
    for code in ACCEPTED_CODES {
        let code_digits = &code[1..];
        if let Some(rest) = digits.strip_prefix(code_digits) {
            let rest = rest.strip_prefix('0').unwrap_or(rest);
            if (6..=9).contains(&rest.len()) {
                return Ok(format!("{code}{rest}"));
            }
        }
    }
    Err("indicatif international non accepté par le standard".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str) -> String {
        normalise_phone(raw, None).unwrap().number
    }

    #[test]
    fn french_forms() {
        assert_eq!(norm("02 78 34 11 39"), "+33278341139");
        assert_eq!(norm("05.55.77.75.89"), "+33555777589");
        assert_eq!(norm("326533780"), "+33326533780");
        assert_eq!(norm("+33 (0)1 80 05 98 80"), "+33180059880");
        assert_eq!(norm("0033 1 80 05 98 80"), "+33180059880");
        assert_eq!(norm("+33180059880"), "+33180059880");
    }

    #[test]
    fn overseas_forms() {
        assert_eq!(norm("0596 78 00 40"), "+596596780040");
        assert_eq!(norm("+596596780040"), "+596596780040");
        assert_eq!(norm("0692 12 34 56"), "+262692123456");
        assert_eq!(normalise_phone("44 57 28", Some("98800")).unwrap().number, "+687445728");
    }

    #[test]
    fn several_numbers_keep_the_first() {
        let result = normalise_phone("05.55.77.75.89 / 06 12 34 56 78", None).unwrap();
        assert_eq!(result.number, "+33555777589");
        assert_eq!(result.dropped, vec!["06 12 34 56 78".to_owned()]);
    }

    #[test]
    fn rejects_short_numbers() {
        assert!(normalise_phone("3939", None).is_err());
        assert!(normalise_phone("", None).is_err());
    }
}

//! Input validation and normalization, run before anything is written.

use crate::error::{LedgerError, Result};

/// Longest identifier or free-text field accepted (bytes).
pub(crate) const MAX_TEXT: usize = 4096;

/// Parses a quantity typed by a user (`"40"`), with the ledger's message for
/// anything that is not a positive integer (`"-5"`, `"1.5"`, `"0"`).
pub fn parse_quantity(s: &str) -> Result<i64> {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(q) => check_quantity(q),
        Err(_) => Err(LedgerError::InvalidQuantity(s.to_string())),
    }
}

/// Accepts a positive quantity.
pub(crate) fn check_quantity(q: i64) -> Result<i64> {
    if q <= 0 {
        return Err(LedgerError::InvalidQuantity(q.to_string()));
    }
    Ok(q)
}

/// Accepts a non-negative amount in cents.
pub(crate) fn check_amount(field: &'static str, v: i64) -> Result<i64> {
    if v < 0 {
        return Err(LedgerError::InvalidAmount {
            field,
            value: v.to_string(),
        });
    }
    Ok(v)
}

/// Trims `s` and rejects it when empty or overlong.
pub(crate) fn text(field: &'static str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(LedgerError::Empty(field));
    }
    if t.len() > MAX_TEXT || t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(LedgerError::InvalidField {
            field,
            value: t.chars().take(40).collect(),
            why: "too long or contains control characters",
        });
    }
    Ok(t.to_string())
}

/// Like [`text`] but `None` (or blank) stays `None`.
pub(crate) fn opt_text(field: &'static str, s: Option<&str>) -> Result<Option<String>> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => text(field, t).map(Some),
    }
}

/// An identifier: trimmed, non-empty, no whitespace or control characters.
pub(crate) fn ident(field: &'static str, s: &str) -> Result<String> {
    let t = text(field, s)?;
    if t.len() > 200 || t.chars().any(char::is_whitespace) {
        return Err(LedgerError::InvalidField {
            field,
            value: t,
            why: "use at most 200 characters without spaces",
        });
    }
    Ok(t)
}

/// An ISO 3166 alpha-2 code, upper-cased.
pub(crate) fn country(field: &'static str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(LedgerError::InvalidField {
            field,
            value: s.to_string(),
            why: "expected an ISO 3166 alpha-2 country code such as CN",
        });
    }
    Ok(t.to_ascii_uppercase())
}

/// Whether `s` is shaped like an ECCN (`3A090`, `3A090.a`, `4A090.b.1`).
pub(crate) fn is_eccn(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5
        && b[0].is_ascii_digit()
        && matches!(b[1].to_ascii_uppercase(), b'A'..=b'E')
        && b[2..5].iter().all(u8::is_ascii_digit)
        && (b.len() == 5 || (b[5] == b'.' && b.len() > 6))
}

/// Normalizes an item entry: ECCNs get an upper-case stem and lower-case
/// paragraphs (`3a090.A` → `3A090.a`); item ids are trimmed.
pub(crate) fn item(field: &'static str, s: &str) -> Result<String> {
    let t = ident(field, s)?;
    if is_eccn(&t) {
        Ok(format!(
            "{}{}",
            t[..5].to_ascii_uppercase(),
            t[5..].to_ascii_lowercase()
        ))
    } else {
        Ok(t)
    }
}

/// Whether the license/route/notification entry `pattern` covers an order
/// for `item_id` classified under `eccns`: an ECCN entry covers the same
/// paragraph and its sub-paragraphs; any other entry is an item id compared
/// ignoring ASCII case.
pub(crate) fn covers(pattern: &str, item_id: &str, eccns: &[String]) -> bool {
    if is_eccn(pattern) {
        let p = pattern.as_bytes();
        eccns.iter().any(|e| {
            let e = e.as_bytes();
            e.len() >= p.len() && e[..p.len()].eq_ignore_ascii_case(p) && (e.len() == p.len() || e[p.len()] == b'.')
        })
    } else {
        pattern.eq_ignore_ascii_case(item_id)
    }
}

/// Whether two party names (consignee, end user) are the same, ignoring
/// ASCII case and runs of whitespace.
pub(crate) fn same_party(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    norm(a) == norm(b)
}

/// A reason for a state change: trimmed, non-empty.
pub(crate) fn reason(what: &'static str, s: &str) -> Result<String> {
    if s.trim().is_empty() {
        return Err(LedgerError::ReasonRequired(what));
    }
    text("reason", s)
}

/// The user performing an action: required.
pub(crate) fn user(s: &str) -> Result<String> {
    text("user", s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eccn_shapes() {
        assert!(is_eccn("3A090"));
        assert!(is_eccn("3A090.a"));
        assert!(is_eccn("4a090.b.1"));
        assert!(!is_eccn("3A090."));
        assert!(!is_eccn("EAR99"));
        assert!(!is_eccn("nvidia-h20"));
        assert!(!is_eccn("3F090"));
        assert_eq!(item("item", " 3a090.A ").unwrap(), "3A090.a");
    }

    #[test]
    fn coverage() {
        let e = vec!["3A090.a".to_string()];
        assert!(covers("3A090", "x", &e));
        assert!(covers("3A090.a", "x", &e));
        assert!(!covers("3A090.b", "x", &e));
        assert!(!covers("3A09", "x", &e));
        assert!(covers("NVIDIA-H20", "nvidia-h20", &e));
        assert!(!covers("nvidia-h2", "nvidia-h20", &e));
        assert!(!covers("3A090.a.1", "x", &e));
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("40").unwrap(), 40);
        assert_eq!(
            parse_quantity("-5").unwrap_err().to_string(),
            "quantity must be a positive integer, got `-5`"
        );
        assert!(parse_quantity("0").is_err());
        assert!(parse_quantity("1.5").is_err());
        assert!(country("destination", "CHN").is_err());
        assert_eq!(country("destination", "cn").unwrap(), "CN");
        assert!(same_party("Acme  Ltd", "acme ltd"));
    }
}

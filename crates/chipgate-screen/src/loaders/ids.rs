//! Identifiers of list entries: the trade.gov CSL CSV `ids` column (`Type, number[, country]`
//! items separated by `;`) and the OFAC legacy remarks (`Type number (Country)` items).
//! Only items whose type names an identifier are kept (not e-mail addresses, websites,
//! gender or sanctions notes).

use crate::model::EntryId;

/// Words that make an item's type an identifier (matched case-insensitively as words).
const ID_WORDS: &[&str] = &[
    "id",
    "identification",
    "number",
    "no",
    "code",
    "uscc",
    "lei",
    "registration",
    "passport",
    "tax",
    "vat",
    "swift/bic",
    "cedula",
    "nit",
    "ruc",
    "inn",
    "ogrn",
    "kpp",
    "okpo",
];

fn is_id_kind(kind: &str) -> bool {
    kind.to_ascii_lowercase()
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .map(|w| w.trim_end_matches('.').trim_start_matches('.'))
        .filter(|w| !w.is_empty())
        .any(|w| ID_WORDS.contains(&w) || w.replace('.', "") == "vat")
}

fn has_digit(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
}

/// The CSL CSV `ids` column: `Passport, 836238033, KP; Registration ID, C122790; …`.
pub(crate) fn parse_csl_ids(text: &str) -> Vec<EntryId> {
    let mut out = Vec::new();
    for item in text.split(';') {
        let mut parts = item.split(',').map(str::trim);
        let (Some(kind), Some(number)) = (parts.next(), parts.next()) else {
            continue;
        };
        if kind.is_empty() || !is_id_kind(kind) || !has_digit(number) || EntryId::normalized(number).len() < 4 {
            continue;
        }
        let country = parts.next().filter(|c| !c.is_empty()).map(str::to_owned);
        push(&mut out, kind, number, country);
    }
    out
}

/// The OFAC legacy remarks: `Registration Number 131082000061293 (China); Unified Social
/// Credit Code (USCC) 9113100033607322XK (China); Linked To: …`.
pub(crate) fn parse_ofac_remarks_ids(text: &str) -> Vec<EntryId> {
    let mut out = Vec::new();
    for item in text.split(';') {
        let mut item = item.trim().trim_end_matches('.').trim();
        if item.contains(':') {
            continue;
        }
        let mut country = None;
        if item.ends_with(')') {
            if let Some(open) = item.rfind(" (") {
                let inside = &item[open + 2..item.len() - 1];
                // "(USCC)" right before the number is part of the kind, not a country.
                let before = item[..open].trim_end();
                if before.rsplit(' ').next().is_some_and(has_digit) {
                    country = Some(inside.to_owned());
                    item = before;
                }
            }
        }
        let Some((kind, number)) = item.rsplit_once(' ') else {
            continue;
        };
        let kind = kind.trim();
        if !has_digit(number) || EntryId::normalized(number).len() < 4 || !is_id_kind(kind) {
            continue;
        }
        push(&mut out, kind, number, country);
    }
    out
}

fn push(out: &mut Vec<EntryId>, kind: &str, number: &str, country: Option<String>) {
    let id = EntryId {
        kind: kind.to_owned(),
        number: number.to_owned(),
        country,
    };
    if !out.contains(&id) {
        out.push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofac_remarks() {
        let ids = parse_ofac_remarks_ids(
            "Website www.raybeam.cn; Additional Sanctions Information - Subject to Secondary Sanctions; \
             Registration Number 131082000061293 (China); Unified Social Credit Code (USCC) \
             9113100033607322XK (China); Linked To: LIU, Baoxia.",
        );
        assert_eq!(
            ids,
            vec![
                EntryId {
                    kind: "Registration Number".into(),
                    number: "131082000061293".into(),
                    country: Some("China".into()),
                },
                EntryId {
                    kind: "Unified Social Credit Code (USCC)".into(),
                    number: "9113100033607322XK".into(),
                    country: Some("China".into()),
                },
            ]
        );
        assert_eq!(
            parse_ofac_remarks_ids("Registration ID 14063277.")[0].number,
            "14063277"
        );
        assert!(parse_ofac_remarks_ids("DOB 1962; POB Shati.").is_empty());
    }

    #[test]
    fn csl_ids_column() {
        let ids = parse_csl_ids(
            "Registration ID, C122790; Email Address, hrm@rosneft-sh.com.cy; Executive Order 13662 \
             Directive Determination -, Subject to Directive 2; Passport, 836238033, KP; Gender, Male",
        );
        let got: Vec<(&str, &str)> = ids.iter().map(|i| (i.kind.as_str(), i.number.as_str())).collect();
        assert_eq!(got, [("Registration ID", "C122790"), ("Passport", "836238033")]);
        assert_eq!(ids[1].country.as_deref(), Some("KP"));
    }
}

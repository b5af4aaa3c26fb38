//! List model: entries, snapshots, snapshot integrity.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ScreenError;

/// One entry of a restricted-party list (one party with all its names).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListEntry {
    /// Full source name, e.g. "Entity List (EL) - Bureau of Industry and Security".
    pub source: String,
    /// Short source code, e.g. "EL", "SDN", "DPL", "UN", "OWN".
    pub source_code: String,
    /// Primary name as the list writes it.
    pub name: String,
    /// Alternate names (a.k.a., f.k.a., n.k.a., original-script names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_names: Vec<String>,
    /// "Entity", "Individual", "Vessel", "Aircraft" where the list says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    /// ISO 3166-1 alpha-2 codes of the addresses (and nationalities where the list has no address).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    /// The list's own identifier (OFAC ent_num, UN reference number, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_number: Option<String>,
    /// Sanctions programmes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<String>,
    /// Entity List "License Requirement" column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_requirement: Option<String>,
    /// Entity List "License Policy" column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_policy: Option<String>,
    /// Federal Register notice(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federal_register: Option<String>,
    /// The date the entry was listed, where the list gives it (trade.gov CSL CSV
    /// `start_date`), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// URL of the source list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// Legal citation of the list (e.g. "15 C.F.R. § 744.16 and Supplement No. 4 to Part 744").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Legal effect of being on the list, in one or two sentences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// Free-text note (own block lists, UN comments are not kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Identifiers the list gives (registration numbers, unified social credit codes, LEI,
    /// passports, …): trade.gov CSL CSV `ids`, OFAC remarks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<EntryId>,
}

/// One identifier of a list entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntryId {
    /// What it is, as the list writes it, e.g. "Unified Social Credit Code (USCC)".
    pub kind: String,
    /// The identifier as the list writes it.
    pub number: String,
    /// The issuing country as the list writes it, where it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl EntryId {
    /// The form identifiers are compared in: ASCII letters and digits only, upper case
    /// (`91-1310 0033 607322xk` and `9113100033607322XK` compare equal).
    pub fn normalized(value: &str) -> String {
        value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    }
}

impl ListEntry {
    /// The primary name followed by all alternate names.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.alt_names.iter().map(String::as_str))
    }
}

/// A loaded list (or several merged lists) with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListSnapshot {
    /// SHA-256 (hex) of the list content the snapshot was loaded from.
    pub id: String,
    /// Date (or date-time) the list was generated, as the source or the caller states it.
    pub source_date: String,
    /// Entries per source code.
    pub counts_by_source: BTreeMap<String, usize>,
    /// The entries.
    pub entries: Vec<ListEntry>,
}

/// The provenance part of a snapshot, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SnapshotInfo {
    /// SHA-256 (hex) of the list content.
    pub id: String,
    /// Date the list was generated.
    pub source_date: String,
    /// Entries per source code.
    pub counts: BTreeMap<String, usize>,
}

impl ListSnapshot {
    /// Builds a snapshot from entries, hashing `content` for the id and counting entries per source.
    pub fn from_entries(content: &[u8], source_date: impl Into<String>, entries: Vec<ListEntry>) -> Self {
        let counts_by_source = count_by_source(&entries);
        Self {
            id: sha256_hex(content),
            source_date: source_date.into(),
            counts_by_source,
            entries,
        }
    }

    /// The first 16 hex digits of [`ListSnapshot::id`].
    pub fn short_id(&self) -> &str {
        self.id.get(..16).unwrap_or(&self.id)
    }

    /// Provenance without the entries.
    pub fn info(&self) -> SnapshotInfo {
        SnapshotInfo {
            id: self.id.clone(),
            source_date: self.source_date.clone(),
            counts: self.counts_by_source.clone(),
        }
    }

    /// Merges several snapshots into one (e.g. the CSL plus a company's own block list).
    ///
    /// The id is the SHA-256 of the parts' ids joined by `+` (so it changes when any part
    /// changes); the source date lists the distinct dates joined by ` + `; counts are summed.
    pub fn merge(parts: Vec<ListSnapshot>) -> ListSnapshot {
        if parts.len() == 1 {
            if let Some(p) = parts.into_iter().next() {
                return p;
            }
            return ListSnapshot::from_entries(b"", "", Vec::new());
        }
        let ids: Vec<&str> = parts.iter().map(|p| p.id.as_str()).collect();
        let id = sha256_hex(ids.join("+").as_bytes());
        let mut dates: Vec<String> = Vec::new();
        for p in &parts {
            if !dates.contains(&p.source_date) {
                dates.push(p.source_date.clone());
            }
        }
        let mut entries = Vec::new();
        for p in parts {
            entries.extend(p.entries);
        }
        let counts_by_source = count_by_source(&entries);
        ListSnapshot {
            id,
            source_date: dates.join(" + "),
            counts_by_source,
            entries,
        }
    }
}

fn count_by_source(entries: &[ListEntry]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in entries {
        *counts.entry(e.source_code.clone()).or_insert(0) += 1;
    }
    counts
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        s.push(hex_digit(b >> 4));
        s.push(hex_digit(b & 0xf));
    }
    s
}

fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

/// Checks a new snapshot's per-source counts against the previous snapshot's.
///
/// Refuses (unless `force`) when a source that had entries is now empty or missing, or
/// shrank by more than `max_shrink` (a fraction: the data's `import.max_shrink`, see
/// [`crate::ListSettings`]). Sources that are new, or grew, pass. The first problem found
/// (in source-code order) is returned; [`integrity_findings`] lists all.
pub fn check_against_previous(
    previous: &BTreeMap<String, usize>,
    new: &BTreeMap<String, usize>,
    max_shrink: f64,
    force: bool,
) -> Result<(), ScreenError> {
    if force {
        return Ok(());
    }
    match integrity_findings(previous, new, max_shrink).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every integrity problem of `new` against `previous` (empty or sharply shrunk sources).
/// Useful to show what a forced load overrode.
pub fn integrity_findings(
    previous: &BTreeMap<String, usize>,
    new: &BTreeMap<String, usize>,
    max_shrink: f64,
) -> Vec<ScreenError> {
    let mut out = Vec::new();
    for (code, &prev) in previous {
        if prev == 0 {
            continue;
        }
        let cur = new.get(code).copied().unwrap_or(0);
        if cur == 0 {
            out.push(ScreenError::SourceEmptied {
                source_code: code.clone(),
                previous: prev,
            });
            continue;
        }
        if cur < prev {
            let shrink = (prev - cur) as f64 / prev as f64;
            if shrink > max_shrink {
                out.push(ScreenError::SourceShrank {
                    source_code: code.clone(),
                    previous: prev,
                    current: cur,
                    percent: shrink * 100.0,
                    limit: max_shrink * 100.0,
                });
            }
        }
    }
    out
}

/// Legal citation and effect of a list, by source code, for loaders whose files do not carry
/// them (trade.gov CSV, OFAC CSV). Taken from the `listAuthority` table of the bundled CSL
/// snapshot.
pub(crate) fn list_authority(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "EL" => (
            "15 C.F.R. § 744.16 and Supplement No. 4 to Part 744",
            "Licence required to the extent stated in the entry's License Requirement column. Per § 744.16(b) no License Exception is available, apart from the narrow § 740.2(a)(5) civil-aviation carve-out for certain Indian and Pakistani entities and entities listed under § 744.20.",
        ),
        "DPL" => (
            "15 C.F.R. Part 764, Supplement No. 2",
            "A denial order prohibits participation in any transaction involving items subject to the EAR. This reaches conduct well beyond exporting, including forwarding, financing and servicing.",
        ),
        "UVL" => (
            "15 C.F.R. § 744.15 and Supplement No. 6 to Part 744",
            "No License Exceptions may be used, and a UVL statement must be obtained from the party before export, reexport or transfer.",
        ),
        "MEU" => (
            "15 C.F.R. § 744.21 and Supplement No. 7 to Part 744",
            "Licence required for items listed in Supplement No. 2 to Part 744. Only License Exception GOV under § 740.11(b)(2)(i) and (ii) is available.",
        ),
        "SDN" => (
            "31 C.F.R. (OFAC); EAR licence requirement via 15 C.F.R. § 744.8",
            "Property is blocked under OFAC authority. § 744.8 additionally imposes an EAR licence requirement where the designation falls under one of the programmes listed in § 744.8(a)(1), so the programme code matters.",
        ),
        "CMIC" => (
            "E.O. 13959 as amended (OFAC)",
            "Restricts dealings in publicly traded securities. Not itself an EAR licence requirement, but a strong diversion red flag and often accompanied by Entity List treatment.",
        ),
        "SSI" => (
            "31 C.F.R. Part 589 (OFAC directives)",
            "Directive-specific prohibitions rather than full blocking. Read the applicable directive.",
        ),
        "NS-MBS" => ("OFAC menu-based sanctions", "Specific menu items apply; read the entry."),
        "PLC" => ("OFAC", "Read the entry."),
        "CAP" => (
            "OFAC (correspondent account / payable-through account sanctions)",
            "Restricts correspondent banking relationships.",
        ),
        "DTC" => (
            "22 C.F.R. § 127.7 (ITAR)",
            "Debarred from participating in ITAR-controlled activity. Relevant where the item is a defense article rather than subject to the EAR.",
        ),
        "ISN" => (
            "State Department nonproliferation sanctions",
            "Sanctions measures vary by determination; read the Federal Register notice.",
        ),
        _ => return None,
    })
}

/// Short source code from a trade.gov source name such as
/// "Entity List (EL) - Bureau of Industry and Security" (the text in the first parentheses),
/// with the CSL's two irregular names mapped to their usual codes.
pub(crate) fn source_code_from_name(source: &str) -> String {
    let lower = source.to_ascii_lowercase();
    if lower.contains("chinese military-industrial") {
        return "CMIC".into();
    }
    if lower.contains("menu-based") {
        return "NS-MBS".into();
    }
    if let (Some(a), Some(b)) = (source.find('('), source.find(')')) {
        if b > a + 1 {
            let code = source[a + 1..b].trim();
            let code = code.strip_suffix(" List").unwrap_or(code);
            if !code.is_empty() && code.len() <= 12 {
                return code.to_string();
            }
        }
    }
    source.trim().to_string()
}

//! The simple `name,country,note` CSV for a company's own block list and its list of cleared
//! parties.

use serde::Serialize;

use crate::country::CountryTable;
use crate::error::ScreenError;
use crate::loaders::{check_utf8, csv_error, field, opt, strip_bom, Lines};
use crate::model::{ListEntry, ListSnapshot};

/// One row of a cleared-parties list: a counterparty an officer has reviewed and cleared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClearedParty {
    /// The counterparty's name as screened (compared after normalisation, exactly).
    pub name: String,
    /// ISO-2 country; when given, the clearance holds only for queries with that country.
    pub country: Option<String>,
    /// Why it was cleared (shown in the report).
    pub note: String,
    /// The list entry it was cleared against: an entity number, or a list entry's name or
    /// alias (normalised). `None` clears the name against every entry (blanket clearance).
    pub entry: Option<String>,
}

/// A cleared-parties list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClearedParties {
    /// The rows.
    pub parties: Vec<ClearedParty>,
}

struct Row {
    line: u64,
    name: String,
    country: Option<String>,
    note: String,
    entry: Option<String>,
}

fn read_rows(file: &str, bytes: &[u8], countries: &CountryTable) -> Result<Vec<Row>, ScreenError> {
    let body = strip_bom(bytes);
    check_utf8(file, body)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(body);
    let mut lines = Lines::new(body);
    let headers = rdr.byte_headers().map_err(|e| csv_error(file, &mut lines, &e))?.clone();
    let cols: Vec<String> = headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
        .collect();
    let pos = |n: &str| cols.iter().position(|c| c == n);
    let (Some(c_name), Some(c_country), Some(c_note)) = (pos("name"), pos("country"), pos("note")) else {
        return Err(ScreenError::BadHeader {
            file: file.to_string(),
            problem: format!(
                "expected `name,country,note` (optionally `,entry`), found `{}`",
                cols.join(",")
            ),
        });
    };
    let c_entry = pos("entry");
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &mut lines, &e)),
        }
        let line = lines.of(&rec);
        let name = field(file, &rec, c_name)?.to_string();
        if name.is_empty() {
            return Err(ScreenError::BadField {
                file: file.to_string(),
                line,
                field: "name".to_string(),
                problem: "is empty".to_string(),
            });
        }
        let raw_country = field(file, &rec, c_country)?;
        let country = if raw_country.is_empty() {
            None
        } else {
            Some(
                countries
                    .code(raw_country)
                    .ok_or_else(|| ScreenError::BadField {
                        file: file.to_string(),
                        line,
                        field: "country".to_string(),
                        problem: format!("`{raw_country}` is not a known country or ISO-2 code"),
                    })?
                    .to_string(),
            )
        };
        let note = field(file, &rec, c_note)?.to_string();
        let entry = match c_entry {
            Some(i) => opt(field(file, &rec, i)?),
            None => None,
        };
        out.push(Row {
            line,
            name,
            country,
            note,
            entry,
        });
    }
    Ok(out)
}

/// Loads a company's own block list (`name,country,note` header). Entries get the source
/// code `OWN` and the source "Own block list"; `note` is kept on the entry.
/// Country names are read with the embedded country table ([`crate::ListLoader`] takes another).
pub fn load_block_list_csv(file: &str, bytes: &[u8], source_date: &str) -> Result<ListSnapshot, ScreenError> {
    read_block_list(file, bytes, source_date, CountryTable::embedded()?)
}

pub(crate) fn read_block_list(
    file: &str,
    bytes: &[u8],
    source_date: &str,
    countries: &CountryTable,
) -> Result<ListSnapshot, ScreenError> {
    let rows = read_rows(file, bytes, countries)?;
    if rows.is_empty() {
        return Err(ScreenError::NoEntries(file.to_string()));
    }
    let entries = rows
        .into_iter()
        .map(|r| ListEntry {
            source: "Own block list".to_string(),
            source_code: "OWN".to_string(),
            name: r.name,
            countries: r.country.into_iter().collect(),
            entity_number: Some(format!("{file}:{}", r.line)),
            note: opt(&r.note),
            citation: Some("Company policy".to_string()),
            effect: Some("Blocked by the company's own policy; do not proceed without compliance review.".to_string()),
            ..ListEntry::default()
        })
        .collect();
    Ok(ListSnapshot::from_entries(bytes, source_date, entries))
}

/// Loads a cleared-parties list: header `name,country,note`, optionally a fourth column
/// `entry` naming the list entry (entity number, name or alias) the party was cleared
/// against. An empty file (header only) is a valid, empty list.
/// Country names are read with the embedded country table ([`crate::ListLoader`] takes another).
pub fn load_cleared_csv(file: &str, bytes: &[u8]) -> Result<ClearedParties, ScreenError> {
    read_cleared(file, bytes, CountryTable::embedded()?)
}

pub(crate) fn read_cleared(file: &str, bytes: &[u8], countries: &CountryTable) -> Result<ClearedParties, ScreenError> {
    let rows = read_rows(file, bytes, countries)?;
    Ok(ClearedParties {
        parties: rows
            .into_iter()
            .map(|r| ClearedParty {
                name: r.name,
                country: r.country,
                note: if r.note.is_empty() {
                    format!("cleared in `{file}` line {}", r.line)
                } else {
                    r.note
                },
                entry: r.entry,
            })
            .collect(),
    })
}

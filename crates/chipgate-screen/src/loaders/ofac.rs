//! OFAC legacy CSV: `sdn.csv`/`alt.csv`/`add.csv` and the non-SDN `cons_prim.csv`/
//! `cons_alt.csv`/`cons_add.csv`. No header, CRLF line ends, the literal `-0- ` for an empty
//! field and a final 0x1A (Ctrl-Z) byte.

use std::collections::HashMap;

use crate::country::CountryTable;
use crate::error::ScreenError;
use crate::loaders::ids::parse_ofac_remarks_ids;
use crate::loaders::{check_utf8, csv_error, field, strip_bom, Lines};
use crate::model::{list_authority, sha256_hex, ListEntry, ListSnapshot};

/// Which OFAC list the files hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfacList {
    /// The SDN list (`sdn.csv`, `alt.csv`, `add.csv`): source code `SDN`.
    Sdn,
    /// The consolidated non-SDN lists (`cons_prim.csv`, ...). Each entry's source code comes
    /// from its programmes: `NS-PLC` → `PLC`, `CMIC-…` → `CMIC`, `UKRAINE-EO13662` → `SSI`,
    /// anything else → `NON-SDN`.
    NonSdn,
}

/// The files of one OFAC legacy CSV set: (file name, bytes) each. Aliases and addresses are
/// optional; an alias or address whose `ent_num` has no primary record is skipped (the
/// shared sdn/alt/add snapshots of different dates have such rows).
#[derive(Debug, Clone, Copy)]
pub struct OfacFiles<'a> {
    /// `sdn.csv` or `cons_prim.csv` (12 fields).
    pub primary: (&'a str, &'a [u8]),
    /// `alt.csv` or `cons_alt.csv` (5 fields).
    pub alt: Option<(&'a str, &'a [u8])>,
    /// `add.csv` or `cons_add.csv` (6 fields).
    pub add: Option<(&'a str, &'a [u8])>,
}

const SDN_FIELDS: usize = 12;
const ALT_FIELDS: usize = 5;
const ADD_FIELDS: usize = 6;

/// Loads an OFAC legacy CSV set. `source_date` is the publication date (the files carry none).
/// The snapshot id hashes all given files.
/// Country names are read with the embedded country table ([`crate::ListLoader`] takes another).
pub fn load_ofac_legacy(files: OfacFiles<'_>, list: OfacList, source_date: &str) -> Result<ListSnapshot, ScreenError> {
    read(files, list, source_date, CountryTable::embedded()?)
}

pub(crate) fn read(
    files: OfacFiles<'_>,
    list: OfacList,
    source_date: &str,
    countries: &CountryTable,
) -> Result<ListSnapshot, ScreenError> {
    let (pname, pbytes) = files.primary;
    let mut entries: Vec<ListEntry> = Vec::new();
    let mut by_num: HashMap<String, usize> = HashMap::new();
    for_each_record(pname, pbytes, SDN_FIELDS, |line, f| {
        let num = f[0].to_string();
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(pname, line, "ent_num", &format!("`{num}` is not a number")));
        }
        if f[1].is_empty() {
            return Err(bad(pname, line, "SDN_Name", "is empty"));
        }
        let entity_type = match f[2].to_ascii_lowercase().as_str() {
            "" => "Entity".to_string(),
            "individual" => "Individual".to_string(),
            "vessel" => "Vessel".to_string(),
            "aircraft" => "Aircraft".to_string(),
            other => other.to_string(),
        };
        let programs: Vec<String> = f[3]
            .split("] [")
            .map(|p| p.trim_matches(|c| c == '[' || c == ']' || c == ' ').to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let (code, source) = match list {
            OfacList::Sdn => ("SDN", "Specially Designated Nationals (SDN) - Treasury Department"),
            OfacList::NonSdn => non_sdn_source(&programs),
        };
        let authority = list_authority(code);
        by_num.insert(num.clone(), entries.len());
        entries.push(ListEntry {
            source: source.to_string(),
            source_code: code.to_string(),
            name: f[1].to_string(),
            entity_type: Some(entity_type),
            entity_number: Some(num),
            programs,
            source_url: Some(match list {
                OfacList::Sdn => "https://sanctionslist.ofac.treas.gov/Home/SdnList".to_string(),
                OfacList::NonSdn => "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList".to_string(),
            }),
            citation: authority.map(|a| a.0.to_string()),
            effect: authority.map(|a| a.1.to_string()),
            ids: parse_ofac_remarks_ids(f[11]),
            ..ListEntry::default()
        });
        Ok(())
    })?;
    if entries.is_empty() {
        return Err(ScreenError::NoEntries(pname.to_string()));
    }
    let mut content = pbytes.to_vec();
    if let Some((aname, abytes)) = files.alt {
        for_each_record(aname, abytes, ALT_FIELDS, |line, f| {
            if f[3].is_empty() {
                return Err(bad(aname, line, "alt_name", "is empty"));
            }
            if let Some(&i) = by_num.get(f[0]) {
                if let Some(e) = entries.get_mut(i) {
                    if !e.alt_names.iter().any(|a| a == f[3]) {
                        e.alt_names.push(f[3].to_string());
                    }
                }
            }
            Ok(())
        })?;
        content.extend_from_slice(b"\n--alt--\n");
        content.extend_from_slice(abytes);
    }
    if let Some((dname, dbytes)) = files.add {
        for_each_record(dname, dbytes, ADD_FIELDS, |_line, f| {
            if let Some(&i) = by_num.get(f[0]) {
                if let (Some(e), Some(code)) = (entries.get_mut(i), countries.code(f[4])) {
                    if !e.countries.iter().any(|c| c == code) {
                        e.countries.push(code.to_string());
                    }
                }
            }
            Ok(())
        })?;
        content.extend_from_slice(b"\n--add--\n");
        content.extend_from_slice(dbytes);
    }
    let mut snap = ListSnapshot::from_entries(&content, source_date, entries);
    snap.id = sha256_hex(&content);
    Ok(snap)
}

fn non_sdn_source(programs: &[String]) -> (&'static str, &'static str) {
    let has = |p: &str| programs.iter().any(|x| x.starts_with(p));
    if has("NS-PLC") {
        (
            "PLC",
            "Palestinian Legislative Council List (PLC) - Treasury Department",
        )
    } else if has("CMIC") {
        (
            "CMIC",
            "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department",
        )
    } else if has("UKRAINE-EO13662") {
        (
            "SSI",
            "Sectoral Sanctions Identifications List (SSI) - Treasury Department",
        )
    } else {
        ("NON-SDN", "OFAC Consolidated Non-SDN Lists - Treasury Department")
    }
}

/// Parses one headerless OFAC CSV, checking the field count, and calls `f` with the line
/// number and the fields (trimmed, `-0-` turned into "").
fn for_each_record<F>(file: &str, bytes: &[u8], expected: usize, mut f: F) -> Result<(), ScreenError>
where
    F: FnMut(u64, &[&str]) -> Result<(), ScreenError>,
{
    let mut body = strip_bom(bytes);
    // Drop the trailing Ctrl-Z (and the whitespace around it).
    while let Some((&last, rest)) = body.split_last() {
        if last == 0x1A || last.is_ascii_whitespace() {
            body = rest;
        } else {
            break;
        }
    }
    check_utf8(file, body)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut lines = Lines::new(body);
    let mut rec = csv::ByteRecord::new();
    let mut fields: Vec<String> = Vec::with_capacity(expected);
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &mut lines, &e)),
        }
        let line = lines.of(&rec);
        if rec.len() == 1
            && rec
                .get(0)
                .map(|b| b.iter().all(|c| c.is_ascii_whitespace()))
                .unwrap_or(true)
        {
            continue;
        }
        if rec.len() != expected {
            return Err(ScreenError::FieldCount {
                file: file.to_string(),
                line,
                expected,
                found: rec.len(),
            });
        }
        fields.clear();
        for i in 0..rec.len() {
            let v = field(file, &rec, i)?;
            fields.push(if v == "-0-" { String::new() } else { v.to_string() });
        }
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        f(line, &refs)?;
    }
    Ok(())
}

fn bad(file: &str, line: u64, field: &str, problem: &str) -> ScreenError {
    ScreenError::BadField {
        file: file.to_string(),
        line,
        field: field.to_string(),
        problem: problem.to_string(),
    }
}

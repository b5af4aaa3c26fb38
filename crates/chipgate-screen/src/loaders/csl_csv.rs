//! trade.gov Consolidated Screening List CSV (the 28-column layout of 2019 and the current
//! layout that adds `_id` in front).

use crate::error::ScreenError;
use crate::loaders::ids::parse_csl_ids;
use crate::loaders::{check_utf8, csv_error, field, opt, split_list, strip_bom, Lines};
use crate::model::{list_authority, source_code_from_name, ListEntry, ListSnapshot};

/// Loads a trade.gov CSL CSV file. Columns are found by header name, so both layouts (with
/// and without `_id`) load; `source` and `name` are required. Countries are the ISO-2 codes
/// that end each `addresses` item ("…, Miami, FL, 33130, US"). The CSV carries no date, so
/// the caller gives `source_date`.
pub fn load_csl_csv(file: &str, bytes: &[u8], source_date: &str) -> Result<ListSnapshot, ScreenError> {
    let body = strip_bom(bytes);
    check_utf8(file, body)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(body);
    let mut lines = Lines::new(body);
    let headers = rdr.byte_headers().map_err(|e| csv_error(file, &mut lines, &e))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name.as_bytes());
    let (Some(c_source), Some(c_name)) = (col("source"), col("name")) else {
        return Err(ScreenError::BadHeader {
            file: file.to_string(),
            problem: "a trade.gov CSL CSV needs the columns `source` and `name`".to_string(),
        });
    };
    let c_num = col("entity_number");
    let c_type = col("type");
    let c_prog = col("programs");
    let c_addr = col("addresses");
    let c_fr = col("federal_register_notice");
    let c_start = col("start_date");
    let c_lr = col("license_requirement");
    let c_lp = col("license_policy");
    let c_url = col("source_list_url");
    let c_alt = col("alt_names");
    let c_ids = col("ids");
    let get = |rec: &csv::ByteRecord, c: Option<usize>| -> Result<String, ScreenError> {
        match c {
            Some(i) => field(file, rec, i).map(str::to_string),
            None => Ok(String::new()),
        }
    };
    let mut entries = Vec::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &mut lines, &e)),
        }
        let line = lines.of(&rec);
        let source = field(file, &rec, c_source)?.to_string();
        let name = field(file, &rec, c_name)?.to_string();
        if source.is_empty() {
            return Err(bad(file, line, "source", "is empty"));
        }
        if name.is_empty() {
            return Err(bad(file, line, "name", "is empty"));
        }
        let code = source_code_from_name(&source);
        let authority = list_authority(&code);
        let mut countries = Vec::new();
        for addr in get(&rec, c_addr)?.split(';') {
            if let Some(last) = addr.rsplit(',').next() {
                let c = last.trim();
                if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) && !countries.iter().any(|x| x == c) {
                    countries.push(c.to_string());
                }
            }
        }
        entries.push(ListEntry {
            source,
            source_code: code,
            name,
            alt_names: split_list(&get(&rec, c_alt)?, ';'),
            entity_type: opt(&get(&rec, c_type)?),
            countries,
            entity_number: opt(&get(&rec, c_num)?),
            programs: split_list(&get(&rec, c_prog)?, ';'),
            license_requirement: opt(&get(&rec, c_lr)?),
            license_policy: opt(&get(&rec, c_lp)?),
            federal_register: opt(&get(&rec, c_fr)?),
            start_date: opt(&get(&rec, c_start)?),
            source_url: opt(&get(&rec, c_url)?),
            citation: authority.map(|a| a.0.to_string()),
            effect: authority.map(|a| a.1.to_string()),
            note: None,
            ids: parse_csl_ids(&get(&rec, c_ids)?),
        });
    }
    if entries.is_empty() {
        return Err(ScreenError::NoEntries(file.to_string()));
    }
    Ok(ListSnapshot::from_entries(bytes, source_date, entries))
}

fn bad(file: &str, line: u64, field: &str, problem: &str) -> ScreenError {
    ScreenError::BadField {
        file: file.to_string(),
        line,
        field: field.to_string(),
        problem: problem.to_string(),
    }
}

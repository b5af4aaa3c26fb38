//! The compacted CSL JSON (trade.gov Consolidated Screening List, one file, short keys).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::ScreenError;
use crate::loaders::check_utf8;
use crate::model::{list_authority, source_code_from_name, ListEntry, ListSnapshot};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Compact {
    source_generated_at: Option<String>,
    entry_count: Option<usize>,
    counts_by_source: Option<BTreeMap<String, usize>>,
    #[serde(default)]
    list_authority: BTreeMap<String, Authority>,
    tables: Tables,
    entries: Vec<CompactEntry>,
}

#[derive(Deserialize)]
struct Authority {
    code: Option<String>,
    citation: Option<String>,
    effect: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tables {
    sources: Vec<String>,
    #[serde(default)]
    licence_requirements: Vec<String>,
    #[serde(default)]
    licence_policies: Vec<String>,
    #[serde(default)]
    programmes: Vec<String>,
    #[serde(default)]
    urls: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IndexOrList {
    One(usize),
    Many(Vec<usize>),
}

#[derive(Deserialize)]
struct CompactEntry {
    n: String,
    #[serde(default)]
    a: Vec<String>,
    s: usize,
    t: Option<String>,
    #[serde(default)]
    c: Vec<String>,
    e: Option<String>,
    lr: Option<usize>,
    lp: Option<usize>,
    pg: Option<IndexOrList>,
    fr: Option<String>,
    u: Option<usize>,
}

/// Loads the compacted CSL JSON layout: `fieldKey` documents the short keys of each entry
/// (`n` name, `a` alternate names, `s` source index, `t` type, `c` ISO-2 countries, `e` entity
/// number, `lr`/`lp` licence requirement/policy indexes, `pg` programmes index, `fr` Federal
/// Register notice, `u` URL index); `tables` holds the indexed strings.
///
/// Checks every index against its table and the entry counts against `countsBySource` and
/// `entryCount` (a file that lost entries is refused).
pub fn load_csl_json(file: &str, bytes: &[u8]) -> Result<ListSnapshot, ScreenError> {
    let text = check_utf8(file, bytes)?;
    let compact: Compact = serde_json::from_str(text).map_err(|e| ScreenError::Json {
        file: file.to_string(),
        line: e.line() as u64,
        column: e.column() as u64,
        problem: if e.is_eof() {
            "the JSON ends early (truncated file?)".to_string()
        } else {
            e.to_string().to_lowercase()
        },
    })?;
    let t = &compact.tables;
    let bad = |i: usize, what: &str, idx: usize, len: usize| ScreenError::BadField {
        file: file.to_string(),
        line: 0,
        field: format!("entries[{i}].{what}"),
        problem: format!("index `{idx}` is outside the table of {len} values"),
    };
    let lookup = |i: usize, what: &str, table: &[String], idx: Option<usize>| -> Result<Option<String>, ScreenError> {
        match idx {
            None => Ok(None),
            Some(k) => table
                .get(k)
                .cloned()
                .map(Some)
                .ok_or_else(|| bad(i, what, k, table.len())),
        }
    };
    // Source name -> (code, citation, effect).
    let mut authority: BTreeMap<&str, (String, Option<String>, Option<String>)> = BTreeMap::new();
    for s in &t.sources {
        let a = compact.list_authority.get(s);
        let code = a
            .and_then(|a| a.code.clone())
            .unwrap_or_else(|| source_code_from_name(s));
        let fallback = list_authority(&code);
        let citation = a
            .and_then(|a| a.citation.clone())
            .or_else(|| fallback.map(|f| f.0.to_string()));
        let effect = a
            .and_then(|a| a.effect.clone())
            .or_else(|| fallback.map(|f| f.1.to_string()));
        authority.insert(s.as_str(), (code, citation, effect));
    }
    let mut entries = Vec::with_capacity(compact.entries.len());
    for (i, e) in compact.entries.iter().enumerate() {
        let source = t.sources.get(e.s).ok_or_else(|| bad(i, "s", e.s, t.sources.len()))?;
        let (code, citation, effect) = authority
            .get(source.as_str())
            .cloned()
            .unwrap_or_else(|| (source_code_from_name(source), None, None));
        let name = e.n.trim().to_string();
        if name.is_empty() {
            return Err(ScreenError::BadField {
                file: file.to_string(),
                line: 0,
                field: format!("entries[{i}].n"),
                problem: "the name is empty".to_string(),
            });
        }
        let programs = match &e.pg {
            None => Vec::new(),
            Some(IndexOrList::One(k)) => split_programs(&lookup(i, "pg", &t.programmes, Some(*k))?),
            Some(IndexOrList::Many(ks)) => {
                let mut v = Vec::new();
                for k in ks {
                    v.extend(split_programs(&lookup(i, "pg", &t.programmes, Some(*k))?));
                }
                v
            }
        };
        entries.push(ListEntry {
            source: source.clone(),
            source_code: code,
            name,
            alt_names: e
                .a
                .iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect(),
            entity_type: e.t.clone(),
            countries: e.c.iter().map(|c| c.trim().to_ascii_uppercase()).collect(),
            entity_number: e.e.clone(),
            programs,
            license_requirement: lookup(i, "lr", &t.licence_requirements, e.lr)?,
            license_policy: lookup(i, "lp", &t.licence_policies, e.lp)?,
            federal_register: e.fr.clone(),
            start_date: None,
            source_url: lookup(i, "u", &t.urls, e.u)?,
            citation,
            effect,
            note: None,
            ids: Vec::new(),
        });
    }
    if entries.is_empty() {
        return Err(ScreenError::NoEntries(file.to_string()));
    }
    if let Some(n) = compact.entry_count {
        if n != entries.len() {
            return Err(ScreenError::BadField {
                file: file.to_string(),
                line: 0,
                field: "entryCount".to_string(),
                problem: format!("declares {n} entries but the file holds {}", entries.len()),
            });
        }
    }
    let snapshot = ListSnapshot::from_entries(bytes, compact.source_generated_at.clone().unwrap_or_default(), entries);
    if let Some(declared) = &compact.counts_by_source {
        for (source, &n) in declared {
            let code = authority
                .get(source.as_str())
                .map(|a| a.0.clone())
                .unwrap_or_else(|| source_code_from_name(source));
            let found = snapshot.counts_by_source.get(&code).copied().unwrap_or(0);
            if found != n {
                return Err(ScreenError::BadField {
                    file: file.to_string(),
                    line: 0,
                    field: "countsBySource".to_string(),
                    problem: format!("declares {n} entries for `{source}` but the file holds {found}"),
                });
            }
        }
    }
    Ok(snapshot)
}

fn split_programs(p: &Option<String>) -> Vec<String> {
    match p {
        None => Vec::new(),
        Some(s) => s
            .split(';')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

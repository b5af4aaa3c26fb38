//! UN Security Council consolidated list, XML (`CONSOLIDATED_LIST` with `INDIVIDUALS` and
//! `ENTITIES`).

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::country::CountryTable;
use crate::error::ScreenError;
use crate::loaders::{check_utf8, strip_bom};
use crate::model::{ListEntry, ListSnapshot};

const SOURCE: &str = "UN Security Council Consolidated List";

/// Loads the UN consolidated XML. Individuals are named FIRST..FOURTH_NAME joined by spaces;
/// aliases (`ALIAS_NAME`, all qualities) and `NAME_ORIGINAL_SCRIPT` become alternate names;
/// `REFERENCE_NUMBER` is the entity number; nationalities and address countries (names) are
/// mapped to ISO-2 codes. `dateGenerated` is the source date. Ill-formed or truncated XML is
/// refused with the byte offset.
/// Country names are read with the embedded country table ([`crate::ListLoader`] takes another).
pub fn load_un_xml(file: &str, bytes: &[u8]) -> Result<ListSnapshot, ScreenError> {
    read(file, bytes, CountryTable::embedded()?)
}

pub(crate) fn read(file: &str, bytes: &[u8], countries: &CountryTable) -> Result<ListSnapshot, ScreenError> {
    let body = strip_bom(bytes);
    check_utf8(file, body)?;
    let mut reader = Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut date = String::new();
    let mut entries: Vec<ListEntry> = Vec::new();
    let mut cur: Option<Party> = None;
    let mut saw_root = false;
    let err = |reader: &Reader<&[u8]>, problem: String| ScreenError::Xml {
        file: file.to_string(),
        offset: reader.buffer_position(),
        problem,
    };
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| ScreenError::Xml {
            file: file.to_string(),
            offset: reader.error_position(),
            problem: e.to_string().to_lowercase(),
        })?;
        match ev {
            Event::Start(s) => {
                let name = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    if name != "CONSOLIDATED_LIST" {
                        return Err(err(
                            &reader,
                            format!("the root element is `{name}`, expected `CONSOLIDATED_LIST`"),
                        ));
                    }
                    saw_root = true;
                    if let Ok(Some(a)) = s.try_get_attribute("dateGenerated") {
                        date = String::from_utf8_lossy(&a.value).into_owned();
                    }
                }
                if name == "INDIVIDUAL" || name == "ENTITY" {
                    cur = Some(Party {
                        individual: name == "INDIVIDUAL",
                        ..Party::default()
                    });
                }
                stack.push(name);
                text.clear();
            }
            Event::Empty(_) => {}
            Event::Text(t) => {
                let s = t.decode().map_err(|e| err(&reader, e.to_string().to_lowercase()))?;
                text.push_str(&s);
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| err(&reader, e.to_string().to_lowercase()))?;
                text.push_str(&s);
            }
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = r.decode().map_err(|e| err(&reader, e.to_string().to_lowercase()))?;
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(v) => text.push_str(v),
                        None => return Err(err(&reader, format!("unknown entity `&{name};`"))),
                    }
                }
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return Err(err(&reader, "an end tag without a start tag".to_string()));
                };
                let parent = stack.last().map(String::as_str).unwrap_or("");
                let value = text.trim().to_string();
                text.clear();
                if let Some(p) = cur.as_mut() {
                    match (parent, name.as_str()) {
                        ("INDIVIDUAL" | "ENTITY", "FIRST_NAME") => p.names[0] = value,
                        ("INDIVIDUAL", "SECOND_NAME") => p.names[1] = value,
                        ("INDIVIDUAL", "THIRD_NAME") => p.names[2] = value,
                        ("INDIVIDUAL", "FOURTH_NAME") => p.names[3] = value,
                        ("INDIVIDUAL" | "ENTITY", "REFERENCE_NUMBER") => p.reference = value,
                        ("INDIVIDUAL" | "ENTITY", "UN_LIST_TYPE") => p.program = value,
                        ("INDIVIDUAL" | "ENTITY", "NAME_ORIGINAL_SCRIPT") if !value.is_empty() => p.aliases.push(value),
                        ("INDIVIDUAL_ALIAS" | "ENTITY_ALIAS", "ALIAS_NAME") if !value.is_empty() => {
                            p.aliases.push(value)
                        }
                        ("NATIONALITY", "VALUE") | ("INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS", "COUNTRY") => {
                            if let Some(c) = countries.code(&value) {
                                if !p.countries.iter().any(|x| x == c) {
                                    p.countries.push(c.to_string());
                                }
                            }
                        }
                        _ => {}
                    }
                }
                if name == "INDIVIDUAL" || name == "ENTITY" {
                    if let Some(p) = cur.take() {
                        let full = p
                            .names
                            .iter()
                            .filter(|n| !n.is_empty())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" ");
                        if full.is_empty() {
                            return Err(err(
                                &reader,
                                format!("{} `{}` has no name", name.to_lowercase(), p.reference),
                            ));
                        }
                        let mut alt: Vec<String> = Vec::new();
                        for a in p.aliases {
                            if a != full && !alt.contains(&a) {
                                alt.push(a);
                            }
                        }
                        entries.push(ListEntry {
                            source: SOURCE.to_string(),
                            source_code: "UN".to_string(),
                            name: full,
                            alt_names: alt,
                            entity_type: Some(if p.individual { "Individual" } else { "Entity" }.to_string()),
                            countries: p.countries,
                            entity_number: if p.reference.is_empty() {
                                None
                            } else {
                                Some(p.reference)
                            },
                            programs: if p.program.is_empty() {
                                Vec::new()
                            } else {
                                vec![p.program]
                            },
                            source_url: Some(
                                "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list".to_string(),
                            ),
                            citation: Some("UN Security Council resolutions (Chapter VII)".to_string()),
                            effect: Some(
                                "Asset freeze, travel ban and arms embargo as the listing resolution states."
                                    .to_string(),
                            ),
                            ..ListEntry::default()
                        });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(ScreenError::Xml {
            file: file.to_string(),
            offset: body.len() as u64,
            problem: format!("the XML ends inside `<{}>` (truncated file?)", stack.join("><")),
        });
    }
    if !saw_root {
        return Err(ScreenError::Xml {
            file: file.to_string(),
            offset: 0,
            problem: "no `CONSOLIDATED_LIST` element".to_string(),
        });
    }
    if entries.is_empty() {
        return Err(ScreenError::NoEntries(file.to_string()));
    }
    Ok(ListSnapshot::from_entries(bytes, date, entries))
}

#[derive(Default)]
struct Party {
    individual: bool,
    names: [String; 4],
    reference: String,
    program: String,
    aliases: Vec<String>,
    countries: Vec<String>,
}

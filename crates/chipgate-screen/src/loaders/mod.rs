//! Loaders for the list formats. Each takes the file's bytes and a file name (for messages)
//! and returns a [`ListSnapshot`]; none touches the file system or the clock.

mod bundled;
mod csl_csv;
mod csl_json;
mod ids;
mod ofac;
mod simple;
mod un_xml;

pub use bundled::{bundled_csl, bundled_list, BundledFile, ListSettings, LIST_SETTINGS_FILE};
pub use csl_csv::load_csl_csv;
pub use csl_json::load_csl_json;
pub use ofac::{load_ofac_legacy, OfacFiles, OfacList};
pub use simple::{load_block_list_csv, load_cleared_csv, ClearedParties, ClearedParty};
pub use un_xml::load_un_xml;

use crate::country::CountryTable;
use crate::error::ScreenError;
use crate::model::ListSnapshot;

/// List file formats [`load_list`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// The compacted CSL JSON (`fieldKey`/`tables`/`entries`), like the bundled snapshot.
    CslJson,
    /// trade.gov CSL CSV, either layout (with or without `_id`).
    CslCsv,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// `name,country,note` CSV: a company's own block list.
    SimpleCsv,
    /// An OFAC legacy primary file alone (`sdn.csv` or `cons_prim.csv`: no header, a number in
    /// the first field). Load it with its `alt`/`add` files through [`load_ofac_legacy`] to get
    /// aliases and countries.
    OfacPrimary,
}

/// Guesses the format of a list file from its first bytes.
pub fn detect_format(file: &str, bytes: &[u8]) -> Result<ListFormat, ScreenError> {
    let head = strip_bom(bytes);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let head = &head[start..];
    let first_line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let first_line = String::from_utf8_lossy(&head[..first_line_end.min(4096)]).to_ascii_lowercase();
    if head.starts_with(b"{") {
        return Ok(ListFormat::CslJson);
    }
    if head.starts_with(b"<") {
        return Ok(ListFormat::UnXml);
    }
    // The first record, parsed as CSV: OFAC's `cons_prim.csv` quotes names with commas
    // ("HANIYA, Ismail Abdul Salah") on its first line.
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(first_line.trim_end_matches('\r').as_bytes());
    let mut rec = csv::StringRecord::new();
    let cols: Vec<String> = match rdr.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|c| c.trim().to_string()).collect(),
        _ => Vec::new(),
    };
    if cols.iter().any(|c| c == "source") && cols.iter().any(|c| c == "name") {
        return Ok(ListFormat::CslCsv);
    }
    if cols.first().map(String::as_str) == Some("name") {
        return Ok(ListFormat::SimpleCsv);
    }
    if cols.len() == 12
        && cols
            .first()
            .map(|c| !c.is_empty() && c.chars().all(|d| d.is_ascii_digit()))
            == Some(true)
    {
        return Ok(ListFormat::OfacPrimary);
    }
    Err(ScreenError::UnknownFormat(file.to_string()))
}

/// Reads list files with one country table, which turns the country names the lists write
/// into ISO codes. The engine makes one from its data source (so `--data-dir` replaces the
/// table for screening as for decisions); the free functions ([`load_list`], ...) read with
/// the embedded table.
#[derive(Debug, Clone, Copy)]
pub struct ListLoader<'a> {
    countries: &'a CountryTable,
}

impl<'a> ListLoader<'a> {
    /// A loader reading country names with `countries`.
    pub fn new(countries: &'a CountryTable) -> ListLoader<'a> {
        ListLoader { countries }
    }

    /// A loader with the embedded country table.
    pub fn embedded() -> Result<ListLoader<'static>, ScreenError> {
        Ok(ListLoader::new(CountryTable::embedded()?))
    }

    /// Loads one list file of any single-file format ([`detect_format`]); `source_date` is
    /// used where the file carries no date of its own (CSV formats).
    ///
    /// An OFAC legacy primary file alone loads without aliases and countries; the full set
    /// (`sdn`/`alt`/`add`) goes through [`ListLoader::ofac_legacy`].
    pub fn list(&self, file: &str, bytes: &[u8], source_date: &str) -> Result<ListSnapshot, ScreenError> {
        match detect_format(file, bytes)? {
            ListFormat::CslJson => load_csl_json(file, bytes),
            ListFormat::CslCsv => load_csl_csv(file, bytes, source_date),
            ListFormat::UnXml => un_xml::read(file, bytes, self.countries),
            ListFormat::SimpleCsv => simple::read_block_list(file, bytes, source_date, self.countries),
            ListFormat::OfacPrimary => {
                let list = if file.to_ascii_lowercase().contains("cons") {
                    OfacList::NonSdn
                } else {
                    OfacList::Sdn
                };
                let files = OfacFiles {
                    primary: (file, bytes),
                    alt: None,
                    add: None,
                };
                ofac::read(files, list, source_date, self.countries)
            }
        }
    }

    /// Loads an OFAC legacy CSV set ([`load_ofac_legacy`]).
    pub fn ofac_legacy(
        &self,
        files: OfacFiles<'_>,
        list: OfacList,
        source_date: &str,
    ) -> Result<ListSnapshot, ScreenError> {
        ofac::read(files, list, source_date, self.countries)
    }

    /// Loads a cleared-parties list ([`load_cleared_csv`]).
    pub fn cleared_csv(&self, file: &str, bytes: &[u8]) -> Result<ClearedParties, ScreenError> {
        simple::read_cleared(file, bytes, self.countries)
    }
}

/// Loads one list file of any single-file format with the embedded country table
/// ([`ListLoader::list`]).
pub fn load_list(file: &str, bytes: &[u8], source_date: &str) -> Result<ListSnapshot, ScreenError> {
    ListLoader::embedded()?.list(file, bytes, source_date)
}

pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes)
}

/// Checks that `bytes` are UTF-8, naming the line and byte offset of the first bad byte.
pub(crate) fn check_utf8<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, ScreenError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let offset = e.valid_up_to();
            let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u64;
            Err(ScreenError::InvalidUtf8 {
                file: file.to_string(),
                line,
                offset: offset as u64,
            })
        }
    }
}

/// 1-based line numbers of records in a file, counting line feeds: the csv crate's own line
/// counter falls behind on CRLF files (the OFAC legacy CSVs), so loaders number lines from
/// the record's byte offset instead. Offsets are expected in
/// increasing order (a smaller one recounts from the start).
pub(crate) struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines { bytes, at: 0, line: 1 }
    }

    /// The line of the record that starts at byte offset `byte`. On CRLF files the csv
    /// crate puts a record's start at the line feed of the line end before it, so line ends
    /// at the offset are skipped first.
    pub(crate) fn at(&mut self, byte: u64) -> u64 {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte < self.at {
            self.at = 0;
            self.line = 1;
        }
        let seen = self.bytes.get(self.at..byte).unwrap_or_default();
        self.line += seen.iter().filter(|&&b| b == b'\n').count() as u64;
        self.at = byte;
        self.line
    }

    /// The line a record starts on.
    pub(crate) fn of(&mut self, rec: &csv::ByteRecord) -> u64 {
        match rec.position() {
            Some(p) => self.at(p.byte()),
            None => 0,
        }
    }

    fn of_pos(&mut self, pos: Option<&csv::Position>) -> Option<u64> {
        pos.map(|p| self.at(p.byte()))
    }
}

/// Converts a csv crate error of a stream (no bytes to count lines in) to ours, with the csv
/// crate's line number.
pub(crate) fn csv_stream_error(file: &str, e: &csv::Error) -> ScreenError {
    convert_csv_error(file, e, &mut |pos| pos.map(csv::Position::line))
}

/// Converts a csv crate error to ours, with the line number counted by `lines`.
pub(crate) fn csv_error(file: &str, lines: &mut Lines<'_>, e: &csv::Error) -> ScreenError {
    convert_csv_error(file, e, &mut |pos| lines.of_pos(pos))
}

fn convert_csv_error(
    file: &str,
    e: &csv::Error,
    line_of: &mut dyn FnMut(Option<&csv::Position>) -> Option<u64>,
) -> ScreenError {
    let line = line_of(e.position()).unwrap_or(0);
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => ScreenError::InvalidUtf8 {
            file: file.to_string(),
            line: line_of(pos.as_ref()).unwrap_or(line),
            offset: pos.as_ref().map(|p| p.byte()).unwrap_or(0),
        },
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => ScreenError::FieldCount {
            file: file.to_string(),
            line: line_of(pos.as_ref()).unwrap_or(line),
            expected: *expected_len as usize,
            found: *len as usize,
        },
        csv::ErrorKind::Io(io) => ScreenError::Io {
            file: file.to_string(),
            problem: io.to_string().to_lowercase(),
        },
        _ => ScreenError::Csv {
            file: file.to_string(),
            line,
            problem: e.to_string().to_lowercase(),
        },
    }
}

/// A UTF-8 field of a byte record (trimmed; empty when absent), or an error naming the file,
/// line and byte offset of the bad byte.
pub(crate) fn field<'r>(file: &str, rec: &'r csv::ByteRecord, i: usize) -> Result<&'r str, ScreenError> {
    let raw = rec.get(i).unwrap_or(b"");
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(s.trim()),
        Err(e) => {
            let pos = rec.position();
            Err(ScreenError::InvalidUtf8 {
                file: file.to_string(),
                line: pos.map(|p| p.line()).unwrap_or(0),
                offset: pos.map(|p| p.byte()).unwrap_or(0) + e.valid_up_to() as u64,
            })
        }
    }
}

/// Splits a `; `-separated list field, dropping empty parts.
pub(crate) fn split_list(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// `Some(trimmed)` unless empty.
pub(crate) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

//! Batch screening (streamed CSV, parallel slices) and the name-pair evaluation interface.

use std::io::{Read, Write};
use std::sync::OnceLock;

use crate::error::ScreenError;
use crate::hash::FxHashMap;
use crate::index::{score_pair_with, Query, ScreenOptions, ScreeningIndex};
use crate::loaders::bundled_csl;
use crate::normalize::{normalize_variants, validate_name, TokenKind};
use crate::report::{PairScore, ScreenReport};
use crate::scoring::{org_evidence, token_weights};

/// One row of a batch file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// 1-based line in the file.
    pub line: u64,
    /// Name to screen.
    pub name: String,
    /// Country, if the file has a `country` column (or a second column without header).
    pub country: Option<String>,
}

/// Progress of a streamed batch, handed to the progress callback after each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchProgress {
    /// Rows read so far.
    pub rows: u64,
    /// Bytes of the input consumed so far (compare with the file size for a progress bar).
    pub bytes: u64,
}

/// Reads `name[,country]` rows from CSV. A first row whose first field is `name` is a header
/// (and may name the `country` column anywhere); without a header the first column is the
/// name and the second, if present, the country.
pub struct BatchReader<R: Read> {
    file: String,
    rdr: csv::Reader<R>,
    rec: csv::ByteRecord,
    name_col: usize,
    country_col: Option<usize>,
    started: bool,
    pending: Option<csv::ByteRecord>,
    rows: u64,
}

impl<R: Read> BatchReader<R> {
    /// Wraps a reader; `file` names it in messages.
    pub fn new(file: &str, reader: R) -> Self {
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        Self {
            file: file.to_string(),
            rdr,
            rec: csv::ByteRecord::new(),
            name_col: 0,
            country_col: Some(1),
            started: false,
            pending: None,
            rows: 0,
        }
    }

    /// Progress so far.
    pub fn progress(&self) -> BatchProgress {
        BatchProgress {
            rows: self.rows,
            bytes: self.rdr.position().byte(),
        }
    }

    fn read(&mut self) -> Option<Result<csv::ByteRecord, ScreenError>> {
        if let Some(p) = self.pending.take() {
            return Some(Ok(p));
        }
        match self.rdr.read_byte_record(&mut self.rec) {
            Ok(true) => Some(Ok(self.rec.clone())),
            Ok(false) => None,
            Err(e) => Some(Err(crate::loaders::csv_stream_error(&self.file, &e))),
        }
    }
}

impl<R: Read> Iterator for BatchReader<R> {
    type Item = Result<BatchRow, ScreenError>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.started {
            self.started = true;
            let first = match self.read()? {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            let cols: Vec<String> = first
                .iter()
                .map(|c| String::from_utf8_lossy(c).trim().to_ascii_lowercase())
                .collect();
            if cols.first().map(String::as_str) == Some("name") {
                self.country_col = cols.iter().position(|c| c == "country");
            } else {
                self.pending = Some(first);
            }
        }
        loop {
            let rec = match self.read()? {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            self.rows += 1;
            let get = |i: usize| -> Result<String, ScreenError> {
                let raw = rec.get(i).unwrap_or(b"");
                std::str::from_utf8(raw)
                    .map(|s| s.trim().to_string())
                    .map_err(|e| ScreenError::InvalidUtf8 {
                        file: self.file.clone(),
                        line,
                        offset: rec.position().map(|p| p.byte()).unwrap_or(0) + e.valid_up_to() as u64,
                    })
            };
            let name = match get(self.name_col) {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            let country = match self.country_col {
                Some(c) => match get(c) {
                    Ok(s) if s.is_empty() => None,
                    Ok(s) => Some(s),
                    Err(e) => return Some(Err(e)),
                },
                None => None,
            };
            return Some(Ok(BatchRow { line, name, country }));
        }
    }
}

/// Streams a batch file through the index: one report (or a row error naming the line) per
/// row, in file order; `progress` is called after every row.
pub fn screen_batch<'i, R: Read + 'i, F: FnMut(BatchProgress) + 'i>(
    index: &'i ScreeningIndex,
    file: &str,
    reader: R,
    options: ScreenOptions,
    mut progress: F,
) -> impl Iterator<Item = Result<ScreenReport, ScreenError>> + 'i {
    let mut rows = BatchReader::new(file, reader);
    let file = file.to_string();
    std::iter::from_fn(move || {
        let row = rows.next()?;
        let out = row.and_then(|r| {
            index
                .screen(
                    Query {
                        name: &r.name,
                        country: r.country.as_deref(),
                    },
                    options,
                )
                .map_err(|e| ScreenError::BadField {
                    file: file.clone(),
                    line: r.line,
                    field: "name".to_string(),
                    problem: e.to_string(),
                })
        });
        progress(rows.progress());
        Some(out)
    })
}

/// Screens many parties on `threads` threads (scoped; the index is shared). Results are in
/// input order.
pub fn screen_many(
    index: &ScreeningIndex,
    queries: &[(String, Option<String>)],
    options: ScreenOptions,
    threads: usize,
) -> Vec<Result<ScreenReport, ScreenError>> {
    let threads = threads.max(1);
    if threads == 1 || queries.len() < 2 {
        return queries
            .iter()
            .map(|(n, c)| {
                index.screen(
                    Query {
                        name: n,
                        country: c.as_deref(),
                    },
                    options,
                )
            })
            .collect();
    }
    let chunk = queries.len().div_ceil(threads);
    let mut parts: Vec<Vec<Result<ScreenReport, ScreenError>>> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = queries
            .chunks(chunk)
            .map(|qs| {
                s.spawn(move || {
                    qs.iter()
                        .map(|(n, c)| {
                            index.screen(
                                Query {
                                    name: n,
                                    country: c.as_deref(),
                                },
                                options,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(v) => parts.push(v),
                Err(_) => parts.push(Vec::new()),
            }
        }
    });
    parts.into_iter().flatten().collect()
}

/// Token frequencies of the bundled CSL, used by [`score_pair`] to weigh rare words more.
struct Stats {
    df: FxHashMap<Box<str>, u32>,
    n: u32,
    /// Evidence of each word for an organisation's name ([`org_evidence`]).
    org_ev: FxHashMap<Box<str>, f32>,
}

fn bundled_stats() -> &'static Stats {
    static STATS: OnceLock<Stats> = OnceLock::new();
    STATS.get_or_init(|| {
        let mut df: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut n = 0u32;
        // Per word: names of typed organisations and of typed individuals holding it.
        let mut kinds: FxHashMap<Box<str>, (u32, u32)> = FxHashMap::default();
        let (mut tot_org, mut tot_ind) = (0u32, 0u32);
        if let Ok(snap) = bundled_csl() {
            for e in &snap.entries {
                let individual = e.entity_type.as_deref().map(|t| t == "Individual");
                for name in e.all_names() {
                    for v in normalize_variants(name) {
                        n += 1;
                        match individual {
                            Some(true) => tot_ind += 1,
                            Some(false) => tot_org += 1,
                            None => {}
                        }
                        let mut seen: Vec<&str> = Vec::new();
                        for t in &v.tokens {
                            if !seen.contains(&t.text.as_str()) {
                                seen.push(&t.text);
                                *df.entry(t.text.clone().into_boxed_str()).or_insert(0) += 1;
                                if let Some(ind) = individual {
                                    let c = kinds.entry(t.text.clone().into_boxed_str()).or_insert((0, 0));
                                    if ind {
                                        c.1 += 1;
                                    } else {
                                        c.0 += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let org_ev = kinds
            .into_iter()
            .map(|(t, (o, i))| (t, org_evidence(o, i, tot_org, tot_ind)))
            .collect();
        Stats { df, n, org_ev }
    })
}

/// Scores two names (token weights from the bundled CSL), returning `(score, match)` where
/// match means score ≥ [`crate::DEFAULT_THRESHOLD`]. A name that is empty, has no letters or
/// digits, or is too long scores 0. The evaluation interface behind `chipgate screen pairs`.
pub fn score_pair(a: &str, b: &str) -> (f64, bool) {
    if validate_name(a).is_err() || validate_name(b).is_err() {
        return (0.0, false);
    }
    let st = bundled_stats();
    let p = score_pair_with(
        a,
        b,
        |t: &str, k: TokenKind| token_weights(k, st.df.get(t).copied().unwrap_or(0), st.n),
        |t: &str| st.org_ev.get(t).copied().unwrap_or(0.0),
        false,
    );
    (p.score, p.is_match)
}

/// Like [`score_pair`], with the reasons, and an error for bad names.
pub fn try_score_pair(a: &str, b: &str) -> Result<PairScore, ScreenError> {
    validate_name(a)?;
    validate_name(b)?;
    let st = bundled_stats();
    Ok(score_pair_with(
        a,
        b,
        |t: &str, k: TokenKind| token_weights(k, st.df.get(t).copied().unwrap_or(0), st.n),
        |t: &str| st.org_ev.get(t).copied().unwrap_or(0.0),
        true,
    ))
}

/// Reads `name1,name2` rows (a header row `name1,name2` is skipped; extra columns are
/// ignored). Each item is `(line, name1, name2)` or an error naming the line.
pub fn parse_pairs_csv<R: Read>(
    file: &str,
    reader: R,
) -> impl Iterator<Item = Result<(u64, String, String), ScreenError>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let file = file.to_string();
    let mut rec = csv::ByteRecord::new();
    let mut first = true;
    std::iter::from_fn(move || loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(Err(crate::loaders::csv_stream_error(&file, &e))),
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let is_first = first;
        first = false;
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let f = |i: usize| std::str::from_utf8(rec.get(i).unwrap_or(b"")).map(|s| s.trim().to_string());
        let (a, b) = match (f(0), f(1)) {
            (Ok(a), Ok(b)) => (a, b),
            _ => {
                return Some(Err(ScreenError::InvalidUtf8 {
                    file: file.clone(),
                    line,
                    offset: rec.position().map(|p| p.byte()).unwrap_or(0),
                }))
            }
        };
        if is_first && a.eq_ignore_ascii_case("name1") && b.eq_ignore_ascii_case("name2") {
            continue;
        }
        if rec.len() < 2 {
            return Some(Err(ScreenError::FieldCount {
                file: file.clone(),
                line,
                expected: 2,
                found: rec.len(),
            }));
        }
        return Some(Ok((line, a, b)));
    })
}

/// The `screen pairs` command: reads `name1,name2` rows from `input` and writes
/// `name1,name2,score,match` (header included; score with four decimals; match at the default
/// threshold) to `output`. Returns the number of pairs. Stops at the first malformed row.
pub fn run_pairs<R: Read, W: Write>(file: &str, input: R, output: W) -> Result<usize, ScreenError> {
    let mut w = csv::Writer::from_writer(output);
    let io = |e: csv::Error| ScreenError::Io {
        file: "output".to_string(),
        problem: e.to_string().to_lowercase(),
    };
    w.write_record(["name1", "name2", "score", "match"]).map_err(io)?;
    let mut n = 0;
    for row in parse_pairs_csv(file, input) {
        let (_, a, b) = row?;
        let (s, m) = score_pair(&a, &b);
        w.write_record([
            a.as_str(),
            b.as_str(),
            &format!("{s:.4}"),
            if m { "true" } else { "false" },
        ])
        .map_err(io)?;
        n += 1;
    }
    w.flush().map_err(|e| ScreenError::Io {
        file: "output".to_string(),
        problem: e.to_string().to_lowercase(),
    })?;
    Ok(n)
}

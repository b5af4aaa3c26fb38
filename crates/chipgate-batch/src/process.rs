//! One worker's share: records in, output and error rows out (in input order), with memoized
//! determinations and screening.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;

use std::cell::RefCell;

use chipgate_engine::Date;
use chipgate_engine::{
    DecideError, Decision, LicenseOutcome, ListedParty, Ownership, PartyLookup, Request, ReviewPolicy,
};
use chipgate_engine::{Engine, EngineError, ListLookup, OrderCheck, OrderLine, PreparedOrder};
use chipgate_engine::{ScreenReport, ScreeningIndex, DEFAULT_THRESHOLD};
use chipgate_ledger::{Disposition, Ledger, Timestamp};
use serde::{Deserialize, Serialize};

use crate::cache::{BoundedCache, CacheStats};
use crate::order::{Column, Columns, LineError, OrderRow};
use crate::reader::{push_field, split_fields, RawRecord};
use crate::BatchError;
use chipgate_engine::Classification;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// One CSV row per line: the input columns and the determination's summary.
    #[default]
    Csv,
    /// One JSON object per line, with the full decision object.
    Jsonl,
}

/// Recording every line in the ledger (`--record`).
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// Ledger URL (`sqlite://PATH` or `postgres://…`); each worker opens its own connection.
    pub db_url: String,
    /// Who is recording (audit trail).
    pub user: String,
    /// Time of the check (the caller reads the clock).
    pub now: Timestamp,
    /// Prefix of the `order_ref` of lines without one: the reference is `PREFIX:LINE`.
    pub ref_prefix: String,
    /// Why lines dated before today are recorded now (`--backdated`): needed by those that
    /// would ship against a license that has expired by today.
    pub backdated: Option<String>,
}

/// Lines recorded per ledger transaction (group commit): each keeps its own audit record, the
/// chain's head is updated once per group, and the write lock is held for one group's writes
/// only (the lines are decided and screened before it is taken).
pub const RECORD_GROUP: usize = 256;

/// What every worker needs to know.
#[derive(Clone, Debug)]
pub struct ProcessOptions {
    /// Output format.
    pub format: OutputFormat,
    /// Date of lines without one.
    pub default_date: Date,
    /// Entries per cache (determinations, screening, list look-ups), shared by the workers;
    /// 0 turns memoization off.
    pub cache_capacity: usize,
    /// Record in the ledger.
    pub record: Option<RecordOptions>,
}

/// The dates on which any input of a determination may change
/// ([`chipgate_engine::Decider::event_dates`]). Between two consecutive breakpoints every determination is the
/// same (this is what `chipgate timeline` relies on), so determinations are memoized per
/// *period* rather than per date.
#[derive(Clone, Debug)]
pub struct Periods(Vec<Date>);

impl Periods {
    /// The breakpoints of the engine's data.
    pub fn of(engine: &Engine) -> Periods {
        Periods(engine.decider().event_dates())
    }

    /// The period a date falls in (0 before the first breakpoint).
    pub fn period(&self, date: Date) -> usize {
        self.0.partition_point(|d| *d <= date)
    }

    /// The breakpoints.
    pub fn dates(&self) -> &[Date] {
        &self.0
    }
}

/// The part of a decision a batch line reports (the same for every date of a period).
#[derive(Clone, Debug, PartialEq)]
pub struct Determination {
    /// Destination code as resolved.
    pub destination: String,
    /// The end user's headquarters country as resolved (its screening country hint).
    pub end_user_hq: Option<&'static str>,
    /// ECCN paragraphs.
    pub eccn: &'static [&'static str],
    /// Outcome.
    pub outcome: LicenseOutcome,
    /// License required.
    pub license_required: bool,
    /// Review policy.
    pub review_policy: Option<ReviewPolicy>,
    /// Reason ids (requirements, `listed-party`), first occurrence order.
    pub reasons: Vec<&'static str>,
    /// Exception symbols available.
    pub exceptions: Vec<String>,
    /// The CSV fields `eccn,outcome,license_required,review_policy,reasons,exceptions`,
    /// rendered once.
    pub csv: String,
}

impl Determination {
    /// The summary of a decision.
    pub fn of(d: &Decision) -> Determination {
        let mut reasons: Vec<&'static str> = Vec::new();
        for r in &d.reasons {
            if !reasons.contains(&r.id) {
                reasons.push(r.id);
            }
        }
        let exceptions: Vec<String> = d.exceptions.iter().map(|x| x.symbol.to_string()).collect();
        let mut csv = Vec::new();
        for (i, v) in [
            join(d.eccn),
            d.outcome.as_str().to_owned(),
            d.license_required.to_string(),
            d.review_policy.map(ReviewPolicy::as_str).unwrap_or_default().to_owned(),
            join(&reasons),
            join(&exceptions),
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                csv.push(b',');
            }
            push_field(&mut csv, v);
        }
        Determination {
            destination: d.destination.code.to_string(),
            end_user_hq: d.parties.end_user_hq.as_ref().map(|p| p.code.as_str()),
            eccn: d.eccn,
            outcome: d.outcome,
            license_required: d.license_required,
            review_policy: d.review_policy,
            reasons,
            exceptions,
            csv: String::from_utf8_lossy(&csv).into_owned(),
        }
    }
}

/// One screening hit of a line, as reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HitBrief {
    /// `end_user` or `consignee`.
    pub role: &'static str,
    /// The list entry's primary name.
    pub name: String,
    /// The name or alias that matched.
    pub matched: String,
    /// List code (`EL`, `SDN`, …).
    pub list: String,
    /// Score in [0, 1].
    pub score: f64,
}

fn briefs(role: &'static str, report: &ScreenReport) -> Vec<HitBrief> {
    report
        .hits
        .iter()
        .map(|h| HitBrief {
            role,
            name: h.entry.name.clone(),
            matched: h.matched_alias.clone(),
            list: h.list.clone(),
            score: h.score,
        })
        .collect()
}

/// The screenings of one line: (name, country, hits at the floor threshold).
type LineScreenings = Vec<(String, Option<String>, Arc<Vec<ListedParty>>)>;

/// A [`PartyLookup`] over the run's index: each (name, country) is screened once per line,
/// in one pass at the party check's threshold for its lists and the default threshold for
/// the others, memoized across lines, and filtered per call.
struct BatchLookup<'p> {
    index: &'p ScreeningIndex,
    cache: &'p BoundedCache<Arc<Vec<ListedParty>>>,
    /// The party check's lowest threshold, for the lists it screens against; every other
    /// list from the default threshold (the line's screening hits).
    floor: f64,
    lists: &'p [String],
    line: &'p RefCell<LineScreenings>,
}

impl BatchLookup<'_> {
    /// The hits of a name at the floor threshold.
    fn all(&self, name: &str, country: Option<&str>) -> Arc<Vec<ListedParty>> {
        if let Some((_, _, hits)) = self
            .line
            .borrow()
            .iter()
            .find(|(n, c, _)| n == name && c.as_deref() == country)
        {
            return Arc::clone(hits);
        }
        let mut key = String::with_capacity(name.len() + 4);
        push_key(&mut key, Some(name));
        push_key(&mut key, country);
        let lookup = ListLookup(self.index);
        let options = lookup.options(self.floor, self.lists, DEFAULT_THRESHOLD);
        let hits = self
            .cache
            .get_or_try(&key, || {
                Ok::<_, std::convert::Infallible>(Arc::new(lookup.screen_with(name, country, options)))
            })
            .unwrap_or_else(|never| match never {});
        self.line
            .borrow_mut()
            .push((name.to_owned(), country.map(str::to_owned), Arc::clone(&hits)));
        hits
    }
}

impl PartyLookup for BatchLookup<'_> {
    fn screen(&self, name: &str, country: Option<&str>, min_score: f64, lists: &[String]) -> Vec<ListedParty> {
        self.all(name, country)
            .iter()
            .filter(|h| h.score >= min_score && lists.contains(&h.code))
            .cloned()
            .collect()
    }

    fn snapshot_id(&self) -> Option<String> {
        Some(self.index.snapshot_info().id.clone())
    }
}

/// The engine's party check ([`ListLookup`]) memoized per call: a recorded line gets exactly
/// the determination `chipgate order check` would record.
struct MemoLookup<'p> {
    index: &'p ScreeningIndex,
    cache: &'p BoundedCache<Arc<Vec<ListedParty>>>,
}

impl PartyLookup for MemoLookup<'_> {
    fn screen(&self, name: &str, country: Option<&str>, min_score: f64, lists: &[String]) -> Vec<ListedParty> {
        let mut key = String::with_capacity(name.len() + 32);
        push_key(&mut key, Some(name));
        push_key(&mut key, country);
        let _ = write!(key, "{min_score}|");
        for l in lists {
            push_key(&mut key, Some(l));
        }
        self.cache
            .get_or_try(&key, || {
                Ok::<_, std::convert::Infallible>(Arc::new(
                    ListLookup(self.index).screen(name, country, min_score, lists),
                ))
            })
            .map_or_else(|never| match never {}, |hits| hits.as_ref().clone())
    }

    fn snapshot_id(&self) -> Option<String> {
        Some(self.index.snapshot_info().id.clone())
    }
}

/// Counts of a run (or a chunk of it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Input lines (records) processed.
    pub lines: u64,
    /// Lines written to the output.
    pub ok: u64,
    /// Lines written to the errors file.
    pub errors: u64,
    /// Output lines by outcome.
    pub outcomes: BTreeMap<String, u64>,
    /// Output lines with at least one screening hit.
    pub with_hits: u64,
    /// Output lines per reason id.
    pub reasons: BTreeMap<String, u64>,
    /// Error lines per field.
    pub error_fields: BTreeMap<String, u64>,
    /// With `--record`: lines per ledger disposition (`shipped`, `held`).
    pub ledger: BTreeMap<String, u64>,
}

impl Stats {
    /// Adds another count.
    pub fn add(&mut self, other: &Stats) {
        self.lines += other.lines;
        self.ok += other.ok;
        self.errors += other.errors;
        self.with_hits += other.with_hits;
        for (maps, from) in [
            (&mut self.outcomes, &other.outcomes),
            (&mut self.reasons, &other.reasons),
            (&mut self.error_fields, &other.error_fields),
            (&mut self.ledger, &other.ledger),
        ] {
            for (k, v) in from {
                *maps.entry(k.clone()).or_default() += v;
            }
        }
    }

    /// The `n` most frequent reasons, most frequent first.
    pub fn top_reasons(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.reasons.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

/// Cache counts of a worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheReport {
    /// Determinations, keyed by route, the parties' screening hits and period.
    pub decisions: CacheStats,
    /// Screening, keyed by name and country (one screening serves the determination's
    /// party check and the line's screening hits).
    pub screening: CacheStats,
}

/// The memos, shared by all workers of a run.
#[derive(Debug)]
pub struct Caches {
    decisions: BoundedCache<Arc<Determination>>,
    classifications: BoundedCache<Arc<Classification>>,
    screening: BoundedCache<Arc<Vec<ListedParty>>>,
    /// With `--record`: each party's screening report at the default threshold, by name and
    /// country (what the ledger records with the order).
    reports: BoundedCache<Arc<ScreenReport>>,
    /// With `--record`: the engine's own party-check look-ups, by name, country, score and
    /// lists (exactly what `chipgate order check` records, memoized).
    party_checks: BoundedCache<Arc<Vec<ListedParty>>>,
    enabled: bool,
}

impl Caches {
    /// Memos of at most `capacity` entries each; 0 turns memoization off (every line is
    /// decided and screened on its own: the reference the memoized path is tested against).
    pub fn new(capacity: usize) -> Caches {
        Caches {
            decisions: BoundedCache::new(capacity),
            classifications: BoundedCache::new(capacity.min(10_000)),
            screening: BoundedCache::new(capacity),
            reports: BoundedCache::new(capacity),
            party_checks: BoundedCache::new(capacity),
            enabled: capacity > 0,
        }
    }

    /// Counts so far.
    pub fn report(&self) -> CacheReport {
        CacheReport {
            decisions: self.decisions.stats(),
            screening: self.screening.stats(),
        }
    }
}

/// The output of a chunk.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    /// Rows for the output file.
    pub out: Vec<u8>,
    /// Rows for the errors file.
    pub err: Vec<u8>,
    /// Counts.
    pub stats: Stats,
}

/// The header of the output file (empty for JSON lines).
pub fn output_header(format: OutputFormat, record: bool, columns: &Columns) -> Vec<u8> {
    if format == OutputFormat::Jsonl {
        return Vec::new();
    }
    let mut h = String::from("line");
    for c in columns.echoed() {
        h.push(',');
        h.push_str(c.name());
    }
    h.push_str(
        ",eccn,outcome,license_required,review_policy,reasons,exceptions,screening_hits,best_match,best_list,best_score",
    );
    if record {
        h.push_str(",ledger");
    }
    h.push('\n');
    h.into_bytes()
}

/// The header of the errors file.
pub const ERRORS_HEADER: &str = "line,field,reason,record\n";

/// The line's JSON object (`--format jsonl`).
#[derive(Serialize)]
struct JsonRow<'a> {
    line: u64,
    order_ref: Option<&'a str>,
    item: &'a str,
    qty: u64,
    destination: &'a str,
    end_user: Option<&'a str>,
    consignee: Option<&'a str>,
    end_user_hq: Option<&'a str>,
    parent_hq: Option<&'a str>,
    end_use: Option<&'a str>,
    exporter: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    /// The `eccn` column (the exporter's own classification), beside the computed `eccn`.
    #[serde(rename = "eccn_given", skip_serializing_if = "Option::is_none")]
    eccn_given: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    us_person: Option<bool>,
    date: Option<Date>,
    eccn: &'a [&'static str],
    outcome: LicenseOutcome,
    license_required: bool,
    review_policy: Option<ReviewPolicy>,
    reasons: &'a [&'static str],
    exceptions: &'a [String],
    screening_hits: &'a [HitBrief],
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<&'a Disposition>,
    decision: &'a Decision,
}

/// What the processing of one line produced, before rendering.
struct Outcome<'a> {
    det: &'a Determination,
    hits: &'a [HitBrief],
    decision: Option<&'a Decision>,
    ledger: Option<&'a Disposition>,
}

/// One worker: its caches, its ledger connection, its scratch buffers.
pub struct Processor<'e> {
    engine: &'e Engine,
    index: Arc<ScreeningIndex>,
    periods: Arc<Periods>,
    columns: Arc<Columns>,
    /// The columns each output line echoes (`Columns::echoed`), computed once.
    echoed: Vec<Column>,
    options: ProcessOptions,
    caches: Arc<Caches>,
    ledger: Option<Ledger>,
    key: String,
    fields: Vec<String>,
    /// The screenings of the line being processed (name, country, hits at the floor).
    line_screenings: RefCell<LineScreenings>,
    /// The lists the party check screens against.
    screened_lists: Vec<String>,
}

impl std::fmt::Debug for Processor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A line error from a failed determination, naming the field where it can.
pub fn decide_error(e: &DecideError) -> LineError {
    match e {
        DecideError::UnknownCountry { field, .. } | DecideError::Invalid { field, .. } => {
            LineError::new(field.clone(), e.to_string())
        }
        DecideError::Classify(_) => LineError::new("item", e.to_string()),
        _ => LineError::new("decision", e.to_string()),
    }
}

fn engine_error(e: EngineError) -> Result<LineError, BatchError> {
    match e {
        EngineError::Decide(d) => Ok(decide_error(&d)),
        EngineError::Screen(s) => Ok(LineError::new("screening", s.to_string())),
        EngineError::Invalid { field, message } => Ok(LineError::new(field, message)),
        EngineError::Ledger(l) if l.is_fatal() => Err(BatchError::Ledger(l)),
        EngineError::Ledger(l) => Ok(LineError::new("ledger", l.to_string())),
    }
}

/// Appends every field of the request that the determination reads, except the party names,
/// which the caller appends as their screening signatures (two names with the same hits share
/// a determination). The destructuring lists every field, so a field added to [`Request`]
/// does not compile here until it is given its place in the key.
fn push_request_key(key: &mut String, request: &Request) {
    let Request {
        destination,
        // Recorded, validated (at least 1), not an input of the determination's answer.
        quantity: _,
        end_user: _,
        consignee: _,
        end_user_hq,
        parent_hq,
        end_use,
        exporter,
        as_written,
        region,
        eccn,
        us_person,
        owners,
    } = request;
    for v in [
        Some(destination.as_str()),
        end_user_hq.as_deref(),
        parent_hq.as_deref(),
        end_use.as_deref(),
        exporter.as_deref(),
        region.as_deref(),
        eccn.as_deref(),
    ] {
        push_key(key, v);
    }
    let _ = write!(
        key,
        "{}{}",
        u8::from(*as_written),
        us_person.map_or('-', |p| if p { 'y' } else { 'n' })
    );
    for Ownership {
        party,
        owner,
        percent,
        source,
    } in owners
    {
        push_key(key, party.as_deref());
        push_key(key, Some(owner));
        let _ = write!(key, "{percent:?}");
        push_key(key, source.as_deref());
    }
}

fn push_key(key: &mut String, value: Option<&str>) {
    match value {
        None => key.push('-'),
        Some(v) => {
            let _ = write!(key, "{}:{v}", v.len());
        }
    }
}

impl<'e> Processor<'e> {
    /// A worker; opens its ledger connection when recording.
    pub fn new(
        engine: &'e Engine,
        periods: Arc<Periods>,
        columns: Arc<Columns>,
        caches: Arc<Caches>,
        options: ProcessOptions,
    ) -> Result<Processor<'e>, BatchError> {
        let index = engine.lists().map_err(|e| BatchError::Engine(e.to_string()))?;
        let ledger = match &options.record {
            Some(r) => Some(Ledger::open(&r.db_url)?),
            None => None,
        };
        Ok(Processor {
            engine,
            index,
            periods,
            echoed: columns.echoed(),
            columns,
            options,
            caches,
            ledger,
            key: String::new(),
            fields: Vec::new(),
            line_screenings: RefCell::new(Vec::new()),
            screened_lists: engine.decider().party_rules().screened_lists(),
        })
    }

    /// Processes records in order.
    pub fn process(&mut self, records: &[RawRecord]) -> Result<ChunkOutput, BatchError> {
        let mut out = ChunkOutput::default();
        if self.options.record.is_some() {
            for group in records.chunks(RECORD_GROUP) {
                self.record_group(group, &mut out)?;
            }
            return Ok(out);
        }
        for rec in records {
            out.stats.lines += 1;
            match self.line(rec, &mut out)? {
                Ok(()) => out.stats.ok += 1,
                Err(e) => {
                    out.stats.errors += 1;
                    *out.stats.error_fields.entry(e.field.clone()).or_default() += 1;
                    write_error(&mut out.err, rec, &e);
                }
            }
        }
        Ok(out)
    }

    fn line(&mut self, rec: &RawRecord, out: &mut ChunkOutput) -> Result<Result<(), LineError>, BatchError> {
        let mut fields = std::mem::take(&mut self.fields);
        let row = split_fields(&rec.bytes, &mut fields)
            .map_err(|e| LineError::new("record", e.to_string()))
            .and_then(|()| OrderRow::parse(&self.columns, rec.line, &fields, self.options.default_date));
        self.fields = fields;
        let row = match row {
            Ok(row) => row,
            Err(e) => return Ok(Err(e)),
        };
        let item = match self.engine.classifier().catalog().get(&row.item) {
            Ok(item) => item,
            Err(e) => return Ok(Err(LineError::new("item", e.to_string()))),
        };
        let date = row.date.unwrap_or(self.options.default_date);
        let det = match self.determination(&row, item, date) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let hits = self.screen(&row, det.end_user_hq);
        let full;
        let decision = if self.options.format == OutputFormat::Jsonl {
            full = match self.engine.decide(item, &row.request, date) {
                Ok(d) => d,
                Err(e) => return Ok(Err(engine_error(e)?)),
            };
            Some(&full)
        } else {
            None
        };
        let o = Outcome {
            det: &det,
            hits: &hits,
            decision,
            ledger: None,
        };
        render(&row, &o, &self.echoed, self.options.format, false, out)?;
        Ok(Ok(()))
    }

    /// The party lookup of this line: one screening per name and country, shared by the
    /// determination's party check and the line's screening hits, memoized across lines.
    fn lookup(&self) -> BatchLookup<'_> {
        BatchLookup {
            index: &self.index,
            cache: &self.caches.screening,
            floor: self.engine.decider().party_rules().possible.min(DEFAULT_THRESHOLD),
            lists: &self.screened_lists,
            line: &self.line_screenings,
        }
    }

    /// The screening hits of a party, as a signature for the determination key (the
    /// determination depends on the parties only through these hits).
    fn party_signature(&self, key: &mut String, name: Option<&str>, country: Option<&str>) {
        let Some(name) = name else {
            key.push('\u{1f}');
            return;
        };
        for h in self.lookup().all(name, country).iter() {
            let _ = write!(
                key,
                "{}|{}|{}|{}|{}|{};",
                h.code,
                h.name,
                h.score,
                h.federal_register.as_deref().unwrap_or_default(),
                h.license_policy.as_deref().unwrap_or_default(),
                h.license_requirement.as_deref().unwrap_or_default()
            );
        }
        key.push('\u{1f}');
    }

    fn determination(
        &mut self,
        row: &OrderRow,
        item: &chipgate_engine::ChipRecord,
        date: Date,
    ) -> Result<Arc<Determination>, LineError> {
        self.line_screenings.borrow_mut().clear();
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        push_key(&mut key, Some(row.item.as_str()));
        let request = &row.request;
        push_request_key(&mut key, request);
        // The end user is screened with its headquarters country, as the determination does.
        let end_user_country = request
            .end_user_hq
            .as_deref()
            .and_then(|t| self.engine.decider().countries().resolve("end_user_hq", t).ok())
            .map(|c| c.as_str());
        self.party_signature(&mut key, request.end_user.as_deref(), end_user_country);
        self.party_signature(&mut key, request.consignee.as_deref(), None);
        let period = self.periods.period(date);
        let _ = write!(key, "@{period}");
        let engine = self.engine;
        let caches = &self.caches;
        let lookup = self.lookup();
        let r = caches.decisions.get_or_try(&key, || {
            // The classification depends on the item and the rule version, i.e. the period.
            let classification = if caches.enabled {
                caches
                    .classifications
                    .get_or_try(&format!("{}@{period}", row.item), || {
                        engine.classify(item, date).map(Arc::new)
                    })?
            } else {
                Arc::new(engine.classify(item, date)?)
            };
            engine
                .decider()
                .decide_with(item, &classification, request, date, &lookup)
                .map(|d| Arc::new(Determination::of(&d)))
                .map_err(EngineError::from)
        });
        self.key = key;
        r.map_err(|e| match engine_error(e) {
            Ok(l) => l,
            Err(fatal) => LineError::new("decision", fatal.to_string()),
        })
    }

    fn screen(&mut self, row: &OrderRow, end_user_hq: Option<&str>) -> Vec<HitBrief> {
        let mut hits = Vec::new();
        // The same country signal as `Engine::check_order` and the determination (the end
        // user's headquarters when given), so that a batch line and the recorded order agree.
        let lookup = self.lookup();
        for (role, name, country) in [
            ("end_user", row.request.end_user.as_deref(), end_user_hq),
            ("consignee", row.request.consignee.as_deref(), None),
        ] {
            let Some(name) = name else { continue };
            hits.extend(
                lookup
                    .all(name, country)
                    .iter()
                    .filter(|h| h.score >= DEFAULT_THRESHOLD)
                    .map(|h| HitBrief {
                        role,
                        name: h.name.clone(),
                        matched: h.matched.clone(),
                        list: h.code.clone(),
                        score: h.score,
                    }),
            );
        }
        hits
    }

    /// Decides and screens a group of lines, records them in one ledger transaction, then
    /// writes each line's output or error, in input order.
    fn record_group(&mut self, records: &[RawRecord], out: &mut ChunkOutput) -> Result<(), BatchError> {
        let mut lines: Vec<Result<(OrderRow, usize), LineError>> = Vec::with_capacity(records.len());
        let mut prepared = Vec::with_capacity(records.len());
        for rec in records {
            lines.push(match self.prepare(rec)? {
                Ok((row, p)) => {
                    prepared.push(p);
                    Ok((row, prepared.len() - 1))
                }
                Err(e) => Err(e),
            });
        }
        let (Some(record), Some(ledger)) = (&self.options.record, self.ledger.as_mut()) else {
            return Err(BatchError::Usage("no ledger open".to_owned()));
        };
        let mut checks: Vec<Option<Result<OrderCheck, EngineError>>> = if prepared.is_empty() {
            Vec::new()
        } else {
            match self.engine.record_orders(ledger, prepared, &record.user, record.now) {
                Ok(v) => v.into_iter().map(Some).collect(),
                Err(EngineError::Ledger(e)) => return Err(BatchError::Ledger(e)),
                Err(e) => return Err(BatchError::Engine(e.to_string())),
            }
        };
        for (rec, line) in records.iter().zip(lines) {
            out.stats.lines += 1;
            let done = match line {
                Err(e) => Err(e),
                Ok((row, i)) => match checks.get_mut(i).and_then(Option::take) {
                    Some(Ok(check)) => self.render_recorded(&row, &check, out).map(Ok)?,
                    Some(Err(e)) => Err(engine_error(e)?),
                    None => Err(LineError::new("ledger", "the order was not recorded")),
                },
            };
            match done {
                Ok(()) => out.stats.ok += 1,
                Err(e) => {
                    out.stats.errors += 1;
                    *out.stats.error_fields.entry(e.field.clone()).or_default() += 1;
                    write_error(&mut out.err, rec, &e);
                }
            }
        }
        Ok(())
    }

    /// Reads a line and decides and screens it for recording (not yet recorded).
    fn prepare(&mut self, rec: &RawRecord) -> Result<Result<(OrderRow, PreparedOrder), LineError>, BatchError> {
        let mut fields = std::mem::take(&mut self.fields);
        let row = split_fields(&rec.bytes, &mut fields)
            .map_err(|e| LineError::new("record", e.to_string()))
            .and_then(|()| OrderRow::parse(&self.columns, rec.line, &fields, self.options.default_date));
        self.fields = fields;
        let mut row = match row {
            Ok(row) => row,
            Err(e) => return Ok(Err(e)),
        };
        let item = match self.engine.classifier().catalog().get(&row.item) {
            Ok(item) => item,
            Err(e) => return Ok(Err(LineError::new("item", e.to_string()))),
        };
        let Some(record) = &self.options.record else {
            return Ok(Err(LineError::new("ledger", "no ledger open")));
        };
        let order_ref = match &row.order_ref {
            Some(r) => r.clone(),
            None => format!("{}:{}", record.ref_prefix, row.line),
        };
        let line = OrderLine {
            order_ref: order_ref.clone(),
            request: row.request.clone(),
            quantity: row.qty(),
            backdated: record.backdated.clone(),
            ..OrderLine::default()
        };
        let date = row.date.unwrap_or(self.options.default_date);
        // The same screening and classification as the engine's own, from the run's memos.
        let caches = Arc::clone(&self.caches);
        let engine = self.engine;
        let classification = if caches.enabled {
            let period = self.periods.period(date);
            match caches
                .classifications
                .get_or_try(&format!("{}@{period}", row.item), || {
                    engine.classify(item, date).map(Arc::new)
                }) {
                Ok(c) => Some(c),
                Err(e) => return Ok(Err(engine_error(e)?)),
            }
        } else {
            None
        };
        let index = Arc::clone(&self.index);
        let mut key = String::new();
        let mut screen = |name: &str, country: Option<&str>| -> Result<ScreenReport, EngineError> {
            if !caches.enabled {
                return engine.screen(name, country, None);
            }
            key.clear();
            push_key(&mut key, Some(name));
            push_key(&mut key, country);
            let report = caches.reports.get_or_try(&key, || {
                index
                    .screen(
                        chipgate_engine::Query { name, country },
                        chipgate_engine::ScreenOptions::default(),
                    )
                    .map(Arc::new)
                    .map_err(EngineError::from)
            })?;
            Ok(ScreenReport::clone(&report))
        };
        let prepared = if caches.enabled {
            let lookup = MemoLookup {
                index: &self.index,
                cache: &caches.party_checks,
            };
            self.engine
                .prepare_order_with(item, classification.as_deref(), &line, date, &lookup, &mut screen)
        } else {
            self.engine.prepare_order(item, &line, date)
        };
        match prepared {
            Ok(p) => {
                row.order_ref = Some(order_ref);
                Ok(Ok((row, p)))
            }
            Err(e) => Ok(Err(engine_error(e)?)),
        }
    }

    /// Writes a recorded line's output.
    fn render_recorded(&self, row: &OrderRow, check: &OrderCheck, out: &mut ChunkOutput) -> Result<(), BatchError> {
        let det = Determination::of(&check.decision);
        let mut hits = Vec::new();
        for s in &check.screening {
            let role = if s.role == "consignee" { "consignee" } else { "end_user" };
            hits.extend(briefs(role, &s.report));
        }
        let disposition = &check.result.disposition;
        let o = Outcome {
            det: &det,
            hits: &hits,
            decision: Some(&check.decision),
            ledger: Some(disposition),
        };
        render(row, &o, &self.echoed, self.options.format, true, out)?;
        let status = match disposition {
            Disposition::Shipped { .. } => "shipped",
            Disposition::Held { .. } => "held",
        };
        *out.stats.ledger.entry(status.to_owned()).or_default() += 1;
        Ok(())
    }
}

fn join<T: AsRef<str>>(items: &[T]) -> String {
    let mut s = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            s.push(';');
        }
        s.push_str(x.as_ref());
    }
    s
}

fn render(
    row: &OrderRow,
    o: &Outcome<'_>,
    echoed: &[Column],
    format: OutputFormat,
    record: bool,
    out: &mut ChunkOutput,
) -> Result<(), BatchError> {
    let det = o.det;
    *out.stats.outcomes.entry(det.outcome.as_str().to_owned()).or_default() += 1;
    for r in &det.reasons {
        *out.stats.reasons.entry(r.to_string()).or_default() += 1;
    }
    if !o.hits.is_empty() {
        out.stats.with_hits += 1;
    }
    let buf = &mut out.out;
    match (format, o.decision) {
        (OutputFormat::Jsonl, Some(decision)) => {
            let j = JsonRow {
                line: row.line,
                order_ref: row.order_ref.as_deref(),
                item: &row.item,
                qty: row.qty(),
                destination: &row.request.destination,
                end_user: row.request.end_user.as_deref(),
                consignee: row.request.consignee.as_deref(),
                end_user_hq: row.request.end_user_hq.as_deref(),
                parent_hq: row.request.parent_hq.as_deref(),
                end_use: row.request.end_use.as_deref(),
                exporter: row.request.exporter.as_deref(),
                region: row.request.region.as_deref(),
                eccn_given: row.request.eccn.as_deref(),
                us_person: row.request.us_person,
                date: row.date,
                eccn: det.eccn,
                outcome: det.outcome,
                license_required: det.license_required,
                review_policy: det.review_policy,
                reasons: &det.reasons,
                exceptions: &det.exceptions,
                screening_hits: o.hits,
                ledger: o.ledger,
                decision,
            };
            serde_json::to_writer(&mut *buf, &j).map_err(|e| BatchError::Io(std::io::Error::other(e)))?;
            buf.push(b'\n');
        }
        _ => {
            let _ = write!(buf, "{}", row.line);
            for &c in echoed {
                buf.push(b',');
                push_field(buf, &row.value(c));
            }
            buf.push(b',');
            buf.extend_from_slice(det.csv.as_bytes());
            let best = o
                .hits
                .iter()
                .max_by(|a, b| a.score.total_cmp(&b.score).then_with(|| b.name.cmp(&a.name)));
            let _ = write!(buf, ",{},", o.hits.len());
            if let Some(h) = best {
                push_field(buf, &h.name);
                buf.push(b',');
                push_field(buf, &h.list);
                let _ = write!(buf, ",{}", h.score);
            } else {
                buf.extend_from_slice(b",,");
            }
            if record {
                let status = match o.ledger {
                    Some(Disposition::Shipped { .. }) => "shipped",
                    Some(Disposition::Held { .. }) => "held",
                    None => "",
                };
                buf.push(b',');
                buf.extend_from_slice(status.as_bytes());
            }
            buf.push(b'\n');
        }
    }
    Ok(())
}

fn write_error(buf: &mut Vec<u8>, rec: &RawRecord, e: &LineError) {
    let _ = write!(buf, "{},", rec.line);
    push_field(buf, &e.field);
    buf.push(b',');
    push_field(buf, &e.reason);
    buf.push(b',');
    push_field(buf, &String::from_utf8_lossy(&rec.bytes));
    buf.push(b'\n');
}

//! The one façade of chipgate: every front-end (CLI, HTTP server, batch, NATS worker) calls
//! [`Engine`], so `chipgate decide --format json` and `POST /v1/decide` cannot disagree.
//!
//! Owns: wiring the pure crates together — classification and license determination
//! (`chipgate-decide`) with its party check backed by the screening index ([`ListLookup`]), fuzzy screening
//! of the parties (`chipgate-screen`), and order checks recorded in the ledger
//! (`chipgate-ledger`) with everything that decided them ([`OrderCheck`]).
//! Does not: parse flags or HTTP, print, or read the clock (callers pass dates and times).
//!
//! Key design decision: the restricted-party index is built once, lazily, from the bundled
//! CSL snapshot (or one the caller supplies) and shared; a determination records the
//! snapshot id, the classification rule set and the license-rule content hash, so each
//! result can be reproduced.

mod catalog;
mod request;
mod vocabulary;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

mod clearances;
mod lists;
mod parties;

pub use clearances::{ClearanceBook, ClearedScreen};

pub use lists::{load_list_files, stored_list, ImportOptions, ListFile, ListImportReport, PreviousList};
pub use parties::{
    parse_parties_csv, DeltaSummary, NewlyHit, PartyScreener, PartySelection, RescreenPath, RescreenReport,
};

use chipgate_ledger::{DeterminationSummary, Ledger, LedgerError, OrderRequest, OrderResult, RecordOrder, Timestamp};
use chipgate_screen::BundledFile;
use chipgate_screen::Relaxed;
use serde::Serialize;

pub use catalog::{
    rule_versions, Constraint, ExclusionView, FlagTest, Flattened, ParagraphView, RuleVersionView, SetTest,
};
pub use request::{strict_fields, unit_value_cents, OrderCheckRequest};
pub use vocabulary::*;

/// Screens one party (name, country) at the default threshold: the caller's screening in
/// [`Engine::prepare_order_with`].
pub type PartyScreen<'a> = dyn FnMut(&str, Option<&str>) -> Result<ScreenReport, EngineError> + 'a;

/// chipgate's version, recorded in every result.
pub const ENGINE_VERSION: &str = chipgate_classify::ENGINE_VERSION;

/// Why an engine call failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Classification or determination.
    #[error(transparent)]
    Decide(#[from] DecideError),
    /// Screening.
    #[error(transparent)]
    Screen(#[from] ScreenError),
    /// The ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// An input is invalid.
    #[error("`{field}`: {message}")]
    Invalid {
        /// Field.
        field: String,
        /// Problem.
        message: String,
    },
}

/// Screening of parties in a screening index for license determination: the same index and
/// scorer as `chipgate screen`, so every front-end gets the same party result.
#[derive(Clone, Copy)]
pub struct ListLookup<'a>(pub &'a ScreeningIndex);

impl std::fmt::Debug for ListLookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ListLookup").field(&self.0.snapshot_info().id).finish()
    }
}

impl ListLookup<'_> {
    /// The hits of one screening call as list entries for the party check (every list the
    /// options reach).
    pub fn screen_with(&self, name: &str, country: Option<&str>, options: ScreenOptions) -> Vec<ListedParty> {
        // A name the index refuses (empty, too long) matches nothing; the caller's own
        // validation names the field.
        let Ok(report) = self.0.screen(chipgate_screen::Query { name, country }, options) else {
            return Vec::new();
        };
        report
            .hits
            .into_iter()
            .map(|hit| ListedParty {
                role: String::new(),
                query: name.to_owned(),
                partial: hit
                    .reasons
                    .iter()
                    .any(|r| matches!(r, chipgate_screen::Reason::PartialName { .. })),
                explanation: serde_json::to_string(&hit.reasons).unwrap_or_default(),
                list: hit.source,
                code: hit.list,
                name: hit.entry.name,
                matched: hit.matched_alias,
                score: hit.score,
                license_requirement: hit.license_requirement,
                license_policy: hit.license_policy,
                federal_register: hit.federal_register,
                start_date: hit.start_date,
                authority: hit.citation,
                listing: None,
                clearance: None,
                entry: Some(hit.entry.index),
            })
            .collect()
    }

    /// Options that reach `lists` from `min_score` and every other list from `others`.
    pub fn options(&self, min_score: f64, lists: &[String], others: f64) -> ScreenOptions {
        let codes: Vec<&str> = lists.iter().map(String::as_str).collect();
        ScreenOptions {
            threshold: others.max(min_score),
            relaxed: Some(Relaxed {
                threshold: min_score,
                sources: self.0.source_set(&codes),
            }),
            ..ScreenOptions::default()
        }
    }
}

impl PartyLookup for ListLookup<'_> {
    fn screen(&self, name: &str, country: Option<&str>, min_score: f64, lists: &[String]) -> Vec<ListedParty> {
        // Other lists only from a perfect score, then dropped: one pass over the lists asked.
        let options = self.options(min_score, lists, 1.0);
        let mut hits = self.screen_with(name, country, options);
        hits.retain(|h| lists.contains(&h.code));
        hits
    }

    fn snapshot_id(&self) -> Option<String> {
        Some(self.0.snapshot_info().id.clone())
    }
}

/// Where the restricted-party lists come from.
enum Lists {
    /// The data source's bundled list (read when the engine loads: an error is kept for the
    /// first command that screens), parsed and indexed on first use.
    Bundled(
        Result<BundledFile, ScreenError>,
        OnceLock<Result<Arc<ScreeningIndex>, String>>,
    ),
    /// A caller-supplied index.
    Given(Arc<ScreeningIndex>),
}

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lists::Bundled(_, cell) => write!(f, "Bundled(indexed: {})", cell.get().is_some()),
            Lists::Given(index) => write!(f, "Given({})", index.snapshot_info().id),
        }
    }
}

/// The façade.
pub struct Engine {
    decider: Decider,
    lists: Lists,
    /// The data source's country table, for the names list files write and the countries
    /// of screening queries (the decider reads the same file for decisions).
    countries: Arc<CountryTable>,
    /// A newer index swapped in while the engine runs ([`Engine::sync_store_lists`]); it
    /// replaces `lists` from then on.
    swapped: RwLock<Option<Arc<ScreeningIndex>>>,
    /// How many times the lists were swapped: part of a cache key for reports that depend on
    /// the lists (`chipgate serve`).
    generation: AtomicU64,
    clearances: clearances::Clearances,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("decider", &self.decider)
            .field("lists", &self.lists)
            .field("lists_in_use", &self.lists_in_use())
            .field("generation", &self.lists_generation())
            .finish_non_exhaustive()
    }
}

/// The parties of an order line, screened.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartyScreening {
    /// `end_user` or `consignee`.
    pub role: String,
    /// The report.
    pub report: ScreenReport,
    /// The store's clearances of the report's hits for this party (those that apply do not
    /// hold the order; those that do not say why).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clearances: Vec<PartyClearance>,
}

/// An order check: the determination, the screening of its parties, and what the ledger did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderCheck {
    /// chipgate version.
    pub engine_version: &'static str,
    /// The determination.
    pub decision: Decision,
    /// Fuzzy screening of end user and consignee.
    pub screening: Vec<PartyScreening>,
    /// What the ledger recorded: shipped (and against what) or held (and why).
    pub result: OrderResult,
}

/// One order line to check.
#[derive(Clone, Debug, Default)]
pub struct OrderLine {
    /// Caller's order reference (idempotency key).
    pub order_ref: String,
    /// The determination request (destination, parties, end use, exporter).
    pub request: Request,
    /// Units.
    pub quantity: u64,
    /// Value of one unit, US cents.
    pub unit_value_cents: Option<i64>,
    /// Ship against this license only.
    pub license: Option<String>,
    /// License exception chosen by the exporter when one is available (e.g. `NAC`).
    pub exception: Option<String>,
    /// Why an order dated before today is recorded now: needed when it would ship against a
    /// license that has expired by today; recorded in its audit record.
    pub backdated: Option<String>,
}

/// An order line decided and its parties screened, ready to be recorded
/// ([`Engine::prepare_order`], then [`Engine::record_orders`] with others in one transaction).
#[derive(Clone, Debug)]
pub struct PreparedOrder {
    decision: Decision,
    screening: Vec<PartyScreening>,
    summary: DeterminationSummary,
    /// The determination's report (`decision` and `screening`) as JSON text: serialized once,
    /// straight from the types, and stored as it is.
    report: Box<serde_json::value::RawValue>,
    order: OrderRequest,
    backdated: Option<String>,
}

/// The report stored with an order check.
#[derive(Serialize)]
struct Report<'a> {
    decision: &'a Decision,
    screening: &'a [PartyScreening],
}

impl PreparedOrder {
    /// The determination.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }
}

impl Engine {
    /// Loads the reference data; the lists are the source's bundled list (`lists/lists.toml`),
    /// indexed on first use.
    pub fn load(source: &dyn DataSource) -> Result<Engine, EngineError> {
        Ok(Engine {
            decider: Decider::load(source)?,
            lists: Lists::Bundled(BundledFile::read(source), OnceLock::new()),
            countries: Arc::new(CountryTable::load(source)?),
            swapped: RwLock::new(None),
            generation: AtomicU64::new(0),
            clearances: clearances::Clearances::default(),
        })
    }

    /// The country table of the engine's data source (`countries/countries.toml`).
    pub fn countries(&self) -> &CountryTable {
        &self.countries
    }

    /// Reads list files with the engine's country table.
    pub fn list_loader(&self) -> ListLoader<'_> {
        ListLoader::new(&self.countries)
    }

    /// An index over `snapshot` that checks query countries against the engine's table
    /// (for screening other lists than the engine's own, e.g. `screen --list FILE`).
    pub fn index_of(&self, snapshot: ListSnapshot) -> ScreeningIndex {
        ScreeningIndex::build(snapshot).with_countries(Arc::clone(&self.countries))
    }

    /// Uses this index instead of the bundled lists.
    #[must_use]
    pub fn with_lists(mut self, index: ScreeningIndex) -> Engine {
        self.lists = Lists::Given(Arc::new(self.focus(index)));
        self.swapped = RwLock::new(None);
        self
    }

    /// The index prepared for the party check's relaxed search over the license lists, and
    /// checking query countries against the engine's country table.
    fn focus(&self, index: ScreeningIndex) -> ScreeningIndex {
        let lists = self.decider.party_rules().screened_lists();
        let codes: Vec<&str> = lists.iter().map(String::as_str).collect();
        let set = index.source_set(&codes);
        index.with_focus(set).with_countries(Arc::clone(&self.countries))
    }

    /// The determination engine.
    pub fn decider(&self) -> &Decider {
        &self.decider
    }

    /// The classifier.
    pub fn classifier(&self) -> &Classifier {
        self.decider.classifier()
    }

    /// The rule versions with their conditions flattened ([`rule_versions`]).
    pub fn rule_versions(&self) -> Vec<RuleVersionView> {
        rule_versions(self.classifier())
    }

    /// The screening index (built from the bundled list on first call; the store's active
    /// snapshot once [`Engine::sync_store_lists`] has swapped it in).
    pub fn lists(&self) -> Result<Arc<ScreeningIndex>, EngineError> {
        if let Some(index) = self.swapped_lists() {
            return Ok(index);
        }
        match &self.lists {
            Lists::Given(index) => Ok(index.clone()),
            Lists::Bundled(file, cell) => cell
                .get_or_init(|| {
                    file.as_ref()
                        .map_err(Clone::clone)
                        .and_then(|f| f.load_with(self.list_loader()))
                        .map(|snapshot| Arc::new(self.focus(ScreeningIndex::build(snapshot))))
                        .map_err(|e| e.to_string())
                })
                .clone()
                .map_err(|message| EngineError::Invalid {
                    field: "lists".to_owned(),
                    message,
                }),
        }
    }

    fn swapped_lists(&self) -> Option<Arc<ScreeningIndex>> {
        // A poisoned lock still holds a whole `Option<Arc>`: the value is usable.
        self.swapped
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The id of the list snapshot in use, without building the bundled index (`None` while
    /// the bundled list is not indexed yet).
    fn lists_in_use(&self) -> Option<String> {
        if let Some(index) = self.swapped_lists() {
            return Some(index.snapshot_info().id.clone());
        }
        match &self.lists {
            Lists::Given(index) => Some(index.snapshot_info().id.clone()),
            Lists::Bundled(_, cell) => match cell.get() {
                Some(Ok(index)) => Some(index.snapshot_info().id.clone()),
                _ => None,
            },
        }
    }

    /// How many times [`Engine::sync_store_lists`] has swapped the lists: a report that
    /// depends on the lists is cached under it.
    pub fn lists_generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Makes the store's active list snapshot the engine's lists, when it is not already:
    /// what a running server or worker calls, so that `chipgate lists import` or `lists
    /// activate` reaches it without a restart. Returns the id swapped in, `None` when nothing
    /// changed (or the store has no snapshot: the lists stay as they are). The index is built
    /// before the swap; determinations under way finish with the index they started with.
    pub fn sync_store_lists(&self, ledger: &mut Ledger) -> Result<Option<String>, EngineError> {
        let Some(active) = ledger.active_list_snapshot()? else {
            return Ok(None);
        };
        if self.lists_in_use().as_deref() == Some(active.id.as_str()) {
            return Ok(None);
        }
        let index = Arc::new(self.focus(ScreeningIndex::build(lists::stored_list(ledger, &active)?)));
        *self.swapped.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(index);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(Some(active.id))
    }

    /// Runs a scenario file (`chipgate rules test`): classifications with the classifier,
    /// determinations as [`Engine::decide`] answers them (parties screened through the lists'
    /// index, built only when a scenario names a party).
    pub fn run_scenarios(&self, file: &ScenarioFile) -> Result<ScenarioRun, EngineError> {
        let run = if file.names_parties() {
            let index = self.lists()?;
            file.run(&self.decider, &ListLookup(&index))
        } else {
            file.run(&self.decider, &NoLists)
        };
        run.map_err(|e| EngineError::Invalid {
            field: "scenario".to_owned(),
            message: e.to_string(),
        })
    }

    /// Classifies an item on a date.
    pub fn classify(&self, item: &ChipRecord, date: Date) -> Result<Classification, EngineError> {
        Ok(self.classifier().classify(item, date).map_err(DecideError::from)?)
    }

    /// Decides, screening the parties (and their owners) through the lists' index.
    /// A hit of a party the store knows (exactly its stored name and country) that a reviewer
    /// cleared against the entry's current content is reported as cleared, with the clearance
    /// ([`Engine::load_clearances`], `docs/review.md`).
    pub fn decide(&self, item: &ChipRecord, request: &Request, date: Date) -> Result<Decision, EngineError> {
        let index = self.lists()?;
        let book = self.clearance_book();
        let parties = clearances::OrderParties::of(self, &book, request);
        if parties.is_empty() {
            return Ok(self.decider.decide(item, request, date, &ListLookup(&index))?);
        }
        let keys = self.entry_keys_of(&index);
        let lookup = clearances::ClearedLookup {
            inner: &ListLookup(&index),
            parties: &parties,
            keys: &keys,
            date,
        };
        Ok(self.decider.decide(item, request, date, &lookup)?)
    }

    /// Screens one name.
    pub fn screen(
        &self,
        name: &str,
        country: Option<&str>,
        threshold: Option<f64>,
    ) -> Result<ScreenReport, EngineError> {
        let index = self.lists()?;
        let mut options = ScreenOptions::default();
        if let Some(t) = threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(EngineError::Invalid {
                    field: "threshold".to_owned(),
                    message: format!("must be between 0 and 1, got `{t}`"),
                });
            }
            options.threshold = t;
        }
        Ok(index.screen(chipgate_screen::Query { name, country }, options)?)
    }

    /// Decides an order line, screens its parties and records the result in the ledger:
    /// shipped against a license (depleting it), an exception or NLR, or held with reasons.
    pub fn check_order(
        &self,
        ledger: &mut Ledger,
        item: &ChipRecord,
        line: &OrderLine,
        date: Date,
        user: &str,
        now: Timestamp,
    ) -> Result<OrderCheck, EngineError> {
        let prepared = self.prepare_order(item, line, date)?;
        self.record_orders(ledger, vec![prepared], user, now)?
            .pop()
            .unwrap_or_else(|| {
                Err(EngineError::Ledger(LedgerError::Corrupt(
                    "no result for the order".into(),
                )))
            })
    }

    /// Records orders decided by [`Engine::prepare_order`] in **one** ledger transaction (group
    /// commit: one audit record each, the chain's head updated once), in order. One answer per
    /// order: an order the ledger refuses for its input is an `Err` in its place; the outer
    /// `Err` (the store failed) recorded nothing.
    pub fn record_orders(
        &self,
        ledger: &mut Ledger,
        orders: Vec<PreparedOrder>,
        user: &str,
        now: Timestamp,
    ) -> Result<Vec<Result<OrderCheck, EngineError>>, EngineError> {
        let requests: Vec<RecordOrder<'_>> = orders
            .iter()
            .map(|p| RecordOrder {
                order: &p.order,
                determination: &p.summary,
                backdated: p.backdated.as_deref(),
                report: Some(&p.report),
            })
            .collect();
        let results = ledger.record_orders(&requests, user, now)?;
        drop(requests);
        Ok(orders
            .into_iter()
            .zip(results)
            .map(|(p, r)| {
                r.map(|result| OrderCheck {
                    engine_version: ENGINE_VERSION,
                    decision: p.decision,
                    screening: p.screening,
                    result,
                })
                .map_err(EngineError::from)
            })
            .collect())
    }

    /// Decides an order line and screens its parties (what [`Engine::check_order`] records),
    /// without touching the ledger: the CPU-bound half of an order check, which callers run
    /// before taking the ledger's write lock for a group of orders.
    pub fn prepare_order(&self, item: &ChipRecord, line: &OrderLine, date: Date) -> Result<PreparedOrder, EngineError> {
        let index = self.lists()?;
        self.prepare_order_with(item, None, line, date, &ListLookup(&index), &mut |name, country| {
            self.screen(name, country, None)
        })
    }

    /// [`Engine::prepare_order`] with the caller's screening: `parties` answers the
    /// determination's party check and `screen` screens each party at the default threshold
    /// (a batch passes its memos, which give the same answers as the engine's index), and
    /// `classification`, when given, is the item's classification on `date`.
    pub fn prepare_order_with(
        &self,
        item: &ChipRecord,
        classification: Option<&Classification>,
        line: &OrderLine,
        date: Date,
        parties: &dyn PartyLookup,
        screen: &mut PartyScreen<'_>,
    ) -> Result<PreparedOrder, EngineError> {
        if line.order_ref.trim().is_empty() {
            return Err(EngineError::Invalid {
                field: "order_ref".to_owned(),
                message: "must not be empty".to_owned(),
            });
        }
        if line.quantity == 0 {
            return Err(EngineError::Invalid {
                field: "quantity".to_owned(),
                message: "must be at least 1".to_owned(),
            });
        }
        let mut request = line.request.clone();
        request.quantity = Some(line.quantity);
        let book = self.clearance_book();
        let known = clearances::OrderParties::of(self, &book, &request);
        let keys = if known.is_empty() {
            Arc::default()
        } else {
            self.entry_keys()?
        };
        let cleared_lookup = clearances::ClearedLookup {
            inner: parties,
            parties: &known,
            keys: &keys,
            date,
        };
        let parties: &dyn PartyLookup = if known.is_empty() { parties } else { &cleared_lookup };
        let decision = match classification {
            Some(c) => self.decider.decide_with(item, c, &request, date, parties)?,
            None => self.decider.decide(item, &request, date, parties)?,
        };
        let mut screening = Vec::new();
        let mut hits = Vec::new();
        for (role, name) in [("end_user", &request.end_user), ("consignee", &request.consignee)] {
            if let Some(name) = name {
                // The end user's country is where it is headquartered, when given; a
                // consignee's country is not asked for, so it is screened without one.
                let country = decision
                    .parties
                    .end_user_hq
                    .as_ref()
                    .filter(|_| role == "end_user")
                    .map(|p| p.code.as_str());
                let report = screen(name, country)?;
                let cleared = known.of_report(&keys, &report, date);
                for hit in &report.hits {
                    // A hit whose clearance applies does not hold the order: the report names it.
                    let key = keys.key(hit.entry.index);
                    if !cleared.iter().any(|c| c.applies && key == Some(c.entry_key.as_str())) {
                        hits.push(format!(
                            "{role} `{name}` ~ {} on {} (score {:.2})",
                            hit.matched_alias, hit.list, hit.score
                        ));
                    }
                }
                screening.push(PartyScreening {
                    role: role.to_owned(),
                    report,
                    clearances: cleared,
                });
            }
        }
        let outcome = match decision.outcome {
            LicenseOutcome::NoLicenseRequired => chipgate_ledger::Outcome::NoLicenseRequired,
            LicenseOutcome::LicenseExceptionAvailable => chipgate_ledger::Outcome::LicenseExceptionAvailable,
            LicenseOutcome::LicenseRequired => chipgate_ledger::Outcome::LicenseRequired,
            LicenseOutcome::Indeterminate => chipgate_ledger::Outcome::Indeterminate,
        };
        let exception = match (&line.exception, decision.outcome) {
            (Some(symbol), LicenseOutcome::LicenseExceptionAvailable) => {
                if !decision
                    .exceptions
                    .iter()
                    .any(|x| x.symbol.eq_ignore_ascii_case(symbol))
                {
                    return Err(EngineError::Invalid {
                        field: "exception".to_owned(),
                        message: format!(
                            "`{symbol}` is not available for this order; available: {}",
                            decision
                                .exceptions
                                .iter()
                                .map(|x| x.symbol)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                Some(symbol.to_uppercase())
            }
            (Some(symbol), _) => {
                return Err(EngineError::Invalid {
                    field: "exception".to_owned(),
                    message: format!("`{symbol}` was chosen, but the determination offers no license exception"),
                })
            }
            (None, _) => None,
        };
        let report = serde_json::value::to_raw_value(&Report {
            decision: &decision,
            screening: &screening,
        })
        .map_err(|e| EngineError::Invalid {
            field: "report".to_owned(),
            message: e.to_string(),
        })?;
        let summary = DeterminationSummary {
            license_required: decision.license_required,
            outcome,
            exception,
            reasons: decision
                .reasons
                .iter()
                .map(|r| format!("{}: {} ({})", r.id, r.title, r.citation))
                .collect(),
            screening_hits: hits,
            engine_version: ENGINE_VERSION.to_owned(),
            ruleset_id: format!(
                "{}+license-{}",
                decision.classification.ruleset, decision.license_rules_version
            ),
            list_snapshot_id: decision.list_snapshot.clone(),
            report: serde_json::Value::Null,
        };
        let order = OrderRequest {
            order_ref: line.order_ref.clone(),
            item_id: decision.item.to_string(),
            eccn: decision.eccn.iter().map(ToString::to_string).collect(),
            destination: decision.destination.code.to_string(),
            quantity: i64::try_from(line.quantity).map_err(|_| EngineError::Invalid {
                field: "quantity".to_owned(),
                message: "too large".to_owned(),
            })?,
            unit_value_cents: line.unit_value_cents,
            consignee: request.consignee.clone(),
            end_user: request.end_user.clone(),
            date,
            license: line.license.clone(),
            inputs: determination_inputs(line),
        };
        Ok(PreparedOrder {
            decision,
            screening,
            summary,
            report,
            order,
            backdated: line.backdated.clone(),
        })
    }
}

/// The inputs of an order's determination that the ledger's own request fields do not hold,
/// by name: they join the idempotency hash, so a re-check that differs in any is refused.
fn determination_inputs(line: &OrderLine) -> std::collections::BTreeMap<String, serde_json::Value> {
    use serde_json::Value;
    let r = &line.request;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(Value::from);
    let mut inputs = std::collections::BTreeMap::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            inputs.insert(name.to_owned(), v);
        }
    };
    put("end_user_hq", text(&r.end_user_hq));
    put("parent_hq", text(&r.parent_hq));
    put("end_use", text(&r.end_use));
    put("exporter", text(&r.exporter));
    put("region", text(&r.region));
    put("requested_eccn", text(&r.eccn));
    put("us_person", r.us_person.map(Value::from));
    put("as_written", r.as_written.then_some(Value::Bool(true)));
    put("exception", text(&line.exception));
    put(
        "owners",
        (!r.owners.is_empty()).then(|| serde_json::to_value(&r.owners).unwrap_or(Value::Null)),
    );
    inputs
}

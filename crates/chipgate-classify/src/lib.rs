//! ECCN classification of chips and systems as of any date.
//!
//! Owns: the chip catalog ([`Catalog`]), the facts the classification rules may test
//! ([`schema`]), turning a record into those facts, picking the rule version in force,
//! and the report with trace and headroom ([`Classification`]); the timeline across
//! rule versions ([`Timeline`]).
//! Does not: hold any threshold (they are in `data/rules/`), read the clock (the date is
//! an argument), or decide license requirements (that is `chipgate-decide`).
//!
//! Key design decision: a system (4A090) is classified by classifying its component ICs
//! under the same rule version and handing their ECCN paragraphs to the rules as the
//! set fact `component_eccns`, so the 4A090 paragraphs stay data like every other.

// A pure crate: no clock, no file system (the methods `clippy.toml` disallows; allowed in
// the front-ends by the workspace lints, denied here).
#![deny(clippy::disallowed_methods)]

mod catalog;
mod report;
mod timeline;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use chipgate_data::{DataError, DataSource};
use chipgate_model::{compute_metrics, ChipRecord, Date, InputRef, ItemKind, Metrics, MetricsConfig};
use chipgate_rules::{
    intern, intern_syms, FactDef, FactKind, FactSchema, FactValue, Facts, RuleBook, RuleSet, RulesError, Sym, Text,
    Tri, Warning,
};

pub use catalog::{levenshtein, Catalog, CatalogError};
pub use report::{
    ChipSummary, Classification, ComponentResult, Headroom, MetricDerivation, MetricsReport, MissingInput, Outcome,
    ParagraphConclusion, RulesetRef, TraceStep,
};
pub use timeline::{Timeline, TimelineEntry};

/// The version of chipgate that computed a result (recorded in every report).
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The facts classification rules may test.
pub fn schema() -> &'static FactSchema {
    static SCHEMA: OnceLock<FactSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let def = |name, kind, label| FactDef { name, kind, label };
        FactSchema::new(vec![
            def("integrated_circuit", FactKind::Bool, "item is an integrated circuit"),
            def("system", FactKind::Bool, "item is a computer, assembly or component"),
            def("hbm", FactKind::Bool, "item is high-bandwidth memory"),
            def("datacenter", FactKind::Bool, "designed or marketed for datacenters"),
            def("tpp", FactKind::Number, "TPP"),
            def("performance_density", FactKind::Number, "performance density"),
            def(
                "interconnect_gbs",
                FactKind::Number,
                "bidirectional interconnect (GB/s)",
            ),
            def("memory_bandwidth_gbs", FactKind::Number, "total DRAM bandwidth (GB/s)"),
            def(
                "memory_bandwidth_density",
                FactKind::Number,
                "memory bandwidth density (GB/s/mm²)",
            ),
            def("component_eccns", FactKind::Set, "ECCN paragraphs of the component ICs"),
        ])
    })
}

/// Why a classification could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// Catalog problem or unknown chip.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Rule problem, or a date out of scope.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// Data could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// `data/metrics.toml` is invalid.
    #[error("{0}")]
    MetricsConfig(String),
}

/// A record's metrics with their report, per-fact sources and date-independent facts,
/// computed once per catalog record (and once per call for a user's spec).
#[derive(Debug)]
struct Prepared {
    metrics: Metrics,
    report: Arc<MetricsReport>,
    chip: Arc<ChipSummary>,
    /// Source description per fact, indexed like the schema.
    sources: Vec<Option<Text>>,
    /// Every fact except `component_eccns` (which depends on the rule version).
    facts: Facts,
    /// The classification under each rule version, made on first use (catalog records).
    by_version: Vec<OnceLock<Arc<Classification>>>,
}

impl Prepared {
    /// `catalog` records have their source texts interned (they are data, bounded);
    /// a user's spec keeps them shared instead.
    fn new(record: &ChipRecord, config: &MetricsConfig, catalog: bool, versions: usize) -> Prepared {
        let metrics = compute_metrics(record, config);
        let schema = schema();
        let by_name = fact_sources(&metrics);
        let text = |s: &str| {
            if catalog {
                Text::Static(intern(s))
            } else {
                Text::Shared(Arc::from(s))
            }
        };
        let sources = (0..schema.len())
            .map(|i| schema.get(i).and_then(|f| by_name.get(f.name)).map(|s| text(s)))
            .collect();
        let mut facts = Facts::new(schema);
        let mut set = |name: &str, value: FactValue| {
            // The schema is fixed above, so a failure here is a programming error caught by tests.
            let _ = facts.set(schema, name, value);
        };
        let kind = record.kind();
        set("integrated_circuit", FactValue::Bool(kind == ItemKind::Ic));
        set("system", FactValue::Bool(kind == ItemKind::System));
        set("hbm", FactValue::Bool(kind == ItemKind::Hbm));
        if let Some(datacenter) = record.datacenter {
            set("datacenter", FactValue::Bool(datacenter));
        }
        for (name, value) in [
            ("tpp", metrics.tpp.as_ref().map(|m| m.value.get())),
            (
                "performance_density",
                metrics.performance_density.as_ref().map(|m| m.value.get()),
            ),
            ("interconnect_gbs", metrics.interconnect.as_ref().map(|m| m.value.get())),
            (
                "memory_bandwidth_gbs",
                metrics.memory_bandwidth.as_ref().map(|m| m.value.get()),
            ),
            (
                "memory_bandwidth_density",
                metrics.memory_bandwidth_density.as_ref().map(|m| m.value.get()),
            ),
        ] {
            if let Some(v) = value {
                set(name, FactValue::Number(v));
            }
        }
        if kind != ItemKind::System {
            set("component_eccns", FactValue::Set(&[]));
        }
        Prepared {
            report: Arc::new(metrics_report(&metrics)),
            chip: Arc::new(ChipSummary {
                id: text(record.id().map_or("", |id| id.as_str())),
                name: text(&record.name),
                vendor: text(&record.vendor),
                kind,
                datacenter: record.datacenter,
            }),
            sources,
            facts,
            metrics,
            by_version: (0..versions).map(|_| OnceLock::new()).collect(),
        }
    }
}

/// Everything needed to classify: catalog, rule versions and metric definitions.
#[derive(Debug, Clone)]
pub struct Classifier {
    catalog: Catalog,
    rules: RuleBook,
    metrics: MetricsConfig,
    warnings: Vec<Warning>,
    /// Metrics of catalog records (they do not depend on the date).
    prepared: Arc<HashMap<String, Arc<Prepared>>>,
}

impl Classifier {
    /// Loads catalog, rules and metric definitions from a data source, validating all.
    pub fn load(source: &dyn DataSource) -> Result<Classifier, ClassifyError> {
        let metrics_file = source.read("metrics.toml")?;
        let metrics =
            MetricsConfig::from_toml(&metrics_file.text, &metrics_file.path).map_err(ClassifyError::MetricsConfig)?;
        let mut warnings = Vec::new();
        let mut versions = Vec::new();
        for file in source.list("rules", "toml")? {
            let (set, mut w) = RuleSet::from_toml(&file.text, &file.path, schema())?;
            warnings.append(&mut w);
            versions.push(set);
        }
        let rules = RuleBook::new(versions)?;
        let catalog = Catalog::load(source)?;
        let prepared = catalog
            .iter()
            .filter_map(|r| {
                r.id().map(|id| {
                    (
                        id.to_string(),
                        Arc::new(Prepared::new(r, &metrics, true, rules.versions().len())),
                    )
                })
            })
            .collect();
        Ok(Classifier {
            catalog,
            rules,
            metrics,
            warnings,
            prepared: Arc::new(prepared),
        })
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The rule versions.
    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    /// The metric definitions.
    pub fn metrics_config(&self) -> &MetricsConfig {
        &self.metrics
    }

    /// The metrics of a record with their derivations (computed once for catalog records).
    pub fn metrics_report(&self, record: &ChipRecord) -> Arc<MetricsReport> {
        self.prepared(record).report.clone()
    }

    /// Validator warnings from loading.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Classifies a catalog item by id.
    pub fn classify_id(&self, id: &str, date: Date) -> Result<Classification, ClassifyError> {
        let record = self.catalog.get(id)?;
        self.classify(record, date)
    }

    /// Classifies a record (catalog item or user spec) on a date.
    pub fn classify(&self, record: &ChipRecord, date: Date) -> Result<Classification, ClassifyError> {
        let rules = self.rules.in_force(date)?;
        self.classify_under(record, rules, date, 0)
    }

    /// The classification under the rule version in force on `date`, shared. For a
    /// catalog record it is made once per rule version and reused, so its `date` field is
    /// the version's effective date, not `date`: use it where only the verdict matters
    /// (license determination) and [`Classifier::classify`] for a report. A user's spec is
    /// classified afresh (with `date`).
    pub fn classify_shared(&self, record: &ChipRecord, date: Date) -> Result<Arc<Classification>, ClassifyError> {
        let index = self.rules.in_force_index(date)?;
        let rules = self.rules.versions().get(index).ok_or(RulesError::Empty)?;
        let prepared = self.prepared(record);
        match prepared.by_version.get(index) {
            Some(slot) => {
                if let Some(done) = slot.get() {
                    return Ok(done.clone());
                }
                let made = Arc::new(self.classify_prepared(record, &prepared, rules, rules.effective, 0)?);
                Ok(slot.get_or_init(|| made).clone())
            }
            None => Ok(Arc::new(self.classify_prepared(record, &prepared, rules, date, 0)?)),
        }
    }

    /// Classifies under a given rule version (used by the timeline).
    pub fn classify_under(
        &self,
        record: &ChipRecord,
        rules: &RuleSet,
        date: Date,
        depth: usize,
    ) -> Result<Classification, ClassifyError> {
        self.classify_prepared(record, &self.prepared(record), rules, date, depth)
    }

    /// [`Classifier::classify_under`] with the record's prepared metrics and facts.
    fn classify_prepared(
        &self,
        record: &ChipRecord,
        prepared: &Prepared,
        rules: &RuleSet,
        date: Date,
        depth: usize,
    ) -> Result<Classification, ClassifyError> {
        self.catalog.check_record(record)?;
        let schema = schema();
        let metrics = &prepared.metrics;
        let mut facts = prepared.facts.clone();
        let kind = prepared.chip.kind;
        let mut components = Vec::new();
        if kind == ItemKind::System {
            let mut eccns: Vec<Sym> = Vec::new();
            let mut undecided = false;
            for component in &record.components {
                let child = self.catalog.get(component.id.as_str())?;
                if depth > 8 {
                    return Err(CatalogError::Cycle(record.id().map(ToString::to_string).unwrap_or_default()).into());
                }
                let result = self.classify_under(child, rules, date, depth + 1)?;
                undecided |= result.outcome == Outcome::Indeterminate;
                for e in &result.eccn {
                    if !eccns.contains(e) {
                        eccns.push(e);
                    }
                }
                components.push(ComponentResult {
                    id: component.id.to_string(),
                    count: component.count,
                    outcome: result.outcome,
                    eccn: result.eccn,
                });
            }
            if !undecided {
                // ECCN paragraphs come from the rule data: the list is bounded, so interned.
                let _ = facts.set(schema, "component_eccns", FactValue::Set(intern_syms(&eccns)));
            }
        }

        let mut verdict = rules.evaluate(&facts, schema);
        let sources = &prepared.sources;
        let mut headroom: Vec<Headroom> = Vec::with_capacity(verdict.steps.len());
        for step in &verdict.steps {
            let (Some(FactValue::Number(value)), chipgate_rules::Threshold::Number(threshold), Some(margin)) =
                (&step.input, &step.threshold, step.margin)
            else {
                continue;
            };
            if headroom.iter().any(|h| {
                std::ptr::eq(h.paragraph, step.rule)
                    && std::ptr::eq(h.metric, step.fact)
                    && h.threshold == *threshold
                    && h.op == step.op.as_str()
            }) {
                continue;
            }
            headroom.push(Headroom {
                paragraph: step.rule,
                metric: step.fact,
                value: *value,
                op: step.op.as_str(),
                threshold: *threshold,
                margin,
                met: step.result == Tri::True,
                label: step.label,
            });
        }
        let mut missing_inputs = Vec::new();
        for p in &verdict.paragraphs {
            for fact in &p.missing_facts {
                missing_inputs.push(MissingInput {
                    paragraph: p.id,
                    fact,
                    inputs: inputs_for(fact, metrics, record),
                });
            }
        }
        // `verdict.paragraphs` is in the order of `rules.paragraphs`.
        let conclusions = verdict
            .paragraphs
            .iter()
            .zip(&rules.paragraphs)
            .map(|(p, paragraph)| ParagraphConclusion {
                paragraph: p.id,
                eccn: p.eccn,
                result: p.result,
                excluded_by: p.excluded_by.clone(),
                superseded_by: p.superseded_by,
                text: paragraph.text,
                citation: paragraph.source.citation,
            })
            .collect();
        for step in &mut verdict.steps {
            step.source = sources.get(step.fact_index as usize).cloned().flatten();
        }
        let paragraphs = verdict
            .paragraphs
            .iter()
            .filter(|p| p.result == Tri::True && p.superseded_by.is_none())
            .map(|p| p.id)
            .collect();
        let outcome = if !verdict.eccn.is_empty() {
            Outcome::Controlled
        } else if !verdict.undetermined.is_empty() {
            Outcome::Indeterminate
        } else {
            Outcome::NotControlled
        };
        Ok(Classification {
            engine_version: ENGINE_VERSION,
            chip: prepared.chip.clone(),
            date,
            ruleset: RulesetRef {
                id: rules.id,
                effective: rules.effective,
                citation: rules.source.citation,
                url: rules.source.url,
            },
            outcome,
            eccn: verdict.eccn,
            paragraphs,
            undetermined: verdict.undetermined,
            missing_inputs,
            metrics: prepared.report.clone(),
            components,
            trace: verdict.steps,
            conclusions,
            headroom,
            notes: rules.notes,
        })
    }

    fn prepared(&self, record: &ChipRecord) -> Arc<Prepared> {
        if let Some(id) = record.id() {
            if let (Some(p), Ok(catalog_record)) = (self.prepared.get(id.as_str()), self.catalog.get(id.as_str())) {
                if std::ptr::eq(catalog_record, record) || catalog_record == record {
                    return p.clone();
                }
            }
        }
        Arc::new(Prepared::new(record, &self.metrics, false, 0))
    }

    /// The classification under every rule version, and what changed.
    pub fn timeline(&self, record: &ChipRecord) -> Result<Timeline, ClassifyError> {
        timeline::build(self, record)
    }
}

fn describe_inputs(inputs: &[InputRef]) -> String {
    inputs
        .iter()
        .map(|i| format!("{} ({})", i.field, i.quality.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fact_sources(metrics: &Metrics) -> BTreeMap<&'static str, String> {
    let mut map = BTreeMap::new();
    if let Some(m) = &metrics.tpp {
        map.insert("tpp", describe_inputs(&m.inputs));
    }
    if let Some(m) = &metrics.performance_density {
        map.insert("performance_density", describe_inputs(&m.inputs));
    }
    if let Some(m) = &metrics.interconnect {
        map.insert("interconnect_gbs", describe_inputs(&m.inputs));
    }
    if let Some(m) = &metrics.memory_bandwidth {
        map.insert("memory_bandwidth_gbs", describe_inputs(&m.inputs));
    }
    if let Some(m) = &metrics.memory_bandwidth_density {
        map.insert("memory_bandwidth_density", describe_inputs(&m.inputs));
    }
    map.insert("datacenter", "datacenter (declared attribute of the record)".to_owned());
    map
}

fn inputs_for(fact: &str, metrics: &Metrics, record: &ChipRecord) -> Vec<String> {
    let metric = match fact {
        "interconnect_gbs" => "interconnect",
        "memory_bandwidth_gbs" => "memory_bandwidth",
        "datacenter" => return vec!["datacenter".to_owned()],
        "component_eccns" => {
            return record
                .components
                .iter()
                .map(|c| format!("components: `{}` is indeterminate", c.id))
                .collect()
        }
        other => other,
    };
    metrics
        .missing
        .iter()
        .find(|m| m.metric == metric)
        .map(|m| m.inputs.clone())
        .unwrap_or_else(|| vec![fact.to_owned()])
}

fn metrics_report(metrics: &Metrics) -> MetricsReport {
    let mut derivations = Vec::new();
    let mut push = |metric: &'static str, derivation: &Arc<str>, inputs: &Arc<[InputRef]>| {
        derivations.push(MetricDerivation {
            metric,
            derivation: derivation.clone(),
            inputs: inputs.clone(),
        });
    };
    if let Some(m) = &metrics.tpp {
        push("tpp", &m.derivation, &m.inputs);
    }
    if let Some(m) = &metrics.applicable_die_area {
        push("applicable_die_area_mm2", &m.derivation, &m.inputs);
    }
    if let Some(m) = &metrics.performance_density {
        push("performance_density", &m.derivation, &m.inputs);
    }
    if let Some(m) = &metrics.memory_bandwidth {
        push("memory_bandwidth_gbs", &m.derivation, &m.inputs);
    }
    if let Some(m) = &metrics.interconnect {
        push("interconnect_gbs", &m.derivation, &m.inputs);
    }
    if let Some(m) = &metrics.memory_bandwidth_density {
        push("memory_bandwidth_density", &m.derivation, &m.inputs);
    }
    MetricsReport {
        tpp: metrics.tpp.as_ref().map(|m| m.value.get()),
        performance_density: metrics.performance_density.as_ref().map(|m| m.value.get()),
        applicable_die_area_mm2: metrics.applicable_die_area.as_ref().map(|m| m.value.get()),
        memory_bandwidth_gbs: metrics.memory_bandwidth.as_ref().map(|m| m.value.get()),
        interconnect_gbs: metrics.interconnect.as_ref().map(|m| m.value.get()),
        memory_bandwidth_density: metrics.memory_bandwidth_density.as_ref().map(|m| m.value.get()),
        derivations,
    }
}

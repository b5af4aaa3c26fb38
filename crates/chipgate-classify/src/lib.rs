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

mod catalog;
mod report;
mod timeline;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use chipgate_data::{DataError, DataSource};
use chipgate_model::{compute_metrics, ChipRecord, Date, InputRef, ItemKind, Metrics, MetricsConfig};
use chipgate_rules::{FactDef, FactKind, FactSchema, FactValue, Facts, RuleBook, RuleSet, RulesError, Tri, Warning};

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

/// A record's metrics with their report and per-fact sources, computed once.
#[derive(Debug)]
struct Prepared {
    metrics: Metrics,
    report: Arc<MetricsReport>,
    /// Source description per fact, indexed like the schema.
    sources: Vec<Option<Arc<str>>>,
}

impl Prepared {
    fn new(record: &ChipRecord, config: &MetricsConfig) -> Prepared {
        let metrics = compute_metrics(record, config);
        Prepared {
            report: Arc::new(metrics_report(&metrics)),
            sources: {
                let by_name = fact_sources(&metrics);
                (0..schema().len())
                    .map(|i| schema().get(i).and_then(|f| by_name.get(f.name).cloned()))
                    .collect()
            },
            metrics,
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
            .filter_map(|r| r.id().map(|id| (id.to_string(), Arc::new(Prepared::new(r, &metrics)))))
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

    /// Classifies under a given rule version (used by the timeline).
    pub fn classify_under(
        &self,
        record: &ChipRecord,
        rules: &RuleSet,
        date: Date,
        depth: usize,
    ) -> Result<Classification, ClassifyError> {
        self.catalog.check_record(record)?;
        let schema = schema();
        let prepared = self.prepared(record);
        let metrics = &prepared.metrics;
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
        if let Some(tpp) = &metrics.tpp {
            set("tpp", FactValue::Number(tpp.value.get()));
        }
        if let Some(pd) = &metrics.performance_density {
            set("performance_density", FactValue::Number(pd.value.get()));
        }
        if let Some(bw) = &metrics.interconnect {
            set("interconnect_gbs", FactValue::Number(bw.value.get()));
        }
        if let Some(bw) = &metrics.memory_bandwidth {
            set("memory_bandwidth_gbs", FactValue::Number(bw.value.get()));
        }
        if let Some(d) = &metrics.memory_bandwidth_density {
            set("memory_bandwidth_density", FactValue::Number(d.value.get()));
        }
        let mut components = Vec::new();
        if kind == ItemKind::System {
            let mut eccns: Vec<String> = Vec::new();
            let mut undecided = false;
            for component in &record.components {
                let child = self.catalog.get(component.id.as_str())?;
                if depth > 8 {
                    return Err(CatalogError::Cycle(record.id().map(ToString::to_string).unwrap_or_default()).into());
                }
                let result = self.classify_under(child, rules, date, depth + 1)?;
                undecided |= result.outcome == Outcome::Indeterminate;
                for e in &result.eccn {
                    if !eccns.iter().any(|x| x == &**e) {
                        eccns.push(e.to_string());
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
                set("component_eccns", FactValue::Set(eccns));
            }
        } else {
            set("component_eccns", FactValue::Set(Vec::new()));
        }

        let mut verdict = rules.evaluate(&facts, schema);
        let sources = &prepared.sources;
        let mut headroom: Vec<Headroom> = Vec::new();
        for step in &verdict.steps {
            let (Some(FactValue::Number(value)), chipgate_rules::Threshold::Number(threshold), Some(margin)) =
                (&step.input, &step.threshold, step.margin)
            else {
                continue;
            };
            if headroom.iter().any(|h| {
                Arc::ptr_eq(&h.paragraph, &step.rule)
                    && std::ptr::eq(h.metric, step.fact)
                    && h.threshold == *threshold
                    && std::ptr::eq(h.op, step.op)
            }) {
                continue;
            }
            headroom.push(Headroom {
                paragraph: step.rule.clone(),
                metric: step.fact,
                value: *value,
                op: step.op,
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
                    paragraph: p.id.clone(),
                    fact,
                    inputs: inputs_for(fact, metrics, record),
                });
            }
        }
        let conclusions = verdict
            .paragraphs
            .iter()
            .map(|p| {
                let paragraph = rules.paragraph(&p.id);
                ParagraphConclusion {
                    paragraph: p.id.clone(),
                    eccn: p.eccn.clone(),
                    result: p.result,
                    excluded_by: p.excluded_by.clone(),
                    superseded_by: p.superseded_by.clone(),
                    text: paragraph.map_or_else(|| Arc::from(""), |x| x.text.clone()),
                    citation: rules.source_of(&p.id).citation.clone(),
                }
            })
            .collect();
        for step in &mut verdict.steps {
            step.source = sources.get(step.fact_index).cloned().flatten();
        }
        let paragraphs = verdict
            .paragraphs
            .iter()
            .filter(|p| p.result == Tri::True && p.superseded_by.is_none())
            .map(|p| p.id.clone())
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
            chip: ChipSummary {
                id: record.id().map(ToString::to_string).unwrap_or_default(),
                name: record.name.clone(),
                vendor: record.vendor.clone(),
                kind,
                datacenter: record.datacenter,
            },
            date,
            ruleset: RulesetRef {
                id: rules.id.clone(),
                effective: rules.effective,
                citation: rules.source.citation.clone(),
                url: rules.source.url.clone(),
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
            notes: rules.notes.clone(),
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
        Arc::new(Prepared::new(record, &self.metrics))
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

fn fact_sources(metrics: &Metrics) -> BTreeMap<&'static str, Arc<str>> {
    let mut map = BTreeMap::new();
    if let Some(m) = &metrics.tpp {
        map.insert("tpp", Arc::from(describe_inputs(&m.inputs)));
    }
    if let Some(m) = &metrics.performance_density {
        map.insert("performance_density", Arc::from(describe_inputs(&m.inputs)));
    }
    if let Some(m) = &metrics.interconnect {
        map.insert("interconnect_gbs", Arc::from(describe_inputs(&m.inputs)));
    }
    if let Some(m) = &metrics.memory_bandwidth {
        map.insert("memory_bandwidth_gbs", Arc::from(describe_inputs(&m.inputs)));
    }
    if let Some(m) = &metrics.memory_bandwidth_density {
        map.insert("memory_bandwidth_density", Arc::from(describe_inputs(&m.inputs)));
    }
    map.insert("datacenter", Arc::from("datacenter (declared attribute of the record)"));
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

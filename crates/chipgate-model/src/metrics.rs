//! The numbers the regulation turns on, computed from a record with the arithmetic shown.
//!
//! Definitions follow the Technical Notes to ECCN 3A090 (15 CFR 774 Supp. 1, text of
//! 2026-07-23; introduced by 88 FR 73458):
//! * TPP = 2 × MacTOPS × bit length of the operation, aggregated over processing units.
//!   A datasheet's dense TOPS/TFLOPS figure already equals 2 × MacTOPS for the whole IC
//!   (Note 1.b), so TPP per precision is `dense rate × bit length`; the highest over
//!   the precisions is evaluated (Note 2); sparse rates are never used (Note 3).
//! * PD = TPP / 'applicable die area', the area of all logic dies made on a
//!   non-planar transistor node (Note 4).
//! * 'Memory bandwidth density' (3A090.c) = memory bandwidth / package or stack area.
//!
//! Bit lengths per precision are data (`data/metrics.toml`), because one of them (TF32)
//! is a judgment call; the choice appears in every derivation.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::chip::{ChipRecord, Figure, ItemKind, Precision, Quality};
use crate::units::{
    format_number, GigabytesPerSecond, MemoryBandwidthDensity, PerformanceDensity, SquareMillimetres, Tpp,
};

/// The bit length assigned to one precision, with the reason when it is a choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BitLength {
    /// 'Bit length of the operation': the largest input bit length of the multiply.
    pub bits: u32,
    /// Why, when it is a judgment call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Bit lengths for every precision; loaded from `data/metrics.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Where the definitions come from.
    pub citation: String,
    /// Bit length per precision. Every precision must be present.
    pub bit_lengths: BTreeMap<Precision, BitLength>,
}

impl MetricsConfig {
    /// Parses the config and checks that every precision has a bit length.
    pub fn from_toml(text: &str, origin: &str) -> Result<MetricsConfig, String> {
        let config: MetricsConfig = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        for precision in Precision::ALL {
            match config.bit_lengths.get(&precision) {
                None => return Err(format!("{origin}: bit_lengths: missing precision `{precision}`")),
                Some(b) if b.bits == 0 => {
                    return Err(format!("{origin}: bit_lengths.{precision}: bits must be at least 1"))
                }
                Some(_) => {}
            }
        }
        Ok(config)
    }

    fn bits(&self, precision: Precision) -> &BitLength {
        static FALLBACK: BitLength = BitLength { bits: 0, note: None };
        self.bit_lengths.get(&precision).unwrap_or(&FALLBACK)
    }
}

/// One input figure used in a derivation, with where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputRef {
    /// Field in the record, e.g. `throughput.fp8` or `dies[0].area_mm2`.
    pub field: Arc<str>,
    /// The number used.
    pub value: f64,
    /// Its quality mark (its own, or the record's).
    pub quality: Quality,
    /// Its sources (its own, or the record's).
    pub sources: Arc<[String]>,
    /// A note on the figure, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Arc<str>>,
}

impl InputRef {
    fn new(record: &ChipRecord, field: String, figure: &Figure) -> InputRef {
        InputRef {
            field: Arc::from(field),
            value: figure.value,
            quality: figure.quality.unwrap_or(record.quality),
            sources: if figure.sources.is_empty() {
                Arc::from(record.sources.as_slice())
            } else {
                Arc::from(figure.sources.as_slice())
            },
            note: figure.note.as_deref().map(Arc::from),
        }
    }
}

/// A computed value, its arithmetic and its inputs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Derived<T> {
    /// The value.
    pub value: T,
    /// The arithmetic, e.g. `fp8 1,979 TOPS × 8 bits = 15,832`.
    pub derivation: Arc<str>,
    /// Figures it was computed from.
    pub inputs: Arc<[InputRef]>,
}

/// TPP for one precision.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PrecisionTpp {
    /// The precision.
    pub precision: Precision,
    /// Dense rate, TOPS/TFLOPS.
    pub rate: f64,
    /// Bit length applied.
    pub bits: u32,
    /// rate × bits.
    pub tpp: f64,
}

/// A metric that could not be computed, and the inputs it lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Missing {
    /// The metric, e.g. `performance_density`.
    pub metric: String,
    /// The record fields that would supply it.
    pub inputs: Vec<String>,
}

/// All metrics of one record.
#[derive(Clone, Debug, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Metrics {
    /// 'Total processing performance'.
    pub tpp: Option<Derived<Tpp>>,
    /// TPP per precision, the candidates for the maximum.
    pub tpp_by_precision: Vec<PrecisionTpp>,
    /// 'Applicable die area'.
    pub applicable_die_area: Option<Derived<SquareMillimetres>>,
    /// 'Performance density'.
    pub performance_density: Option<Derived<PerformanceDensity>>,
    /// Total DRAM bandwidth.
    pub memory_bandwidth: Option<Derived<GigabytesPerSecond>>,
    /// Aggregate bidirectional interconnect rate (the 2022 test).
    pub interconnect: Option<Derived<GigabytesPerSecond>>,
    /// HBM 'memory bandwidth density' (memory items only).
    pub memory_bandwidth_density: Option<Derived<MemoryBandwidthDensity>>,
    /// Metrics that could not be computed.
    pub missing: Vec<Missing>,
}

/// Computes every metric the record's data allows.
pub fn compute(record: &ChipRecord, config: &MetricsConfig) -> Metrics {
    let mut metrics = Metrics::default();
    if record.kind() == ItemKind::System {
        return metrics;
    }

    // TPP: highest dense rate × bit length over the supported precisions.
    let mut best: Option<(Precision, f64, &Figure)> = None;
    let mut steps = Vec::new();
    for (precision, figure) in record.throughput.iter() {
        let bit = config.bits(precision);
        let tpp = figure.value * f64::from(bit.bits);
        metrics.tpp_by_precision.push(PrecisionTpp {
            precision,
            rate: figure.value,
            bits: bit.bits,
            tpp,
        });
        let mut step = format!(
            "{precision} {} × {} bits = {}",
            format_number(figure.value),
            bit.bits,
            format_number(tpp)
        );
        if let Some(note) = &bit.note {
            step.push_str(&format!(" ({note})"));
        }
        steps.push(step);
        if best.is_none_or(|(_, b, _)| tpp > b) {
            best = Some((precision, tpp, figure));
        }
    }
    match best {
        Some((precision, tpp, figure)) => {
            if let Ok(value) = Tpp::new(tpp) {
                metrics.tpp = Some(Derived {
                    value,
                    derivation: Arc::from(format!(
                        "TPP = max over precisions of dense rate × bit length: {} → {} ({precision})",
                        steps.join("; "),
                        format_number(tpp)
                    )),
                    inputs: Arc::from(vec![InputRef::new(record, format!("throughput.{precision}"), figure)]),
                });
            }
        }
        None if record.kind() == ItemKind::Ic => metrics.missing.push(Missing {
            metric: "tpp".to_owned(),
            inputs: vec!["throughput (dense TOPS/TFLOPS for at least one precision)".to_owned()],
        }),
        None => {}
    }

    // Applicable die area: all logic dies on a non-planar node.
    if record.kind() == ItemKind::Ic {
        let mut missing_inputs = Vec::new();
        let mut area = 0.0;
        let mut parts = Vec::new();
        let mut inputs = Vec::new();
        if record.dies.is_empty() {
            missing_inputs.push("dies (logic die areas and whether each is non-planar)".to_owned());
        }
        for (index, die) in record.dies.iter().enumerate() {
            let label = die.name.clone().unwrap_or_else(|| format!("die {index}"));
            match (die.non_planar, &die.area_mm2) {
                (Some(false), _) => parts.push(format!("{label}: planar node, excluded")),
                (None, _) => missing_inputs.push(format!("dies[{index}].non_planar")),
                (Some(true), None) => missing_inputs.push(format!("dies[{index}].area_mm2")),
                (Some(true), Some(figure)) => {
                    let die_area = figure.value * f64::from(die.count);
                    area += die_area;
                    if die.count == 1 {
                        parts.push(format!("{label} {} mm²", format_number(figure.value)));
                    } else {
                        parts.push(format!("{label} {} × {} mm²", die.count, format_number(figure.value)));
                    }
                    inputs.push(InputRef::new(record, format!("dies[{index}].area_mm2"), figure));
                }
            }
        }
        if missing_inputs.is_empty() && area > 0.0 {
            if let Ok(value) = SquareMillimetres::new(area) {
                metrics.applicable_die_area = Some(Derived {
                    value,
                    derivation: Arc::from(format!(
                        "applicable die area = sum of non-planar logic dies: {} = {} mm²",
                        parts.join(" + "),
                        format_number(area)
                    )),
                    inputs: Arc::from(inputs),
                });
            }
        } else if missing_inputs.is_empty() {
            missing_inputs.push("dies (no logic die on a non-planar node is listed)".to_owned());
        }
        match (&metrics.tpp, &metrics.applicable_die_area) {
            (Some(tpp), Some(area)) => {
                let pd = tpp.value.get() / area.value.get();
                if let Ok(value) = PerformanceDensity::new(pd) {
                    let mut pd_inputs = tpp.inputs.to_vec();
                    pd_inputs.extend(area.inputs.iter().cloned());
                    metrics.performance_density = Some(Derived {
                        value,
                        derivation: Arc::from(format!(
                            "PD = TPP / applicable die area = {} / {} mm² = {}",
                            format_number(tpp.value.get()),
                            format_number(area.value.get()),
                            format_number(pd)
                        )),
                        inputs: Arc::from(pd_inputs),
                    });
                }
            }
            (tpp, _) => {
                let mut inputs = missing_inputs;
                if tpp.is_none() {
                    inputs.insert(0, "throughput".to_owned());
                }
                metrics.missing.push(Missing {
                    metric: "performance_density".to_owned(),
                    inputs,
                });
            }
        }
    }

    metrics.memory_bandwidth = bandwidth(
        record,
        "memory_bandwidth_gbs",
        record.memory_bandwidth_gbs.as_ref(),
        "total DRAM bandwidth",
    );
    if metrics.memory_bandwidth.is_none() {
        metrics.missing.push(Missing {
            metric: "memory_bandwidth".to_owned(),
            inputs: vec!["memory_bandwidth_gbs".to_owned()],
        });
    }
    metrics.interconnect = bandwidth(
        record,
        "interconnect_gbs",
        record.interconnect_gbs.as_ref(),
        "aggregate bidirectional transfer rate to ICs other than volatile memories",
    );
    if metrics.interconnect.is_none() {
        metrics.missing.push(Missing {
            metric: "interconnect".to_owned(),
            inputs: vec!["interconnect_gbs".to_owned()],
        });
    }

    if record.kind() == ItemKind::Hbm {
        match (&record.memory_bandwidth_gbs, &record.package_area_mm2) {
            (Some(bw), Some(area)) if area.value > 0.0 => {
                let density = bw.value / area.value;
                if let Ok(value) = MemoryBandwidthDensity::new(density) {
                    metrics.memory_bandwidth_density = Some(Derived {
                        value,
                        derivation: Arc::from(format!(
                            "memory bandwidth density = {} GB/s / {} mm² = {} GB/s/mm²",
                            format_number(bw.value),
                            format_number(area.value),
                            format_number(density)
                        )),
                        inputs: Arc::from(vec![
                            InputRef::new(record, "memory_bandwidth_gbs".to_owned(), bw),
                            InputRef::new(record, "package_area_mm2".to_owned(), area),
                        ]),
                    });
                }
            }
            _ => metrics.missing.push(Missing {
                metric: "memory_bandwidth_density".to_owned(),
                inputs: vec![
                    "memory_bandwidth_gbs".to_owned(),
                    "package_area_mm2 (non-zero)".to_owned(),
                ],
            }),
        }
    }
    metrics
}

fn bandwidth(
    record: &ChipRecord,
    field: &str,
    figure: Option<&Figure>,
    what: &str,
) -> Option<Derived<GigabytesPerSecond>> {
    let figure = figure?;
    Some(Derived {
        value: GigabytesPerSecond::new(figure.value).ok()?,
        derivation: Arc::from(format!("{what} = {field} = {} GB/s", format_number(figure.value))),
        inputs: Arc::from(vec![InputRef::new(record, field.to_owned(), figure)]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chip::ChipId;

    fn config() -> MetricsConfig {
        let mut text = String::from("citation = \"test\"\n[bit_lengths]\n");
        for (p, b) in [
            ("fp64", 64),
            ("fp32", 32),
            ("tf32", 19),
            ("fp16", 16),
            ("bf16", 16),
            ("fp8", 8),
            ("int8", 8),
            ("int4", 4),
            ("fp4", 4),
        ] {
            text.push_str(&format!("{p} = {{ bits = {b} }}\n"));
        }
        MetricsConfig::from_toml(&text, "test").unwrap()
    }

    fn record(text: &str) -> ChipRecord {
        let id: ChipId = "test-chip".parse().unwrap();
        ChipRecord::from_toml(text, "t.toml", Some(&id)).unwrap()
    }

    #[test]
    fn h20_like_tpp_and_density() {
        let chip = record(
            "name = \"H20\"\nvendor = \"NVIDIA\"\ndatacenter = true\n[throughput]\nfp16 = 148\nint8 = 296\ntf32 = 74\n[[dies]]\narea_mm2 = 814\nnon_planar = true\n",
        );
        let m = compute(&chip, &config());
        assert_eq!(m.tpp.as_ref().unwrap().value.get(), 2368.0);
        let pd = m.performance_density.as_ref().unwrap().value.get();
        assert!((pd - 2368.0 / 814.0).abs() < 1e-12);
        assert!(m.tpp.unwrap().derivation.contains("tf32 74 × 19 bits = 1,406"));
    }

    #[test]
    fn missing_die_area_is_named() {
        let chip = record("name = \"X\"\nvendor = \"V\"\n[throughput]\nint8 = 100\n");
        let m = compute(&chip, &config());
        assert!(m.performance_density.is_none());
        let missing = m.missing.iter().find(|x| x.metric == "performance_density").unwrap();
        assert!(missing.inputs[0].starts_with("dies"));
    }

    #[test]
    fn planar_dies_do_not_count() {
        let chip = record(
            "name = \"X\"\nvendor = \"V\"\n[throughput]\nint8 = 100\n[[dies]]\narea_mm2 = 100\nnon_planar = true\n[[dies]]\narea_mm2 = 300\nnon_planar = false\n",
        );
        let m = compute(&chip, &config());
        assert_eq!(m.applicable_die_area.unwrap().value.get(), 100.0);
    }
}

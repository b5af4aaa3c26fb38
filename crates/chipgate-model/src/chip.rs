//! Chip and system records: the catalog format in `data/chips/*.toml`, also accepted
//! from users as `--spec FILE`.
//!
//! Every figure carries its data-quality mark and sources, either inherited from the
//! record or given inline (`fp4 = { value = 1676, quality = "derived", note = "…" }`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::units::check_quantity;

/// A stable catalog id: lowercase kebab-case `vendor-model-variant`, e.g. `nvidia-h100-sxm5`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct ChipId(String);

/// Why a chip id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid chip id `{0}`: use lowercase letters, digits and single hyphens, e.g. `nvidia-h100-sxm5`")]
pub struct ChipIdError(String);

impl ChipId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for ChipId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl FromStr for ChipId {
    type Err = ChipIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = !text.is_empty()
            && text.len() <= 80
            && text
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if valid {
            Ok(ChipId(text.to_owned()))
        } else {
            Err(ChipIdError(text.to_owned()))
        }
    }
}

impl fmt::Display for ChipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ChipId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// How much a figure can be trusted, carried from the reference data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Quality {
    /// Vendor datasheet or official page (possibly relayed verbatim).
    Official,
    /// A secondary source (aggregator, press, dataset).
    Secondary,
    /// Arithmetic on other cited figures, not itself published.
    Derived,
    /// An estimate by a third party.
    Estimate,
    /// A leak or rumour.
    Rumoured,
    /// Sources disagree.
    Conflicting,
    /// An explicit assumption stated in the record.
    Assumed,
    /// Not marked.
    #[default]
    Unknown,
}

impl Quality {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Official => "official",
            Quality::Secondary => "secondary",
            Quality::Derived => "derived",
            Quality::Estimate => "estimate",
            Quality::Rumoured => "rumoured",
            Quality::Conflicting => "conflicting",
            Quality::Assumed => "assumed",
            Quality::Unknown => "unknown",
        }
    }
}

/// A number from a spec sheet with its own quality mark, note and sources.
///
/// In TOML either a plain number (inherits the record's quality and sources) or an
/// inline table `{ value, quality, note, sources, sparse }`. NaN, infinities and
/// negative values are refused while parsing, so the error points at the line.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Figure {
    /// The number, in the unit the field name gives.
    pub value: f64,
    /// Its own quality mark, if it differs from the record's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// A note on this figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Its own sources, if they differ from the record's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// True when the figure is a structured-sparsity rate (refused for TPP).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sparse: bool,
}

impl Figure {
    /// A plain figure.
    pub fn plain(value: f64) -> Figure {
        Figure {
            value,
            quality: None,
            note: None,
            sources: Vec::new(),
            sparse: false,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FigureTable {
    value: f64,
    #[serde(default)]
    quality: Option<Quality>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    sparse: bool,
}

fn checked<E: de::Error>(value: f64) -> Result<f64, E> {
    check_quantity(value).map_err(E::custom)
}

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FigureVisitor;

        impl<'de> Visitor<'de> for FigureVisitor {
            type Value = Figure;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a table { value = …, quality = …, note = …, sources = […] }")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Figure, E> {
                checked(v as f64).map(Figure::plain)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Figure, E> {
                checked(v as f64).map(Figure::plain)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Figure, E> {
                checked(v).map(Figure::plain)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Figure, A::Error> {
                let table = FigureTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let value = checked(table.value)?;
                Ok(Figure {
                    value,
                    quality: table.quality,
                    note: table.note,
                    sources: table.sources,
                    sparse: table.sparse,
                })
            }
        }

        deserializer.deserialize_any(FigureVisitor)
    }
}

/// Numeric precisions a datasheet quotes throughput for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// IEEE double precision.
    Fp64,
    /// IEEE single precision.
    Fp32,
    /// NVIDIA TensorFloat-32 (19 significant bits stored in 32).
    Tf32,
    /// IEEE half precision.
    Fp16,
    /// bfloat16.
    Bf16,
    /// 8-bit floating point.
    Fp8,
    /// 8-bit integer.
    Int8,
    /// 4-bit integer.
    Int4,
    /// 4-bit floating point.
    Fp4,
}

impl Precision {
    /// All precisions, in catalog order.
    pub const ALL: [Precision; 9] = [
        Precision::Fp64,
        Precision::Fp32,
        Precision::Tf32,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
        Precision::Int8,
        Precision::Int4,
        Precision::Fp4,
    ];

    /// The lowercase key used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp64 => "fp64",
            Precision::Fp32 => "fp32",
            Precision::Tf32 => "tf32",
            Precision::Fp16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::Fp8 => "fp8",
            Precision::Int8 => "int8",
            Precision::Int4 => "int4",
            Precision::Fp4 => "fp4",
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Dense throughput per precision, TOPS (integer) or TFLOPS (floating point).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Throughput {
    /// FP64 (matrix where known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp64: Option<Figure>,
    /// FP32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp32: Option<Figure>,
    /// TF32 tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tf32: Option<Figure>,
    /// FP16 tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp16: Option<Figure>,
    /// BF16 tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bf16: Option<Figure>,
    /// FP8 tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp8: Option<Figure>,
    /// INT8 tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int8: Option<Figure>,
    /// INT4 tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int4: Option<Figure>,
    /// FP4 tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp4: Option<Figure>,
}

impl Throughput {
    /// The figure for one precision.
    pub fn get(&self, precision: Precision) -> Option<&Figure> {
        match precision {
            Precision::Fp64 => self.fp64.as_ref(),
            Precision::Fp32 => self.fp32.as_ref(),
            Precision::Tf32 => self.tf32.as_ref(),
            Precision::Fp16 => self.fp16.as_ref(),
            Precision::Bf16 => self.bf16.as_ref(),
            Precision::Fp8 => self.fp8.as_ref(),
            Precision::Int8 => self.int8.as_ref(),
            Precision::Int4 => self.int4.as_ref(),
            Precision::Fp4 => self.fp4.as_ref(),
        }
    }

    /// The precisions with a figure, in catalog order.
    pub fn iter(&self) -> impl Iterator<Item = (Precision, &Figure)> {
        Precision::ALL.into_iter().filter_map(|p| self.get(p).map(|f| (p, f)))
    }

    /// True when no precision has a figure.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// A logic die in the package (memory stacks are not listed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Die {
    /// Die name, e.g. `GH100`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Process node, e.g. `TSMC 4N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// Area of one such die, mm².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_mm2: Option<Figure>,
    /// How many such dies the package holds.
    #[serde(default = "one")]
    pub count: u32,
    /// Made on a non-planar (FinFET/GAA) transistor node; only such dies count toward
    /// 'applicable die area' (ECCN 3A090 Technical Note 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_planar: Option<bool>,
    /// Basis for `non_planar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_planar_note: Option<String>,
}

fn one() -> u32 {
    1
}

/// A part of a system: another catalog record and how many of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// The component's catalog id.
    pub id: ChipId,
    /// How many.
    pub count: u32,
}

/// What kind of item a record describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// An integrated circuit (accelerator, GPU, ASIC).
    #[default]
    Ic,
    /// A computer, assembly or component containing ICs (4A090 candidates).
    System,
    /// A high-bandwidth-memory stack or package (3A090.c candidates).
    Hbm,
}

impl ItemKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Ic => "ic",
            ItemKind::System => "system",
            ItemKind::Hbm => "hbm",
        }
    }
}

/// One catalog record or user spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChipRecord {
    /// Stable id. Optional in a user spec (then derived from the file name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ChipId>,
    /// What the record describes. Defaults to `system` when components are listed, else `ic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ItemKind>,
    /// Display name.
    pub name: String,
    /// Vendor.
    pub vendor: String,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Launch year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_year: Option<u16>,
    /// Designed or marketed for use in datacenters (a declared attribute; drives Note 2 to 3A090).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<bool>,
    /// Qualifier for `datacenter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacenter_note: Option<String>,
    /// Default quality of the record's figures.
    #[serde(default)]
    pub quality: Quality,
    /// The reference data's quality text, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_note: Option<String>,
    /// Free notes, verbatim from the reference data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Source URLs for the record's figures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Memory type, e.g. `HBM3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_type: Option<String>,
    /// Memory capacity, GB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_gb: Option<Figure>,
    /// Total DRAM bandwidth, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bandwidth_gbs: Option<Figure>,
    /// Aggregate bidirectional chip-to-chip transfer rate, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interconnect_gbs: Option<Figure>,
    /// Package or stack area for memory items (3A090.c), mm².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_area_mm2: Option<Figure>,
    /// Board power, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tdp_w: Option<Figure>,
    /// Boost clock, MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boost_clock_mhz: Option<Figure>,
    /// SM / CU count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_units: Option<Figure>,
    /// Transistors, billions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transistors_billion: Option<Figure>,
    /// Dense throughput per precision.
    #[serde(default, skip_serializing_if = "Throughput::is_empty")]
    pub throughput: Throughput,
    /// Logic dies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dies: Vec<Die>,
    /// Components, for systems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// A problem in a chip file, located by file, line and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}:{line}:{column}: {field}: {message}")]
pub struct SpecError {
    /// The file (or `<stdin>`).
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted field path, e.g. `throughput.fp8`, or `(document)`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl ChipRecord {
    /// Parses and checks one record. `origin` names the file in errors; `default_id`
    /// is used when the file has no `id` (a user spec).
    pub fn from_toml(text: &str, origin: &str, default_id: Option<&ChipId>) -> Result<ChipRecord, SpecError> {
        let mut record: ChipRecord = toml::from_str(text).map_err(|err| {
            let span = err.span().unwrap_or(0..0);
            let (line, column) = line_col(text, span.start);
            SpecError {
                origin: origin.to_owned(),
                line,
                column,
                field: field_at(text, span.start),
                message: err.message().to_owned(),
            }
        })?;
        if record.id.is_none() {
            record.id = default_id.cloned();
        }
        record.check(text, origin)?;
        Ok(record)
    }

    /// The record's id (always set after [`ChipRecord::from_toml`] with a default id).
    pub fn id(&self) -> Option<&ChipId> {
        self.id.as_ref()
    }

    /// The item kind, defaulting from the presence of components.
    pub fn kind(&self) -> ItemKind {
        self.kind.unwrap_or(if self.components.is_empty() {
            ItemKind::Ic
        } else {
            ItemKind::System
        })
    }

    fn check(&self, text: &str, origin: &str) -> Result<(), SpecError> {
        let fail = |field: &str, key: &str, message: String| {
            let offset = find_key(text, key);
            let (line, column) = line_col(text, offset);
            SpecError {
                origin: origin.to_owned(),
                line,
                column,
                field: field.to_owned(),
                message,
            }
        };
        if self.id.is_none() {
            return Err(fail("id", "id", "missing field `id`".to_owned()));
        }
        if self.name.trim().is_empty() {
            return Err(fail("name", "name", "must not be empty".to_owned()));
        }
        for (precision, figure) in self.throughput.iter() {
            if figure.sparse {
                return Err(fail(
                    &format!("throughput.{precision}"),
                    precision.as_str(),
                    "is a sparse figure; 'TPP' counts dense throughput only (3A090 Technical Note 3): give the dense rate, often half the sparse one".to_owned(),
                ));
            }
        }
        for (index, die) in self.dies.iter().enumerate() {
            if die.count == 0 {
                return Err(fail(
                    &format!("dies[{index}].count"),
                    "count",
                    "must be at least 1".to_owned(),
                ));
            }
        }
        match self.kind() {
            ItemKind::System => {
                if self.components.is_empty() {
                    return Err(fail(
                        "components",
                        "kind",
                        "a system must list its `[[components]]`".to_owned(),
                    ));
                }
                if !self.throughput.is_empty() || !self.dies.is_empty() {
                    return Err(fail(
                        "throughput",
                        "throughput",
                        "a system is classified from its components; move throughput and dies to the component records"
                            .to_owned(),
                    ));
                }
            }
            ItemKind::Ic | ItemKind::Hbm => {
                if !self.components.is_empty() {
                    return Err(fail(
                        "components",
                        "components",
                        "only a record with `kind = \"system\"` may list components".to_owned(),
                    ));
                }
            }
        }
        for (index, component) in self.components.iter().enumerate() {
            if component.count == 0 {
                return Err(fail(
                    &format!("components[{index}].count"),
                    "count",
                    "must be at least 1".to_owned(),
                ));
            }
        }
        Ok(())
    }

    /// A short one-line description.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.name, self.vendor)
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The dotted key path of the line holding `offset`: the nearest table header above
/// plus the key on the line.
fn field_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..).unwrap_or("").lines().next().unwrap_or("");
    let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_owned());
    let header = before
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('['))
        .map(|l| l.trim().trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    match (header, key) {
        (Some(h), Some(k)) if !line.trim_start().starts_with('[') => format!("{h}.{k}"),
        (_, Some(k)) => k,
        (Some(h), None) => h,
        (None, None) => "(document)".to_owned(),
    }
}

fn find_key(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(key) && trimmed[key.len()..].trim_start().starts_with(['=', ']']) {
            return offset + (line.len() - trimmed.len());
        }
        if trimmed.starts_with(&format!("[{key}")) || trimmed.starts_with(&format!("[[{key}")) {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    0
}

/// Ids and display names, for listings.
pub type Catalog = BTreeMap<ChipId, ChipRecord>;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ChipRecord, SpecError> {
        ChipRecord::from_toml(text, "spec.toml", Some(&"my-chip".parse().unwrap()))
    }

    #[test]
    fn parses_plain_and_detailed_figures() {
        let record = parse(
            "name = \"X\"\nvendor = \"V\"\ndatacenter = true\n[throughput]\nfp8 = 1979\nfp4 = { value = 10.5, quality = \"derived\", note = \"half of sparse\" }\n[[dies]]\narea_mm2 = 814\nnon_planar = true\n",
        )
        .unwrap();
        assert_eq!(record.throughput.fp8.as_ref().unwrap().value, 1979.0);
        let fp4 = record.throughput.fp4.as_ref().unwrap();
        assert_eq!(fp4.quality, Some(Quality::Derived));
        assert_eq!(record.dies[0].count, 1);
        assert_eq!(record.kind(), ItemKind::Ic);
        assert_eq!(record.id().unwrap().as_str(), "my-chip");
    }

    #[test]
    fn negative_figure_names_line_and_field() {
        let err = parse("name = \"X\"\nvendor = \"V\"\n[throughput]\nfp8 = -5\n").unwrap_err();
        assert_eq!(err.line, 4);
        assert_eq!(err.field, "throughput.fp8");
        assert!(err.message.contains("negative"), "{err}");
    }

    #[test]
    fn nan_and_infinity_are_refused() {
        let err = parse("name = \"X\"\nvendor = \"V\"\nmemory_bandwidth_gbs = nan\n").unwrap_err();
        assert_eq!(err.field, "memory_bandwidth_gbs");
        assert!(err.message.contains("not a finite number"), "{err}");
        let err = parse("name = \"X\"\nvendor = \"V\"\n[throughput]\nint8 = inf\n").unwrap_err();
        assert_eq!(err.field, "throughput.int8");
    }

    #[test]
    fn unknown_precision_is_refused() {
        let err = parse("name = \"X\"\nvendor = \"V\"\n[throughput]\nfp12 = 5\n").unwrap_err();
        assert_eq!(err.line, 4);
        assert!(err.message.contains("unknown field `fp12`"), "{err}");
    }

    #[test]
    fn sparse_figure_is_refused() {
        let err =
            parse("name = \"X\"\nvendor = \"V\"\n[throughput]\nfp8 = { value = 3958, sparse = true }\n").unwrap_err();
        assert_eq!(err.field, "throughput.fp8");
        assert_eq!(err.line, 4);
        assert!(err.message.contains("dense"), "{err}");
    }

    #[test]
    fn ids_are_kebab_case() {
        assert!("nvidia-h100-sxm5".parse::<ChipId>().is_ok());
        assert!("Nvidia-H100".parse::<ChipId>().is_err());
        assert!("a--b".parse::<ChipId>().is_err());
        assert!("".parse::<ChipId>().is_err());
    }
}

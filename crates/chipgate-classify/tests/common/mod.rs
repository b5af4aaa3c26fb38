#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "each test binary uses a different part of this module; tests fail loudly"
)]

use chipgate_classify::Classifier;
use chipgate_data::Embedded;
use chipgate_model::{ChipId, ChipRecord, Date};

use std::sync::OnceLock;

pub(crate) fn classifier() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(|| Classifier::load(&Embedded).unwrap())
}

pub(crate) fn date(text: &str) -> Date {
    text.parse().unwrap()
}

/// A synthetic IC: one dense INT8 rate (TPP = rate x 8), one non-planar die.
pub(crate) fn spec(tpp: f64, area: Option<f64>, datacenter: bool, interconnect: Option<f64>) -> ChipRecord {
    let mut text = format!("name = \"test\"\nvendor = \"test\"\ndatacenter = {datacenter}\n");
    if let Some(bw) = interconnect {
        text.push_str(&format!("interconnect_gbs = {bw:?}\n"));
    }
    text.push_str(&format!("[throughput]\nint8 = {:?}\n", tpp / 8.0));
    if let Some(area) = area {
        text.push_str(&format!("[[dies]]\narea_mm2 = {area:?}\nnon_planar = true\n"));
    }
    let id: ChipId = "test-spec".parse().unwrap();
    ChipRecord::from_toml(&text, "test.toml", Some(&id)).unwrap()
}

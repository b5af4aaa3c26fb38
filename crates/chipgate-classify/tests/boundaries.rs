//! Every threshold, exactly on and just off, plus monotonicity.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests and benches fail loudly")]

mod common;

use common::{classifier, date, spec};
use proptest::prelude::*;

fn eccn(tpp: f64, area: Option<f64>, datacenter: bool, interconnect: Option<f64>, on: &str) -> Vec<String> {
    let c = classifier();
    let result = c
        .classify(&spec(tpp, area, datacenter, interconnect), date(on))
        .unwrap();
    result.eccn.iter().map(ToString::to_string).collect()
}

const NOW: &str = "2025-06-01";
const EPS: f64 = 0.001;

#[test]
fn tpp_4800_is_3a090_a_1() {
    // Huge area keeps PD tiny, so only a.1 can apply.
    assert_eq!(eccn(4800.0, Some(1e6), true, None, NOW), ["3A090.a"]);
    assert_eq!(eccn(4800.0 + EPS, Some(1e6), true, None, NOW), ["3A090.a"]);
    assert!(eccn(4800.0 - EPS, Some(1e6), true, None, NOW).is_empty());
}

#[test]
fn note_2_ends_at_tpp_4800_for_non_datacenter_parts() {
    // PD 6 would make a datacenter part 3A090.a.2; Note 2 takes out a non-datacenter part below 4800.
    assert!(eccn(4800.0 - EPS, Some((4800.0 - EPS) / 6.0), false, None, NOW).is_empty());
    assert_eq!(eccn(4800.0, Some(800.0), false, None, NOW), ["3A090.a"]);
    assert_eq!(
        eccn(4800.0 - EPS, Some((4800.0 - EPS) / 6.0), true, None, NOW),
        ["3A090.a"]
    );
}

#[test]
fn tpp_1600_and_pd_5_92_is_3a090_a_2() {
    assert_eq!(eccn(1600.0, Some(1600.0 / 5.92), true, None, NOW), ["3A090.a"]);
    assert!(eccn(1600.0 - EPS, Some((1600.0 - EPS) / 6.0), true, None, NOW).is_empty());
    // PD just under 5.92 falls to 3A090.b.2 (PD >= 3.2).
    assert_eq!(eccn(1600.0, Some(1600.0 / 5.919), true, None, NOW), ["3A090.b"]);
    assert_eq!(eccn(1600.0, Some(1600.0 / 5.921), true, None, NOW), ["3A090.a"]);
}

#[test]
fn tpp_2400_and_pd_1_6_is_3a090_b_1() {
    assert_eq!(eccn(2400.0, Some(2400.0 / 1.6), true, None, NOW), ["3A090.b"]);
    assert!(eccn(2400.0 - EPS, Some((2400.0 - EPS) / 1.7), true, None, NOW).is_empty());
    assert!(eccn(2400.0, Some(2400.0 / 1.599), true, None, NOW).is_empty());
    assert_eq!(eccn(2400.0, Some(2400.0 / 1.601), true, None, NOW), ["3A090.b"]);
}

#[test]
fn pd_3_2_is_3a090_b_2() {
    assert_eq!(eccn(2000.0, Some(2000.0 / 3.2), true, None, NOW), ["3A090.b"]);
    assert!(eccn(2000.0, Some(2000.0 / 3.199), true, None, NOW).is_empty());
    assert_eq!(eccn(2000.0, Some(2000.0 / 3.201), true, None, NOW), ["3A090.b"]);
}

#[test]
fn interconnect_600_gbs_under_the_2022_rule() {
    let on = "2023-01-01";
    assert_eq!(eccn(5000.0, Some(800.0), true, Some(600.0), on), ["3A090.a"]);
    assert_eq!(eccn(5000.0, Some(800.0), true, Some(600.0 + EPS), on), ["3A090.a"]);
    assert!(eccn(5000.0, Some(800.0), true, Some(600.0 - EPS), on).is_empty());
    // TPP prong of 2022 at 4800 with a fast interconnect.
    assert_eq!(eccn(4800.0, Some(800.0), true, Some(900.0), on), ["3A090.a"]);
    assert!(eccn(4800.0 - EPS, Some(800.0), true, Some(900.0), on).is_empty());
}

#[test]
fn missing_die_area_is_indeterminate_only_when_it_could_decide() {
    let c = classifier();
    let decided = c.classify(&spec(5000.0, None, true, None), date(NOW)).unwrap();
    assert_eq!(decided.outcome.as_str(), "controlled");
    let open = c.classify(&spec(2000.0, None, true, None), date(NOW)).unwrap();
    assert_eq!(open.outcome.as_str(), "indeterminate");
    assert!(open
        .missing_inputs
        .iter()
        .any(|m| m.fact == "performance_density" && m.inputs.iter().any(|i| i.starts_with("dies"))));
    // Below every TPP line the die area cannot matter.
    let low = c.classify(&spec(1000.0, None, true, None), date(NOW)).unwrap();
    assert_eq!(low.outcome.as_str(), "not_controlled");
}

fn level(eccn: &[String]) -> u8 {
    if eccn.iter().any(|e| e == "3A090.a") {
        2
    } else if eccn.iter().any(|e| e == "3A090.b") {
        1
    } else {
        0
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn raising_tpp_never_makes_a_chip_less_controlled(
        tpp in 100.0f64..20000.0,
        extra in 0.0f64..10000.0,
        area in 50.0f64..2000.0,
        datacenter in any::<bool>(),
        year in prop_oneof![Just("2023-01-01"), Just("2024-01-10"), Just("2026-01-20")],
    ) {
        let low = level(&eccn(tpp, Some(area), datacenter, Some(900.0), year));
        let high = level(&eccn(tpp + extra, Some(area), datacenter, Some(900.0), year));
        prop_assert!(high >= low, "tpp {} -> {}: level {} -> {}", tpp, tpp + extra, low, high);
    }
}

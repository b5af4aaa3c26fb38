//! The determination memo is keyed by *period* (the span between two dates on which rule data
//! change) instead of by date. These tests check that this loses nothing: on every day of a
//! period the reported determination is the one of the period's first day, and every fact
//! license rules can test comes from an input that is part of the key.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use chipgate_batch::{Determination, Periods};
use chipgate_decide::Request;
use chipgate_engine::Engine;
use chipgate_model::Date;

#[test]
fn the_key_covers_every_fact_the_license_rules_can_test() {
    // Each fact comes from: the item and the period (eccn, item, datacenter, tpp, bandwidths,
    // designer_hq, designer_groups, on_ccl — an order book has no `eccn` column), the exporter,
    // the destination text and the period (destination, destination_groups,
    // destination_region — no `region` column: a region is named as the destination), the
    // headquarters and the period (hq_countries, hq_groups), the end use text (end_uses);
    // us_person has no column (always missing). A new fact must be added to the
    // determination key in `process.rs` before this list is changed.
    let known = [
        "eccn",
        "item",
        "exporter",
        "datacenter",
        "tpp",
        "memory_bandwidth_gbs",
        "interconnect_gbs",
        "memory_bandwidth_density",
        "destination",
        "destination_groups",
        "hq_countries",
        "hq_groups",
        "end_uses",
        "destination_region",
        "on_ccl",
        "designer_hq",
        "designer_groups",
        "us_person",
    ];
    let mut names = chipgate_decide::schema().names();
    names.sort_unstable();
    let mut known = known.to_vec();
    known.sort_unstable();
    assert_eq!(
        names, known,
        "a license-rule fact was added: make the batch determination key cover it"
    );
}

#[test]
fn every_day_of_a_period_has_the_determination_of_its_first_day() {
    let engine = Engine::load(&chipgate_data::Embedded).unwrap();
    let periods = Periods::of(&engine);
    assert!(periods.dates().len() > 5, "{:?}", periods.dates());
    let items = [
        "nvidia-h20",
        "nvidia-a800-sxm4",
        "nvidia-geforce-rtx-4090",
        "amd-instinct-mi308x",
    ];
    let routes: [(&str, Option<&str>, Option<&str>); 6] = [
        ("CN", None, None),
        ("MY", Some("MY"), Some("CN")),
        ("AE", None, None),
        ("DE", Some("DE"), None),
        ("MO", None, None),
        ("VN", Some("VN"), Some("US")),
    ];
    let first: Date = "2022-10-01".parse().unwrap();
    let last: Date = "2026-12-31".parse().unwrap();
    let mut checked = 0;
    for item_id in items {
        let item = engine.classifier().catalog().get(item_id).unwrap();
        for (dest, hq, parent) in routes {
            let request = Request {
                destination: dest.to_owned(),
                quantity: Some(1),
                end_user_hq: hq.map(str::to_owned),
                parent_hq: parent.map(str::to_owned),
                ..Request::default()
            };
            let mut current: Option<(usize, Date, Result<Determination, String>)> = None;
            let mut day = first;
            // Every 3rd day plus the day before and of each breakpoint.
            let mut days: Vec<Date> = Vec::new();
            while day <= last {
                days.push(day);
                day = day.add_days(3);
            }
            for d in periods.dates() {
                days.push(d.pred());
                days.push(*d);
            }
            days.sort();
            days.dedup();
            for date in days {
                let got = engine
                    .decide(item, &request, date)
                    .map(|d| Determination::of(&d))
                    .map_err(|e| e.to_string());
                let period = periods.period(date);
                match &current {
                    Some((p, from, expected)) if *p == period => {
                        if let (Ok(expected), Ok(got)) = (expected, &got) {
                            assert_eq!(
                                expected, got,
                                "{item_id} to {dest} (hq {hq:?}, parent {parent:?}): {date} differs from {from} in the same period"
                            );
                            checked += 1;
                        }
                    }
                    _ => current = Some((period, date, got)),
                }
            }
        }
    }
    assert!(checked > 5_000, "{checked}");
}

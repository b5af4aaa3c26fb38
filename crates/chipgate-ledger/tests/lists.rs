//! Keyset-paged lists: orders, holds (filters, priority, counts), licenses, routes, on
//! every backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

mod common;

use std::collections::BTreeSet;

use chipgate_ledger::*;
use common::*;

fn refs(orders: &[OrderRecord]) -> Vec<String> {
    orders.iter().map(|o| o.request.order_ref.clone()).collect()
}

/// Every order of `status`, a page of `limit` at a time; `between` runs after each page.
fn page_orders(
    l: &mut Ledger,
    status: Option<OrderStatus>,
    limit: u64,
    mut between: impl FnMut(&mut Ledger, usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = None;
    for page in 0.. {
        let rows = l.orders_page(status, after, limit).unwrap();
        assert!(rows.len() as u64 <= limit);
        seen.extend(refs(&rows));
        match rows.last() {
            Some(last) if rows.len() as u64 == limit => after = Some(last.result.audit_seq),
            _ => break,
        }
        between(l, page);
    }
    seen
}

#[test]
fn orders_page_by_check_order_and_inserts_between_pages_are_neither_skipped_nor_repeated() {
    for db in backends("orders_page") {
        let mut l = db.open();
        let now = ts("2025-08-20T00:00:00Z");
        for i in 0..25 {
            let outcome = if i % 5 == 0 {
                Outcome::Indeterminate
            } else {
                Outcome::NoLicenseRequired
            };
            l.check_order(&order(&format!("O-{i:03}"), 1, "2025-08-20"), &det(outcome), "u", now)
                .unwrap();
        }
        let all = page_orders(&mut l, None, 7, |_, _| {});
        let expected: Vec<String> = (0..25).map(|i| format!("O-{i:03}")).collect();
        assert_eq!(all, expected, "{}", db.name());
        assert_eq!(all, refs(&l.list_orders(None).unwrap()));

        let held = page_orders(&mut l, Some(OrderStatus::Held), 2, |_, _| {});
        assert_eq!(held, ["O-000", "O-005", "O-010", "O-015", "O-020"]);

        // Orders checked between two page fetches come at the end, once.
        let mut n = 0;
        let seen = page_orders(&mut l, None, 10, |l, page| {
            if page == 0 {
                for r in ["A-new", "0-first-by-name"] {
                    l.check_order(&order(r, 1, "2025-08-20"), &det(Outcome::NoLicenseRequired), "u", now)
                        .unwrap();
                    n += 1;
                }
            }
        });
        assert_eq!(n, 2);
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "repeated: {seen:?}");
        assert_eq!(seen.len(), 27);
        assert_eq!(&seen[25..], ["A-new", "0-first-by-name"]);
        assert!(l.orders_page(None, Some(u64::MAX), 10).unwrap().is_empty());
    }
}

fn screening(mut d: DeterminationSummary) -> DeterminationSummary {
    d.screening_hits = vec!["Example Cloud Co (Entity List)".into()];
    d
}

fn hold_refs(holds: &[Hold]) -> Vec<&str> {
    holds.iter().map(|h| h.order_ref.as_str()).collect()
}

#[test]
fn holds_filter_by_status_and_kind_rank_by_priority_and_count_per_kind() {
    for db in backends("holds_page") {
        let mut l = db.open();
        let now = ts("2025-08-20T00:00:00Z");
        let check = |l: &mut Ledger, r: &str, d: DeterminationSummary| {
            assert!(!l
                .check_order(&order(r, 1, "2025-08-20"), &d, "u", now)
                .unwrap()
                .is_shipped());
        };
        check(&mut l, "L1", det(Outcome::LicenseRequired)); // no_covering_license
        check(&mut l, "S1", screening(det(Outcome::NoLicenseRequired))); // screening_hit
        check(&mut l, "I1", det(Outcome::Indeterminate));
        check(&mut l, "L2", det(Outcome::LicenseRequired));
        check(&mut l, "SI", screening(det(Outcome::Indeterminate))); // both
        l.suspend_route("nvidia-h20", "CN", "under review", "admin", now)
            .unwrap();
        check(&mut l, "R1", det(Outcome::LicenseRequired)); // route_suspended + no_covering_license
        check(&mut l, "I2", det(Outcome::Indeterminate)); // route_suspended + indeterminate
        l.release_hold("L2", "license applied for", "officer", now).unwrap();

        let q = |status, kinds: &[&str], sort| HoldQuery {
            status,
            kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
            sort,
        };
        let open = l
            .holds_page(&q(HoldStatus::Open, &[], HoldSort::Priority), None, 100)
            .unwrap();
        assert_eq!(hold_refs(&open), ["SI", "S1", "I2", "I1", "R1", "L1"], "{}", db.name());
        assert_eq!(open.iter().map(Hold::priority).collect::<Vec<_>>(), [0, 0, 1, 1, 2, 3]);
        let newest = l
            .holds_page(&q(HoldStatus::Open, &[], HoldSort::Newest), None, 100)
            .unwrap();
        assert_eq!(hold_refs(&newest), ["I2", "R1", "SI", "I1", "S1", "L1"]);
        let oldest = l
            .holds_page(&q(HoldStatus::All, &[], HoldSort::Oldest), None, 100)
            .unwrap();
        assert_eq!(hold_refs(&oldest), ["L1", "S1", "I1", "L2", "SI", "R1", "I2"]);
        let released = l
            .holds_page(&q(HoldStatus::Released, &[], HoldSort::Priority), None, 100)
            .unwrap();
        assert_eq!(hold_refs(&released), ["L2"]);

        // A hold matches a kind when at least one of its reasons has it.
        let route = l
            .holds_page(
                &q(HoldStatus::Open, &["route_suspended"], HoldSort::Priority),
                None,
                100,
            )
            .unwrap();
        assert_eq!(hold_refs(&route), ["I2", "R1"]);
        let either = l
            .holds_page(
                &q(
                    HoldStatus::All,
                    &["screening_hit", "no_covering_license"],
                    HoldSort::Newest,
                ),
                None,
                100,
            )
            .unwrap();
        assert_eq!(hold_refs(&either), ["R1", "SI", "L2", "S1", "L1"]);

        // Paging by priority, one at a time, gives the same sequence.
        for sort in [HoldSort::Priority, HoldSort::Newest, HoldSort::Oldest] {
            let whole = l.holds_page(&q(HoldStatus::All, &[], sort), None, 100).unwrap();
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let page = l.holds_page(&q(HoldStatus::All, &[], sort), after, 2).unwrap();
                let Some(last) = page.last() else { break };
                after = Some(HoldKey {
                    priority: last.priority(),
                    hold_id: last.hold_id,
                });
                paged.extend(page);
            }
            assert_eq!(hold_refs(&paged), hold_refs(&whole), "{sort:?}");
        }

        let counts = l.hold_counts(HoldStatus::Open).unwrap();
        assert_eq!(counts.len(), HoldReason::KINDS.len());
        assert_eq!(counts["screening_hit"], 2);
        assert_eq!(counts["indeterminate"], 3);
        assert_eq!(counts["route_suspended"], 2);
        assert_eq!(counts["no_covering_license"], 2);
        assert_eq!(counts["nac_missing"], 0);
        let all = l.hold_counts(HoldStatus::All).unwrap();
        assert_eq!(all["no_covering_license"], 3);

        let err = l
            .holds_page(&q(HoldStatus::Open, &["screening%"], HoldSort::Priority), None, 10)
            .unwrap_err();
        assert!(err.to_string().contains("screening%"), "{err}");
    }
}

#[test]
fn licenses_and_routes_page_by_key_with_filters() {
    for db in backends("licenses_page") {
        let mut l = db.open();
        let now = ts("2025-08-12T00:00:00Z");
        for (n, to) in [
            ("C", "2026-08-11"),
            ("A", "2025-09-01"),
            ("B", "2026-08-11"),
            ("D", "2026-08-11"),
        ] {
            let mut new = h20_license(n, 10);
            new.valid_to = to.into();
            l.add_license(&new, "admin", now).unwrap();
        }
        l.suspend_license("D", "review", "admin", now).unwrap();
        let day = d("2025-10-01");
        let numbers = |v: Vec<License>| v.into_iter().map(|x| x.number).collect::<Vec<_>>();
        assert_eq!(
            numbers(l.licenses_page(day, None, None, 100).unwrap()),
            ["A", "B", "C", "D"]
        );
        assert_eq!(numbers(l.licenses_page(day, None, Some("A"), 2).unwrap()), ["B", "C"]);
        assert_eq!(
            numbers(l.licenses_page(day, Some(LicenseStatus::Granted), None, 100).unwrap()),
            ["B", "C"]
        );
        assert_eq!(
            numbers(l.licenses_page(day, Some(LicenseStatus::Expired), None, 100).unwrap()),
            ["A"]
        );
        assert_eq!(
            numbers(l.licenses_page(day, Some(LicenseStatus::Suspended), None, 100).unwrap()),
            ["D"]
        );
        assert!(l
            .licenses_page(day, Some(LicenseStatus::Revoked), None, 100)
            .unwrap()
            .is_empty());

        for dest in ["CN", "RU", "IR"] {
            l.suspend_route("nvidia-h20", dest, "review", "admin", now).unwrap();
        }
        l.resume_route("nvidia-h20", "RU", "done", "admin", now).unwrap();
        let dests = |v: Vec<RouteSuspension>| v.into_iter().map(|x| x.destination).collect::<Vec<_>>();
        let all = l.routes_page(false, None, 100).unwrap();
        assert_eq!(dests(all.clone()), ["CN", "RU", "IR"]);
        assert_eq!(dests(l.routes_page(false, Some(all[0].id), 1).unwrap()), ["RU"]);
        assert_eq!(dests(l.routes_page(true, Some(all[0].id), 10).unwrap()), ["IR"]);
    }
}

//! The party master and the review queue (SQLite, and PostgreSQL when
//! `CHIPGATE_TEST_DATABASE_URL` is set): parties added with audit records, bad input refused
//! naming the field without writing anything, screening status per snapshot, and clearances
//! tied to the entry's content hash (re-alert when the entry changes, not otherwise; expiry).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: failures panic loudly"
)]

mod common;

use std::collections::BTreeSet;

use chipgate_ledger::*;
use common::{backends, d, ts};

const SNAP_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SNAP_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn party(name: &str, country: &str, ext: &str) -> NewParty {
    NewParty {
        name: name.into(),
        country: Some(country.into()),
        identifiers: vec!["91110000MA00000001".into()],
        owners: vec!["Owner Holdings".into()],
        external_id: Some(ext.into()),
    }
}

fn hit(key: &str, hash: &str) -> FoundHit {
    FoundHit {
        entry_key: key.into(),
        entry_hash: hash.into(),
        source: "EL".into(),
        entry_name: "Alpha Tech".into(),
        matched: "Alpha Tech Co ~ Alpha Tech".into(),
        score: 0.93,
    }
}

fn kinds(l: &mut Ledger) -> Vec<String> {
    l.audit_records(1, u64::MAX, 1_000)
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect()
}

#[test]
fn parties_are_added_validated_and_audited() {
    for db in backends("parties_add") {
        let mut l = db.open();
        let now = ts("2026-08-01T09:00:00Z");
        let p = l
            .add_party(&party(" Alpha Tech Co ", "cn", "C-1"), "officer", now)
            .unwrap();
        assert_eq!(
            (p.id, p.name.as_str(), p.country.as_deref()),
            (1, "Alpha Tech Co", Some("CN"))
        );
        assert_eq!(p.status, "unscreened");
        assert_eq!(l.party("C-1").unwrap(), p, "{}", db.name());
        assert_eq!(l.party("1").unwrap(), p);
        assert_eq!(kinds(&mut l), ["party.add"]);

        // Bad input names the field and writes nothing.
        let e = l.add_party(&party("Beta", "China", "C-2"), "officer", now).unwrap_err();
        assert!(
            e.to_string().contains("country") && e.to_string().contains("China"),
            "{e}"
        );
        let e = l.add_party(&party("  ", "CN", "C-2"), "officer", now).unwrap_err();
        assert!(e.to_string().contains("name"), "{e}");
        let e = l.add_party(&party("Beta", "CN", "C-1"), "officer", now).unwrap_err();
        assert!(
            e.to_string().contains("external_id") && e.to_string().contains("C-1"),
            "{e}"
        );
        // An import is all or nothing, and the error names the position.
        let e = l
            .add_parties(
                &[party("Beta", "CN", "C-2"), party("Gamma", "C", "C-3")],
                "officer",
                now,
            )
            .unwrap_err();
        assert!(e.to_string().contains("parties[1].country"), "{e}");
        assert_eq!(l.parties().unwrap().len(), 1);
        assert_eq!(kinds(&mut l).len(), 1);
        let ids = l
            .add_parties(
                &[party("Beta", "CN", "C-2"), party("Gamma", "HK", "C-3")],
                "officer",
                now,
            )
            .unwrap();
        assert_eq!(ids, [2, 3]);
        assert_eq!(l.parties().unwrap().len(), 3);
        assert!(l.party("nope").unwrap_err().to_string().contains("nope"));
        assert!(l.verify_audit().unwrap().ok);
    }
}

#[test]
fn clearance_holds_until_the_entry_changes_or_expires() {
    for db in backends("parties_review") {
        let mut l = db.open();
        let now = ts("2026-08-01T09:00:00Z");
        let p = l
            .add_party(&party("Alpha Tech Co", "CN", "C-1"), "officer", now)
            .unwrap();
        let q = l.add_party(&party("Quiet Ltd", "DE", "C-2"), "officer", now).unwrap();
        let screen = |hash: &str| {
            vec![
                PartyResult {
                    party_id: p.id,
                    hits: vec![hit("EL:alpha tech", hash)],
                },
                PartyResult {
                    party_id: q.id,
                    hits: vec![],
                },
            ]
        };
        let h1 = "1".repeat(64);
        let h2 = "2".repeat(64);
        let r = l
            .record_screenings(SNAP_A, &ScreenScope::Full, &screen(&h1), "system", now)
            .unwrap();
        assert_eq!(r.screened, 2);
        assert_eq!(r.new_hits, [p.id]);
        let got = l.party("C-1").unwrap();
        assert_eq!(
            (got.status.as_str(), got.screened_snapshot.as_deref()),
            ("hit", Some(SNAP_A))
        );
        assert_eq!(l.party("C-2").unwrap().status, "clear");
        let queue = l.review_items(ReviewFilter::Pending, d("2026-08-01")).unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(
            (queue[0].state.as_str(), queue[0].entry_hash.as_str()),
            ("open", h1.as_str())
        );

        // Unknown hit: an error naming it, nothing written.
        let n = kinds(&mut l).len();
        let e = l
            .clear_hit(p.id, "EL:other", "same name only", None, "reviewer", now)
            .unwrap_err();
        assert!(e.to_string().contains("EL:other"), "{e}");
        let e = l
            .clear_hit(p.id, "EL:alpha tech", "x", Some(d("2026-07-01")), "reviewer", now)
            .unwrap_err();
        assert!(e.to_string().contains("expires"), "{e}");
        assert_eq!(kinds(&mut l).len(), n);

        let c = l
            .clear_hit(p.id, "EL:alpha tech", "different address and owner", None, "rev", now)
            .unwrap();
        assert_eq!(c.state, "cleared");
        let cl = c.clearance.unwrap();
        assert_eq!((cl.reviewer.as_str(), cl.entry_hash.as_str()), ("rev", h1.as_str()));
        assert_eq!(l.party("C-1").unwrap().status, "cleared");
        assert!(l
            .review_items(ReviewFilter::Pending, d("2026-08-01"))
            .unwrap()
            .is_empty());

        // Re-screening against a new snapshot where the entry is unchanged: stays cleared.
        let later = ts("2026-08-08T09:00:00Z");
        let r = l
            .record_screenings(SNAP_B, &ScreenScope::Full, &screen(&h1), "system", later)
            .unwrap();
        assert!(r.new_hits.is_empty());
        assert_eq!(r.kept_cleared, [p.id]);
        assert_eq!(l.party("C-1").unwrap().status, "cleared");
        // The entry's content changed: it re-alerts.
        let r = l
            .record_screenings(SNAP_B, &ScreenScope::Full, &screen(&h2), "system", later)
            .unwrap();
        assert_eq!(r.new_hits, [p.id]);
        let item = &l.party_hits(p.id, d("2026-08-08")).unwrap()[0];
        assert_eq!((item.state.as_str(), item.entry_hash.as_str()), ("open", h2.as_str()));
        assert_eq!(l.party("C-1").unwrap().status, "hit");

        // A clearance with an expiry reads as open after it.
        l.clear_hit(
            p.id,
            "EL:alpha tech",
            "checked again",
            Some(d("2026-08-31")),
            "rev",
            later,
        )
        .unwrap();
        assert!(l
            .review_items(ReviewFilter::Pending, d("2026-08-31"))
            .unwrap()
            .is_empty());
        let after = l.review_items(ReviewFilter::Pending, d("2026-09-01")).unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].state, "open");

        // Escalation withdraws the clearance.
        let e = l
            .escalate_hit(p.id, "EL:alpha tech", "owner unclear", "rev2", later)
            .unwrap();
        assert_eq!(e.state, "escalated");
        assert!(e.clearance.is_none());

        // A delta screening touching other keys leaves this hit alone; one on its key with
        // no hit removes it.
        let keys = BTreeSet::from(["EL:someone else".to_owned()]);
        l.record_screenings(SNAP_B, &ScreenScope::Keys(keys), &screen_none(p.id), "system", later)
            .unwrap();
        assert_eq!(l.party_hits(p.id, d("2026-08-08")).unwrap().len(), 1);
        let keys = BTreeSet::from(["EL:alpha tech".to_owned()]);
        l.record_screenings(
            SNAP_B,
            &ScreenScope::Keys(keys.clone()),
            &screen_none(p.id),
            "system",
            later,
        )
        .unwrap();
        assert!(l.party_hits(p.id, d("2026-08-08")).unwrap().is_empty());
        assert_eq!(l.party("C-1").unwrap().status, "clear");
        // A hit outside the scope is refused.
        let e = l
            .record_screenings(
                SNAP_B,
                &ScreenScope::Keys(BTreeSet::from(["EL:x".to_owned()])),
                &screen(&h1),
                "system",
                later,
            )
            .unwrap_err();
        assert!(e.to_string().contains("outside the scope"), "{e}");

        let k = kinds(&mut l);
        for kind in ["party.screen", "review.clear", "review.escalate"] {
            assert!(k.iter().any(|x| x == kind), "{kind} in {k:?}");
        }
        assert!(l.verify_audit().unwrap().ok, "{}", db.name());
    }
}

fn screen_none(id: u64) -> Vec<PartyResult> {
    vec![PartyResult {
        party_id: id,
        hits: vec![],
    }]
}

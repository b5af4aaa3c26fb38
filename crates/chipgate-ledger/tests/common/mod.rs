//! Shared test helpers: one store per backend, isolated, and raw SQL access
//! for tampering.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use chipgate_ledger::*;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Environment variable naming the PostgreSQL server for tests.
pub(crate) const PG_ENV: &str = "CHIPGATE_TEST_DATABASE_URL";

pub(crate) enum Kind {
    Sqlite(PathBuf),
    Postgres { base: String, schema: String },
}

/// An isolated store: a SQLite file in its own temp dir, or a PostgreSQL
/// schema of its own; removed on drop.
pub(crate) struct TestDb {
    pub url: String,
    pub kind: Kind,
    dir: Option<PathBuf>,
}

impl TestDb {
    pub(crate) fn name(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite(_) => "sqlite",
            Kind::Postgres { .. } => "postgres",
        }
    }

    pub(crate) fn open(&self) -> Ledger {
        Ledger::open(&self.url).unwrap_or_else(|e| panic!("open {}: {e}", self.url))
    }

    /// Runs raw SQL around the ledger (to tamper with it).
    pub(crate) fn raw_exec(&self, sql: &str) {
        match &self.kind {
            Kind::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
                c.execute_batch(sql).unwrap();
            }
            #[cfg(not(feature = "postgres"))]
            Kind::Postgres { .. } => unreachable!("{sql}"),
            #[cfg(feature = "postgres")]
            Kind::Postgres { base, schema } => {
                let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
                c.batch_execute(&format!("SET search_path TO \"{schema}\"; {sql}"))
                    .unwrap();
            }
        }
    }

    /// Runs a raw query returning one integer.
    pub(crate) fn raw_i64(&self, sql: &str) -> i64 {
        match &self.kind {
            Kind::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.query_row(sql, [], |r| r.get(0)).unwrap()
            }
            #[cfg(not(feature = "postgres"))]
            Kind::Postgres { .. } => unreachable!("{sql}"),
            #[cfg(feature = "postgres")]
            Kind::Postgres { base, schema } => {
                let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
                c.batch_execute(&format!("SET search_path TO \"{schema}\"")).unwrap();
                c.query_one(sql, &[]).unwrap().get::<_, i64>(0)
            }
        }
    }
}

impl TestDb {
    /// Runs a raw query returning one text.
    pub(crate) fn raw_text(&self, sql: &str) -> String {
        match &self.kind {
            Kind::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.query_row(sql, [], |r| r.get(0)).unwrap()
            }
            #[cfg(not(feature = "postgres"))]
            Kind::Postgres { .. } => unreachable!("{sql}"),
            #[cfg(feature = "postgres")]
            Kind::Postgres { base, schema } => {
                let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
                c.batch_execute(&format!("SET search_path TO \"{schema}\"")).unwrap();
                c.query_one(sql, &[]).unwrap().get::<_, String>(0)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Sqlite(_) => {
                if let Some(d) = &self.dir {
                    let _ = std::fs::remove_dir_all(d);
                }
            }
            #[cfg(not(feature = "postgres"))]
            Kind::Postgres { .. } => {}
            #[cfg(feature = "postgres")]
            Kind::Postgres { base, schema } => {
                if let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
                }
            }
        }
    }
}

fn unique(test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let clean: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    format!("cgl_{clean}_{}_{n}", std::process::id())
}

pub(crate) fn sqlite(test: &str) -> TestDb {
    let dir = std::env::temp_dir().join(unique(test));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ledger.sqlite3");
    TestDb {
        url: format!("sqlite://{}", path.display()),
        kind: Kind::Sqlite(path),
        dir: Some(dir),
    }
}

pub(crate) fn postgres(test: &str) -> Option<TestDb> {
    if cfg!(not(feature = "postgres")) {
        return None;
    }
    let base = std::env::var(PG_ENV).ok().filter(|s| !s.is_empty())?;
    let schema = unique(test);
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(TestDb {
        url: format!("{base}{sep}schema={schema}"),
        kind: Kind::Postgres { base, schema },
        dir: None,
    })
}

/// SQLite always; PostgreSQL too when CHIPGATE_TEST_DATABASE_URL is set.
pub(crate) fn backends(test: &str) -> Vec<TestDb> {
    let mut v = vec![sqlite(test)];
    v.extend(postgres(test));
    v
}

pub(crate) fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

pub(crate) fn d(s: &str) -> Date {
    s.parse().unwrap()
}

pub(crate) fn order(order_ref: &str, qty: i64, date: &str) -> OrderRequest {
    OrderRequest {
        order_ref: order_ref.into(),
        item_id: "nvidia-h20".into(),
        eccn: vec!["3A090.a".into()],
        destination: "CN".into(),
        quantity: qty,
        unit_value_cents: Some(1_200_000),
        consignee: Some("Example Cloud Co".into()),
        end_user: None,
        date: d(date),
        license: None,
        inputs: Default::default(),
    }
}

pub(crate) fn det(outcome: Outcome) -> DeterminationSummary {
    DeterminationSummary {
        license_required: matches!(outcome, Outcome::LicenseRequired | Outcome::LicenseExceptionAvailable),
        outcome,
        exception: None,
        reasons: match outcome {
            Outcome::LicenseRequired => {
                vec!["company-specific license requirement (is-informed letter, April 2025)".into()]
            }
            _ => vec![],
        },
        screening_hits: vec![],
        engine_version: "chipgate-rules 0.1.0".into(),
        ruleset_id: "ear-2025-04-15".into(),
        list_snapshot_id: Some("csl-2025-04-14".into()),
        report: serde_json::json!({
            "outcome": outcome.as_str(),
            "steps": [{"rule": "744.23", "fired": outcome == Outcome::LicenseRequired}],
        }),
    }
}

pub(crate) fn h20_license(number: &str, cap: i64) -> NewLicense {
    NewLicense {
        number: number.into(),
        holder: "NVIDIA Corporation".into(),
        items: vec!["nvidia-h20".into()],
        destinations: vec!["CN".into()],
        consignee: None,
        end_user: None,
        quantity_cap: cap,
        value_cap_cents: None,
        valid_from: "2025-08-12".into(),
        valid_to: "2026-08-11".into(),
        conditions: vec![
            Condition::RevenueShare { percent: 15.0 },
            Condition::Text {
                text: "no transfer to entities on the Entity List".into(),
            },
        ],
        status: LicenseStatus::Granted,
    }
}

/// Everything observable through the public API, to show that a failed
/// call changed nothing.
pub(crate) fn snapshot(l: &mut Ledger) -> String {
    let v = l.verify_audit().unwrap();
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        v.head_seq,
        v.head_hash,
        serde_json::to_string(&l.list_licenses(d("2025-09-01")).unwrap()).unwrap(),
        serde_json::to_string(&l.list_orders(None).unwrap()).unwrap(),
        serde_json::to_string(&l.list_holds(false).unwrap()).unwrap(),
        serde_json::to_string(&l.list_routes(false).unwrap()).unwrap(),
        serde_json::to_string(&l.list_nac().unwrap()).unwrap(),
    )
}

//! `ledger-stress`: ships orders of quantity 1 against one license, for the
//! multi-process cap and `kill -9` tests.
//!
//! ```text
//! ledger-stress --db URL --license NUMBER --orders N --prefix P [--setup-cap CAP]
//! ```
//! With `--setup-cap`, records the license (cap CAP, item `stress-item` to
//! `CN`) and exits. Otherwise checks orders `P-0` … `P-(N-1)`, each needing a
//! license, and prints `{"shipped":S,"held":H}`. It reads the clock (the
//! library never does).

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use chipgate_ledger::{
    DeterminationSummary, Ledger, LedgerError, LicenseStatus, NewLicense, OrderRequest, Outcome, Timestamp,
};

fn now() -> Result<Timestamp, LedgerError> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    Timestamp::from_unix(secs)
}

fn run() -> Result<String, String> {
    let mut db = None;
    let mut license = "STRESS-1".to_string();
    let mut orders = 100u64;
    let mut prefix = format!("p{}", std::process::id());
    let mut setup_cap: Option<i64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--db" => db = Some(val()?),
            "--license" => license = val()?,
            "--orders" => orders = val()?.parse().map_err(|e| format!("--orders: {e}"))?,
            "--prefix" => prefix = val()?,
            "--setup-cap" => setup_cap = Some(val()?.parse().map_err(|e| format!("--setup-cap: {e}"))?),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let db = db.ok_or("--db URL is required")?;
    let mut l = Ledger::open(&db).map_err(|e| e.to_string())?;
    if let Some(cap) = setup_cap {
        l.add_license(
            &NewLicense {
                number: license,
                holder: "stress".into(),
                items: vec!["stress-item".into()],
                destinations: vec!["CN".into()],
                consignee: None,
                end_user: None,
                quantity_cap: cap,
                value_cap_cents: None,
                valid_from: "2025-01-01".into(),
                valid_to: "2099-12-31".into(),
                conditions: vec![],
                status: LicenseStatus::Granted,
            },
            "stress",
            now().map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        return Ok("{\"setup\":true}".into());
    }
    let det = DeterminationSummary {
        license_required: true,
        outcome: Outcome::LicenseRequired,
        exception: None,
        reasons: vec!["stress".into()],
        screening_hits: vec![],
        engine_version: "stress".into(),
        ruleset_id: "stress".into(),
        list_snapshot_id: None,
        report: serde_json::json!({"stress": true}),
    };
    let (mut shipped, mut held) = (0u64, 0u64);
    for i in 0..orders {
        let req = OrderRequest {
            order_ref: format!("{prefix}-{i}"),
            item_id: "stress-item".into(),
            eccn: vec![],
            destination: "CN".into(),
            quantity: 1,
            unit_value_cents: None,
            consignee: None,
            end_user: None,
            date: "2025-06-01"
                .parse()
                .map_err(|e: chipgate_ledger::DateError| e.to_string())?,
            license: Some(license.clone()),
            inputs: Default::default(),
        };
        let r = l
            .check_order(&req, &det, "stress", now().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        if r.is_shipped() {
            shipped += 1;
        } else {
            held += 1;
        }
    }
    Ok(format!("{{\"shipped\":{shipped},\"held\":{held}}}"))
}

fn main() -> ExitCode {
    match run() {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ledger-stress: {e}");
            ExitCode::FAILURE
        }
    }
}

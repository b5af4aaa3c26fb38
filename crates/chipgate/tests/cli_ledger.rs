//! Ledger commands as a user runs them: bad input gets a clear error and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::PathBuf;
use std::process::{Command, Output};

mod common;

struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("chipgate-cli-ledger-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home(dir)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_chipgate"))
            .args(args)
            .env("CHIPGATE_HOME", &self.0)
            .env("USER", "test-officer")
            .env_remove("CHIPGATE_USER")
            .env_remove("CHIPGATE_DB")
            .output()
            .unwrap()
    }

    fn export(&self) -> String {
        let out = self.run(&["audit", "export"]);
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_owned()
}

/// The shared H20 license, with the revenue share its order checks report.
fn license() -> Vec<&'static str> {
    [common::LICENSE_ADD, &["--revenue-share", "15"]].concat()
}

#[test]
fn license_and_order_round_trip_in_the_default_sqlite_store() {
    let home = Home::new("roundtrip");
    let out = home.run(&license());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(home.0.join("chipgate.db").exists() || std::fs::read_dir(&home.0).unwrap().count() > 0);
    let order = [
        "order",
        "check",
        "--ref",
        "SO-1",
        "--item",
        "nvidia-h20",
        "--to",
        "CN",
        "--qty",
        "40",
        "--end-user-hq",
        "CN",
        "--date",
        "2025-08-12",
        "--format",
        "json",
    ];
    // BIS-1 has expired by today (it ran to 2026-07-31): recording an August 2025 order against
    // it now needs the reason it is recorded late, which the audit record keeps (issue 17).
    let before = home.export();
    let refused = home.run(&order);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let e: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(e["error"]["field"], "--backdated", "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("needs `backdated`"),
        "{e}"
    );
    assert_eq!(home.export(), before, "a refused backdated order changed the trail");
    let mut backdated = order.to_vec();
    backdated.extend(["--backdated", "entered from the August 2025 shipping log"]);
    let out = home.run(&backdated);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        home.export()
            .contains(r#""backdated":"entered from the August 2025 shipping log""#),
        "the reason is not in the audit record"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["result"]["disposition"]["authorization"]["number"], "BIS-1");
    assert_eq!(v["result"]["disposition"]["authorization"]["quantity_remaining"], 60);
    assert_eq!(v["decision"]["outcome"], "license_required");
    let out = home.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("audit trail OK"));
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let home = Home::new("bad");
    assert_eq!(home.run(&license()).status.code(), Some(0));
    let before = home.export();

    let unknown = home.run(&["license", "suspend", "BIS-404", "--reason", "x"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("BIS-404"), "{}", stderr(&unknown));

    let mut negative: Vec<&str> = license();
    negative[3] = "BIS-2";
    let qty = negative.iter().position(|a| *a == "100").unwrap();
    negative[qty] = "-5";
    let out = home.run(&negative);
    // `--qty -5` is a usage error (issue 18), refused before the ledger is opened.
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("-5"), "{}", stderr(&out));

    let expired = home.run(&[
        "order",
        "check",
        "--ref",
        "SO-9",
        "--item",
        "nvidia-h20",
        "--to",
        "CN",
        "--qty",
        "1",
        "--end-user-hq",
        "CN",
        "--date",
        "2026-09-01",
        "--license",
        "BIS-1",
    ]);
    assert_eq!(expired.status.code(), Some(1), "{}", stderr(&expired));
    assert_eq!(stderr(&expired), "error: license `BIS-1` expired on 2026-07-31");

    assert_eq!(
        home.export(),
        before,
        "refused license and order commands changed the trail"
    );

    // A held order (the April 2025 requirement, no license yet) needs a reason to be released.
    let held = home.run(&[
        "order",
        "check",
        "--ref",
        "SO-8",
        "--item",
        "nvidia-h20",
        "--to",
        "CN",
        "--qty",
        "1",
        "--end-user-hq",
        "CN",
        "--date",
        "2025-04-20",
    ]);
    assert_eq!(held.status.code(), Some(2), "{}", stderr(&held));
    assert!(String::from_utf8_lossy(&held.stdout).contains("HELD"));
    let before = home.export();
    let no_reason = home.run(&["order", "release", "SO-8"]);
    assert_eq!(no_reason.status.code(), Some(1));
    assert!(
        stderr(&no_reason).to_lowercase().contains("reason"),
        "{}",
        stderr(&no_reason)
    );

    let zero = home.run(&[
        "order",
        "check",
        "--ref",
        "SO-10",
        "--item",
        "nvidia-h20",
        "--to",
        "CN",
        "--qty",
        "0",
    ]);
    assert_eq!(zero.status.code(), Some(1));
    assert_eq!(stderr(&zero), "error: `quantity`: must be at least 1");

    let after = home.export();
    // Every refused command left the trail as it was.
    assert_eq!(after, before);
    assert!(!after.contains("BIS-2"));
    assert!(!after.contains("SO-9"));
    assert!(!after.contains("SO-10"));
}

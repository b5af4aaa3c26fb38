//! The ledger commands: licenses, routes, orders, NAC notifications and the audit trail.

use std::fmt::Write as _;

use chipgate_engine::{DataSource, Engine, OrderLine};
use chipgate_ledger::{
    Authorization, Condition, Date, Disposition, ExportFormat, Ledger, LedgerError, License, LicenseStatus, NewLicense,
    NewNacNotification, OrderStatus, Timestamp,
};

use crate::cli::{
    AsOf, AuditAction, Format, LedgerArgs, LicenseAction, LicenseChange, NacAction, OrderAction, RouteAction,
};
use crate::error::CliError;
use crate::home::{now, open_ledger, recorded_user, Access};
use crate::inputs::{parse_date, request};
use crate::output::emit;
use crate::Status;

/// The date license status is shown for: `--as-of`, else today.
fn as_of(flag: &AsOf, now: Timestamp) -> Result<Date, CliError> {
    match &flag.as_of {
        Some(text) => text.parse::<Date>().map_err(|e| CliError::invalid_value("--as-of", e)),
        None => Ok(now.date()),
    }
}

fn cents(field: &str, usd: Option<f64>) -> Result<Option<i64>, CliError> {
    chipgate_engine::unit_value_cents(usd).map_err(|e| match e {
        chipgate_engine::EngineError::Invalid { message, .. } => CliError::invalid_value(field, message),
        other => other.into(),
    })
}

fn license_line(l: &chipgate_ledger::License) -> String {
    let value = match (l.value_remaining_cents, l.value_cap_cents) {
        (Some(r), Some(c)) => format!(", value ${:.2} of ${:.2} left", r as f64 / 100.0, c as f64 / 100.0),
        _ => String::new(),
    };
    format!(
        "{} [{}] {} → {}: {} of {} left{value}, valid {} to {} (holder {})",
        l.number,
        l.status.as_str(),
        l.items.join(", "),
        l.destinations.join(", "),
        l.quantity_remaining,
        l.quantity_cap,
        l.valid_from,
        l.valid_to,
        l.holder
    )
}

pub(crate) fn license(args: LedgerArgs<LicenseAction>, format: Format) -> Result<Status, CliError> {
    let who = match &args.action {
        LicenseAction::List(_) | LicenseAction::Show { .. } => String::new(),
        _ => recorded_user(args.user.as_deref())?,
    };
    let access = if who.is_empty() { Access::Read } else { Access::Write };
    let mut ledger = open_ledger(args.db.as_deref(), access)?;
    let now = now()?;
    match args.action {
        LicenseAction::Add(a) => {
            let a = *a;
            let shown_on = as_of(&a.as_of, now)?;
            let new = new_license(a)?;
            let l = ledger.add_license(&new, &who, now)?;
            let l = ledger.license(&l.number, shown_on)?.license;
            emit(format, &l, |l| format!("recorded {}\n", license_line(l)))?;
        }
        LicenseAction::List(shown_on) => {
            let list = ledger.list_licenses(as_of(&shown_on, now)?)?;
            emit(format, &list, |list| {
                let mut s = String::new();
                for l in list {
                    let _ = writeln!(s, "{}", license_line(l));
                }
                if list.is_empty() {
                    s.push_str("no licenses\n");
                }
                s
            })?;
        }
        LicenseAction::Show {
            number,
            as_of: shown_on,
        } => {
            let d = ledger.license(&number, as_of(&shown_on, now)?)?;
            emit(format, &d, |d| {
                let mut s = format!("{}\n", license_line(&d.license));
                for c in &d.license.conditions {
                    let _ = writeln!(s, "  condition: {}", serde_json::to_string(c).unwrap_or_default());
                }
                for sh in &d.shipments {
                    let _ = writeln!(s, "  shipment: {}", serde_json::to_string(sh).unwrap_or_default());
                }
                s
            })?;
        }
        LicenseAction::Grant(c) => change(&mut ledger, format, &c, now, |l| {
            l.grant_license(&c.number, &c.reason, &who, now)
        })?,
        LicenseAction::Reject(c) => change(&mut ledger, format, &c, now, |l| {
            l.reject_license(&c.number, &c.reason, &who, now)
        })?,
        LicenseAction::Suspend(c) => change(&mut ledger, format, &c, now, |l| {
            l.suspend_license(&c.number, &c.reason, &who, now)
        })?,
        LicenseAction::Resume(c) => change(&mut ledger, format, &c, now, |l| {
            l.resume_license(&c.number, &c.reason, &who, now)
        })?,
        LicenseAction::Revoke(c) => change(&mut ledger, format, &c, now, |l| {
            l.revoke_license(&c.number, &c.reason, &who, now)
        })?,
    }
    Ok(Status::Ok)
}

/// The license `license add` records, from its flags.
fn new_license(a: crate::cli::LicenseAddArgs) -> Result<NewLicense, CliError> {
    let mut conditions = Vec::new();
    if let Some(percent) = a.revenue_share {
        conditions.push(Condition::RevenueShare { percent });
    }
    if let Some(text) = a.inspection {
        conditions.push(Condition::Inspection { text });
    }
    conditions.extend(a.conditions.into_iter().map(|text| Condition::Text { text }));
    Ok(NewLicense {
        number: a.number,
        holder: a.holder,
        items: a.items,
        destinations: a.destinations,
        consignee: a.consignee,
        end_user: a.end_user,
        quantity_cap: i64::try_from(a.qty).map_err(|_| CliError::invalid_value("--qty", "too large"))?,
        value_cap_cents: cents("--value-usd", a.value_usd)?,
        valid_from: a.valid_from,
        valid_to: a.valid_to,
        conditions,
        status: a.status.parse::<LicenseStatus>()?,
    })
}

/// Applies a status change and prints the license, its status as of `--as-of` (read before the
/// change, so a malformed date changes nothing).
fn change(
    ledger: &mut Ledger,
    format: Format,
    flags: &LicenseChange,
    now: Timestamp,
    apply: impl FnOnce(&mut Ledger) -> Result<License, LedgerError>,
) -> Result<(), CliError> {
    let shown_on = as_of(&flags.as_of, now)?;
    let changed = apply(ledger)?;
    let l = ledger.license(&changed.number, shown_on)?.license;
    emit(format, &l, |l| format!("{}\n", license_line(l)))
}

pub(crate) fn route(args: LedgerArgs<RouteAction>, format: Format) -> Result<Status, CliError> {
    let who = match &args.action {
        RouteAction::List => String::new(),
        _ => recorded_user(args.user.as_deref())?,
    };
    let access = if who.is_empty() { Access::Read } else { Access::Write };
    let mut ledger = open_ledger(args.db.as_deref(), access)?;
    let now = now()?;
    match args.action {
        RouteAction::Suspend(r) => {
            let s = ledger.suspend_route(&r.item, &r.to, &r.reason, &who, now)?;
            emit(format, &s, |_| {
                format!("route {} → {} suspended: {}\n", r.item, r.to, r.reason)
            })?;
        }
        RouteAction::Resume(r) => {
            let s = ledger.resume_route(&r.item, &r.to, &r.reason, &who, now)?;
            emit(format, &s, |_| {
                format!("route {} → {} resumed: {}\n", r.item, r.to, r.reason)
            })?;
        }
        RouteAction::List => {
            let list = ledger.list_routes(false)?;
            emit(format, &list, |list| {
                let mut s = String::new();
                for r in list {
                    let _ = writeln!(s, "{}", serde_json::to_string(r).unwrap_or_default());
                }
                if list.is_empty() {
                    s.push_str("no route suspensions\n");
                }
                s
            })?;
        }
    }
    Ok(Status::Ok)
}

fn disposition_text(d: &Disposition) -> String {
    match d {
        Disposition::Shipped { authorization } => match authorization {
            Authorization::Nlr => "SHIPPED: no license required".to_owned(),
            Authorization::LicenseException { symbol } => format!("SHIPPED under License Exception {symbol}"),
            Authorization::Nac {
                notification,
                nac_number,
            } => {
                format!("SHIPPED under NAC (notification {notification}, number {nac_number})")
            }
            Authorization::License {
                number,
                quantity_remaining,
                revenue_share_due_cents,
                ..
            } => {
                let due = revenue_share_due_cents
                    .map(|c| format!("; revenue share due ${:.2}", c as f64 / 100.0))
                    .unwrap_or_default();
                format!("SHIPPED against license {number} ({quantity_remaining} left{due})")
            }
            #[allow(unreachable_patterns, reason = "the ledger may add authorizations")]
            other => format!("SHIPPED: {}", serde_json::to_string(other).unwrap_or_default()),
        },
        Disposition::Held { reasons } => {
            let list: Vec<String> = reasons.iter().map(ToString::to_string).collect();
            format!("HELD: {}", list.join("; "))
        }
    }
}

pub(crate) fn order(
    args: LedgerArgs<OrderAction>,
    format: Format,
    source: &dyn DataSource,
) -> Result<Status, CliError> {
    let who = match &args.action {
        OrderAction::List { .. } => String::new(),
        _ => recorded_user(args.user.as_deref())?,
    };
    let access = if who.is_empty() { Access::Read } else { Access::Write };
    let mut ledger = open_ledger(args.db.as_deref(), access)?;
    let now = now()?;
    match args.action {
        OrderAction::Check(a) => {
            let a = *a;
            let engine = Engine::load(source)?.with_store_lists(&mut ledger)?;
            let item = engine
                .classifier()
                .catalog()
                .get(&a.item)
                .map_err(|e| CliError::Classify(e.into()))?
                .clone();
            let date = parse_date("--date", a.date.as_deref())?;
            let line = OrderLine {
                order_ref: a.order_ref,
                request: request(a.to, &a.parties)?,
                quantity: a
                    .parties
                    .qty
                    .ok_or_else(|| CliError::missing("--qty", "--qty is required for an order"))?,
                unit_value_cents: cents("--unit-value-usd", a.unit_value_usd)?,
                license: a.license,
                exception: a.exception,
                backdated: a.backdated,
            };
            let check = engine.check_order(&mut ledger, &item, &line, date, &who, now)?;
            let shipped = check.result.is_shipped();
            emit(format, &check, |c| {
                let mut s = format!(
                    "order {}: {}\n",
                    c.result.order_ref,
                    disposition_text(&c.result.disposition)
                );
                let _ = writeln!(
                    s,
                    "  determination: {} ({} → {}, {})",
                    c.decision.outcome.as_str(),
                    c.decision.item,
                    c.decision.destination.code,
                    c.decision.date
                );
                for r in &c.decision.reasons {
                    let _ = writeln!(s, "    {} ({})", r.id, r.citation);
                }
                for p in &c.screening {
                    for h in &p.report.hits {
                        let _ = writeln!(
                            s,
                            "  screening: {} ~ {} on {} ({:.2})",
                            p.role, h.matched_alias, h.list, h.score
                        );
                    }
                }
                if c.result.replayed {
                    s.push_str("  (already checked: the stored result is shown; nothing was written)\n");
                }
                let _ = writeln!(s, "  audit record {}", c.result.audit_seq);
                s
            })?;
            return Ok(if shipped { Status::Ok } else { Status::Attention });
        }
        OrderAction::List { status } => {
            let status = status.as_deref().map(str::parse::<OrderStatus>).transpose()?;
            let list = ledger.list_orders(status)?;
            emit(format, &list, |list| {
                let mut s = String::new();
                for o in list {
                    let _ = writeln!(
                        s,
                        "{} [{}] {} × {} → {} on {}: {}",
                        o.request.order_ref,
                        o.status.as_str(),
                        o.request.quantity,
                        o.request.item_id,
                        o.request.destination,
                        o.request.date,
                        disposition_text(&o.result.disposition)
                    );
                }
                if list.is_empty() {
                    s.push_str("no orders\n");
                }
                s
            })?;
        }
        OrderAction::Release { order_ref, reason } => {
            let hold = ledger.release_hold(&order_ref, reason.as_deref().unwrap_or(""), &who, now)?;
            emit(format, &hold, |h| {
                format!(
                    "hold on {} released by {}: {}\n",
                    h.order_ref,
                    h.released_by.as_deref().unwrap_or("?"),
                    h.release_reason.as_deref().unwrap_or("")
                )
            })?;
        }
    }
    Ok(Status::Ok)
}

pub(crate) fn nac(args: LedgerArgs<NacAction>, format: Format) -> Result<Status, CliError> {
    let who = match &args.action {
        NacAction::List => String::new(),
        _ => recorded_user(args.user.as_deref())?,
    };
    let access = if who.is_empty() { Access::Read } else { Access::Write };
    let mut ledger = open_ledger(args.db.as_deref(), access)?;
    let now = now()?;
    match args.action {
        NacAction::Submit {
            id,
            items,
            to,
            consignee,
            end_user,
            submitted,
        } => {
            let n = ledger.submit_nac(
                &NewNacNotification {
                    id,
                    items,
                    destination: to,
                    consignee,
                    end_user,
                    submitted_on: submitted,
                },
                &who,
                now,
            )?;
            emit(format, &n, |n| {
                format!("{}\n", serde_json::to_string(n).unwrap_or_default())
            })?;
        }
        NacAction::Clear { id, number } => {
            let n = ledger.clear_nac(&id, &number, &who, now)?;
            emit(format, &n, |n| {
                format!("{}\n", serde_json::to_string(n).unwrap_or_default())
            })?;
        }
        NacAction::List => {
            let list = ledger.list_nac()?;
            emit(format, &list, |list| {
                let mut s = String::new();
                for n in list {
                    let _ = writeln!(s, "{}", serde_json::to_string(n).unwrap_or_default());
                }
                s
            })?;
        }
    }
    Ok(Status::Ok)
}

pub(crate) fn audit(args: LedgerArgs<AuditAction>, format: Format) -> Result<Status, CliError> {
    let mut ledger = open_ledger(args.db.as_deref(), Access::Read)?;
    match args.action {
        AuditAction::Verify {
            checkpoint: Some(path),
            public_key,
        } => crate::checkpoint_cmd::verify(&mut ledger, &path, public_key.as_deref(), format),
        AuditAction::Checkpoint { output, key } => crate::checkpoint_cmd::write(&mut ledger, &output, key, format),
        AuditAction::Prove { seq, size } => crate::checkpoint_cmd::prove(&mut ledger, seq, size, format),
        AuditAction::Verify { checkpoint: None, .. } => {
            let report = ledger.verify_audit()?;
            let ok = report.ok;
            emit(format, &report, verify_text)?;
            Ok(if ok { Status::Ok } else { Status::Attention })
        }
        AuditAction::Export { export_format, output } => {
            let export: ExportFormat = export_format.parse()?;
            let count = match output {
                Some(path) => {
                    let mut file = std::fs::File::create(&path).map_err(|source| CliError::File {
                        path: path.display().to_string(),
                        source,
                    })?;
                    ledger.export_audit(&mut file, export)?
                }
                None => {
                    let mut out = std::io::stdout().lock();
                    ledger.export_audit(&mut out, export)?
                }
            };
            eprintln_count(count);
            Ok(Status::Ok)
        }
    }
}

/// `audit verify` in words: the verdict, every finding (the chain's, then each table row that
/// differs from the replayed log), and what could not be checked.
fn verify_text(r: &chipgate_ledger::VerifyReport) -> String {
    let mut out = if r.ok {
        format!(
            "audit trail OK: {} records, head {} ({})\n",
            r.records, r.head_seq, r.head_hash
        )
    } else {
        let findings: Vec<&chipgate_ledger::TamperFinding> = if r.findings.is_empty() {
            r.problem.iter().collect()
        } else {
            r.findings.iter().collect()
        };
        let mut s = format!("audit trail BROKEN: {} finding(s)\n", findings.len());
        for p in findings {
            s.push_str(&format!("  record {}: {:?}: {}\n", p.seq, p.kind, p.detail));
        }
        s
    };
    for note in &r.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

#[allow(
    clippy::print_stderr,
    reason = "a message for the person at the terminal, beside the exported data"
)]
fn eprintln_count(count: u64) {
    eprintln!("exported {count} audit records");
}

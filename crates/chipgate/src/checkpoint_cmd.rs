//! `chipgate audit checkpoint | prove | verify --checkpoint`: signed Merkle tree heads of the
//! audit log, kept outside the database, and the proofs that check against them.

use std::path::{Path, PathBuf};

use chipgate_ledger::{load_or_create_key, parse_public_key, Checkpoint, Ledger};
use serde::Serialize;

use crate::cli::Format;
use crate::error::CliError;
use crate::home::{now, signing_key_path};
use crate::output::emit;
use crate::Status;

#[allow(
    clippy::print_stderr,
    reason = "a message for the person at the terminal, beside the command's output"
)]
fn tell(message: &str) {
    eprintln!("{message}");
}

/// `audit checkpoint -o FILE`.
pub(crate) fn write(
    ledger: &mut Ledger,
    output: &Path,
    key: Option<PathBuf>,
    format: Format,
) -> Result<Status, CliError> {
    let key_path = key.unwrap_or_else(signing_key_path);
    let (key, created) = load_or_create_key(&key_path)?;
    if created {
        tell(&format!("created the signing key {} (mode 600)", key_path.display()));
    }
    let cp = ledger.checkpoint(&key, &now()?.to_string())?;
    let mut text = serde_json::to_string_pretty(&cp).map_err(|e| CliError::Failed(e.to_string()))?;
    text.push('\n');
    std::fs::write(output, text).map_err(|source| CliError::File {
        path: output.display().to_string(),
        source,
    })?;
    tell(&format!("public key: {}", cp.public_key));
    emit(format, &cp, |c| {
        format!(
            "checkpoint of {} records, head {}, at {} written to {}\n",
            c.size,
            c.root,
            c.time,
            output.display()
        )
    })?;
    Ok(Status::Ok)
}

/// What `audit verify --checkpoint` reports: the chain and the checkpoint.
#[derive(Serialize)]
struct Verified {
    ok: bool,
    chain: chipgate_ledger::VerifyReport,
    checkpoint: chipgate_ledger::CheckpointReport,
}

/// `audit verify --checkpoint FILE [--public-key HEX]`.
pub(crate) fn verify(
    ledger: &mut Ledger,
    path: &Path,
    public_key: Option<&str>,
    format: Format,
) -> Result<Status, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::File {
        path: path.display().to_string(),
        source,
    })?;
    let cp: Checkpoint = serde_json::from_str(&text)
        .map_err(|e| CliError::invalid_value("--checkpoint", format!("{}: {e}", path.display())))?;
    let key = match public_key {
        Some(hex) => parse_public_key(hex).map_err(|e| CliError::invalid_value("--public-key", e))?,
        None => {
            let key_path = signing_key_path();
            if !key_path.exists() {
                return Err(CliError::missing(
                    "--public-key",
                    format!(
                        "no signing key at {}: give the checkpoint signer's --public-key",
                        key_path.display()
                    ),
                ));
            }
            load_or_create_key(&key_path)?.0.verifying_key()
        }
    };
    let chain = ledger.verify_audit()?;
    let checkpoint = ledger.verify_checkpoint(&cp, &key)?;
    let report = Verified {
        ok: chain.ok && checkpoint.ok,
        chain,
        checkpoint,
    };
    emit(format, &report, |r| {
        let chain = if r.chain.ok {
            format!("audit trail OK: {} records, head {}", r.chain.records, r.chain.head_seq)
        } else {
            "audit trail BROKEN (run `chipgate audit verify` for the finding)".to_owned()
        };
        let cp = if r.checkpoint.ok {
            "checkpoint OK"
        } else {
            "checkpoint FAILED"
        };
        format!("{chain}\n{cp}: {}\n", r.checkpoint.detail)
    })?;
    Ok(if report.ok { Status::Ok } else { Status::Attention })
}

/// `audit prove SEQ [--size N]`.
pub(crate) fn prove(ledger: &mut Ledger, seq: u64, size: Option<u64>, format: Format) -> Result<Status, CliError> {
    let proof = ledger.inclusion_proof(seq, size)?;
    emit(format, &proof, |p| {
        let mut out = format!(
            "record {} (hash {}) is leaf {} of a tree of {} records with head {}\naudit path:\n",
            p.seq,
            p.record_hash,
            p.seq - 1,
            p.size,
            p.root
        );
        for h in &p.path {
            out.push_str(&format!("  {h}\n"));
        }
        out
    })?;
    Ok(Status::Ok)
}

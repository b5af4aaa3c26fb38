//! A Merkle tree over the audit log (RFC 6962 / RFC 9162 hashing), signed checkpoints and
//! inclusion proofs.
//!
//! # Tree
//! Leaf `i` is audit record `seq = i + 1`; its leaf hash is `SHA-256(0x00 ‖ record hash)`
//! (the record hash's 32 bytes), an inner node `SHA-256(0x01 ‖ left ‖ right)`, and the tree
//! head of `n` leaves the RFC 6962 Merkle Tree Hash (split at the largest power of two below
//! `n`). The empty tree's head is `SHA-256("")`.
//!
//! # Checkpoint
//! A [`Checkpoint`] is a tree size, its head and a time, signed with the installation's
//! Ed25519 key over `chipgate-checkpoint-v1\n{size}\n{root}\n{time}\n`. Kept outside the
//! database (a file, an e-mail, a ticket), it proves later that the log still *extends* what
//! it covered: a rewritten record, a consistent rewrite of the whole chain, a rewound tail or
//! a shrink all change the head of the first `size` leaves or remove leaves
//! ([`Ledger::verify_checkpoint`]).
//!
//! # What it does not prove
//! Records appended after the checkpoint are covered by the hash chain only, until the next
//! checkpoint. Records removed by a purge cannot be re-hashed: a checkpoint whose size reaches
//! into a purged prefix is reported as not verifiable, never as verified.

use std::io::Write as _;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::read_head;
use crate::db::{pi, CellRef};
use crate::error::{LedgerError, Result};
use crate::ledger::Ledger;
use crate::migrate::hex;

/// A hash of the tree (leaf, node or head).
pub(crate) type Hash = [u8; 32];

/// What the signature covers, before the fields.
const CHECKPOINT_DOMAIN: &str = "chipgate-checkpoint-v1";

/// The leaf hash of a record hash.
pub fn leaf_hash(record_hash: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(record_hash);
    h.finalize().into()
}

/// An inner node's hash.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The Merkle Tree Hash of these leaf hashes.
pub fn tree_head(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => Sha256::digest([]).into(),
        [one] => *one,
        _ => {
            let k = split(leaves.len());
            let (l, r) = leaves.split_at(k);
            node_hash(&tree_head(l), &tree_head(r))
        }
    }
}

/// The audit path of leaf `index` in the tree of these leaves (RFC 6962 `PATH`), leaf side
/// first.
pub fn inclusion_path(index: usize, leaves: &[Hash]) -> Vec<Hash> {
    let mut path = Vec::new();
    path_into(index, leaves, &mut path);
    path
}

fn path_into(index: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split(leaves.len());
    let (l, r) = leaves.split_at(k);
    if index < k {
        path_into(index, l, out);
        out.push(tree_head(r));
    } else {
        path_into(index - k, r, out);
        out.push(tree_head(l));
    }
}

/// Recomputes the head from a leaf hash and its audit path (RFC 9162, 2.1.3.2); `None` when the
/// path does not fit the index and size.
pub fn root_from_path(index: u64, size: u64, leaf: &Hash, path: &[Hash]) -> Option<Hash> {
    if index >= size {
        return None;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some(r)
}

/// `N` bytes written as `2 N` hexadecimal digits.
fn parse_hex<const N: usize>(field: &str, text: &str) -> Result<[u8; N]> {
    let bad = || LedgerError::BadInput {
        field: field.to_owned(),
        message: format!("not {} hexadecimal digits", 2 * N),
    };
    if text.len() != 2 * N {
        return Err(bad());
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = text.get(2 * i..2 * i + 2).ok_or_else(bad)?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn parse_hash(field: &str, text: &str) -> Result<Hash> {
    parse_hex(field, text)
}

/// The tree over the log as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeHead {
    /// Leaves (= audit records ever appended, the head's seq).
    pub size: u64,
    /// The Merkle Tree Hash, hex.
    pub root: String,
}

/// A signed tree head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Format marker: `chipgate-checkpoint-v1`.
    pub format: String,
    /// Leaves covered.
    pub size: u64,
    /// Their Merkle Tree Hash, hex.
    pub root: String,
    /// When it was made (RFC 3339, UTC).
    pub time: String,
    /// The signer's Ed25519 public key, hex (informative: verify against a key you hold).
    pub public_key: String,
    /// Ed25519 signature over the format, size, root and time, hex.
    pub signature: String,
}

impl Checkpoint {
    fn message(size: u64, root: &str, time: &str) -> String {
        format!("{CHECKPOINT_DOMAIN}\n{size}\n{root}\n{time}\n")
    }

    /// Signs a tree head at `time`.
    pub fn sign(head: &TreeHead, time: &str, key: &SigningKey) -> Checkpoint {
        let signature = key.sign(Self::message(head.size, &head.root, time).as_bytes());
        Checkpoint {
            format: CHECKPOINT_DOMAIN.to_owned(),
            size: head.size,
            root: head.root.clone(),
            time: time.to_owned(),
            public_key: hex(key.verifying_key().as_bytes()),
            signature: hex(&signature.to_bytes()),
        }
    }

    /// Checks the signature with `key`.
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<()> {
        if self.format != CHECKPOINT_DOMAIN {
            return Err(LedgerError::BadInput {
                field: "format".to_owned(),
                message: format!("`{}` is not `{CHECKPOINT_DOMAIN}`", self.format),
            });
        }
        let bytes = parse_signature(&self.signature)?;
        key.verify(
            Self::message(self.size, &self.root, &self.time).as_bytes(),
            &Signature::from_bytes(&bytes),
        )
        .map_err(|_| LedgerError::CheckpointSignature {
            key: hex(key.as_bytes()),
        })
    }
}

fn parse_signature(text: &str) -> Result<[u8; 64]> {
    parse_hex("signature", text)
}

/// Parses a public key given as 64 hex digits.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey> {
    let bytes = parse_hash("public key", text.trim())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| LedgerError::BadInput {
        field: "public key".to_owned(),
        message: "not an Ed25519 public key".to_owned(),
    })
}

/// The installation's signing key in `path` (the 32-byte seed, hex), created with mode 600 if
/// it does not exist; `true` when it was created now.
pub fn load_or_create_key(path: &Path) -> Result<(SigningKey, bool)> {
    let io = |e: std::io::Error| LedgerError::KeyFile {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let seed = parse_hash("signing key", text.trim()).map_err(|_| LedgerError::KeyFile {
                path: path.display().to_string(),
                message: "not a chipgate signing key (64 hexadecimal digits)".to_owned(),
            })?;
            Ok((SigningKey::from_bytes(&seed), false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| LedgerError::KeyFile {
                path: path.display().to_string(),
                message: format!("no randomness from the operating system: {e}"),
            })?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(io)?;
            file.write_all(format!("{}\n", hex(&seed)).as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok((SigningKey::from_bytes(&seed), true))
        }
        Err(e) => Err(io(e)),
    }
}

/// One record's inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The record.
    pub seq: u64,
    /// Its hash as stored in the chain, hex.
    pub record_hash: String,
    /// The tree size the proof is for.
    pub size: u64,
    /// The audit path, leaf side first, hex.
    pub path: Vec<String>,
    /// The head of that tree, hex (compare it with a checkpoint of the same size).
    pub root: String,
}

impl InclusionProof {
    /// Recomputes the head from the record hash and the path: `true` when it equals `root`.
    pub fn check(&self, root: &str) -> Result<bool> {
        let leaf = leaf_hash(&parse_hash("record_hash", &self.record_hash)?);
        let path = self
            .path
            .iter()
            .map(|p| parse_hash("path", p))
            .collect::<Result<Vec<_>>>()?;
        let Some(index) = self.seq.checked_sub(1) else {
            return Ok(false);
        };
        Ok(root_from_path(index, self.size, &leaf, &path).is_some_and(|r| hex(&r) == root))
    }
}

/// The outcome of checking the log against a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointReport {
    /// The log still extends the checkpoint.
    pub ok: bool,
    /// The checkpoint's size.
    pub checkpoint_size: u64,
    /// The log's size now (its head's seq).
    pub log_size: u64,
    /// What was found, in words.
    pub detail: String,
}

impl Ledger {
    /// The leaf hashes of the log, from its first retained record, and that record's seq.
    fn leaves(&mut self) -> Result<(u64, Vec<Hash>)> {
        self.read(|conn| {
            let head = read_head(conn)?;
            let first = u64::try_from(head.anchor_seq).unwrap_or(0) + 1;
            let mut leaves = Vec::new();
            let mut bad: Option<LedgerError> = None;
            conn.query_each(
                "SELECT seq, hash FROM audit_log WHERE seq > ? ORDER BY seq",
                &[pi(head.anchor_seq)],
                &mut |cells: &[CellRef<'_>]| {
                    let text = cells.get(1).copied().map_or(Ok(""), CellRef::t)?;
                    match parse_hash("hash", text) {
                        Ok(h) => leaves.push(leaf_hash(&h)),
                        Err(e) => {
                            bad = Some(e);
                            return Ok(false);
                        }
                    }
                    Ok(true)
                },
            )?;
            match bad {
                Some(e) => Err(e),
                None => Ok((first, leaves)),
            }
        })
    }

    /// The tree head over the whole log now.
    pub fn tree_head(&mut self) -> Result<TreeHead> {
        let (first, leaves) = self.leaves()?;
        if first != 1 {
            return Err(LedgerError::PurgedPrefix { first });
        }
        Ok(TreeHead {
            size: leaves.len() as u64,
            root: hex(&tree_head(&leaves)),
        })
    }

    /// Signs the current tree head with `key` at `time`.
    pub fn checkpoint(&mut self, key: &SigningKey, time: &str) -> Result<Checkpoint> {
        Ok(Checkpoint::sign(&self.tree_head()?, time, key))
    }

    /// The inclusion proof of record `seq` in the tree of the first `size` records (default:
    /// the whole log).
    pub fn inclusion_proof(&mut self, seq: u64, size: Option<u64>) -> Result<InclusionProof> {
        let (first, leaves) = self.leaves()?;
        if first != 1 {
            return Err(LedgerError::PurgedPrefix { first });
        }
        let size = size.unwrap_or(leaves.len() as u64);
        let n = usize::try_from(size).unwrap_or(usize::MAX);
        let tree = leaves.get(..n).ok_or(LedgerError::BadInput {
            field: "size".to_owned(),
            message: format!("the log has {} records", leaves.len()),
        })?;
        if seq == 0 || seq > size {
            return Err(LedgerError::BadInput {
                field: "seq".to_owned(),
                message: format!("no record {seq} in a tree of {size}"),
            });
        }
        let index = usize::try_from(seq - 1).unwrap_or(usize::MAX);
        let record_hash = self
            .audit_records(seq, seq, 1)?
            .into_iter()
            .next()
            .map(|r| r.hash)
            .ok_or(LedgerError::BadInput {
                field: "seq".to_owned(),
                message: format!("record {seq} is missing"),
            })?;
        Ok(InclusionProof {
            seq,
            record_hash,
            size,
            path: inclusion_path(index, tree).iter().map(|h| hex(h)).collect(),
            root: hex(&tree_head(tree)),
        })
    }

    /// Checks that the log still extends `cp` (signed by `key`): its first `cp.size` records
    /// hash to the checkpoint's head. A rewritten record or chain, a rewound tail and a
    /// shrink are caught. Does not check the hash chain itself (see
    /// [`Ledger::verify_audit`]).
    pub fn verify_checkpoint(&mut self, cp: &Checkpoint, key: &VerifyingKey) -> Result<CheckpointReport> {
        cp.verify_signature(key)?;
        let (first, leaves) = self.leaves()?;
        let log_size = (first - 1) + leaves.len() as u64;
        let report = |ok: bool, detail: String| CheckpointReport {
            ok,
            checkpoint_size: cp.size,
            log_size,
            detail,
        };
        if first != 1 {
            return Ok(report(
                false,
                format!(
                    "records 1–{} were purged: the checkpoint cannot be re-hashed (not verified)",
                    first - 1
                ),
            ));
        }
        let n = usize::try_from(cp.size).unwrap_or(usize::MAX);
        let Some(covered) = leaves.get(..n) else {
            return Ok(report(
                false,
                format!(
                    "the log has {log_size} records but the checkpoint covered {}: records were removed (a shrink or a rewound tail)",
                    cp.size
                ),
            ));
        };
        let root = hex(&tree_head(covered));
        if root != cp.root {
            return Ok(report(
                false,
                format!(
                    "the first {} records hash to {root}, not to the checkpoint's {}: records it covered were changed",
                    cp.size, cp.root
                ),
            ));
        }
        Ok(report(
            true,
            format!(
                "the log extends the checkpoint of {} ({}): {} records, {} appended since",
                cp.time,
                cp.size,
                log_size,
                log_size - cp.size
            ),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&Sha256::digest(i.to_be_bytes()).into()))
            .collect()
    }

    #[test]
    fn every_inclusion_path_recomputes_the_head_and_no_other() {
        for n in 1..=40 {
            let ls = leaves(n);
            let root = tree_head(&ls);
            for i in 0..n {
                let path = inclusion_path(i, &ls);
                let got = root_from_path(i as u64, n as u64, &ls[i], &path);
                assert_eq!(got, Some(root), "n={n} i={i}");
                // Another leaf, another index or another size does not give the head.
                let other = leaf_hash(&[7u8; 32]);
                assert_ne!(root_from_path(i as u64, n as u64, &other, &path), Some(root));
                if n > 1 {
                    let j = (i + 1) % n;
                    assert_ne!(
                        root_from_path(j as u64, n as u64, &ls[i], &path),
                        Some(root),
                        "n={n} i={i}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_head_follows_rfc_6962_for_small_trees() {
        let ls = leaves(3);
        // MTH of 3 = H(1 ‖ H(1 ‖ l0 ‖ l1) ‖ l2).
        assert_eq!(tree_head(&ls), node_hash(&node_hash(&ls[0], &ls[1]), &ls[2]));
        let empty: Hash = Sha256::digest([]).into();
        assert_eq!(tree_head(&[]), empty);
        assert_eq!(tree_head(&ls[..1]), ls[0]);
    }

    #[test]
    fn a_checkpoint_verifies_with_its_key_only() {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let other = SigningKey::from_bytes(&[4u8; 32]);
        let head = TreeHead {
            size: 5,
            root: hex(&tree_head(&leaves(5))),
        };
        let cp = Checkpoint::sign(&head, "2026-12-07T10:00:00Z", &key);
        cp.verify_signature(&key.verifying_key()).unwrap();
        assert!(cp.verify_signature(&other.verifying_key()).is_err());
        let mut forged = cp.clone();
        forged.size = 6;
        assert!(forged.verify_signature(&key.verifying_key()).is_err());
    }
}

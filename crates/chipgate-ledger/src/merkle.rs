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
use crate::db::{pi, pt, CellRef, Conn, P};
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

/// The lowest level of the stored tree: nodes of `2^STORED_LEVEL` leaves and up are stored
/// (`audit_tree`); below it, hashes are recomputed from at most that many record hashes.
pub(crate) const STORED_LEVEL: u32 = 8;

/// Leaves under a node of the lowest stored level.
const BLOCK: i64 = 1 << STORED_LEVEL;

/// The leaf hashes of records `from ..= to` (all of them, or `None` when any is missing).
fn read_leaves(conn: &mut Conn, from: i64, to: i64) -> Result<Option<Vec<Hash>>> {
    if to < from {
        return Ok(Some(Vec::new()));
    }
    let mut leaves = Vec::with_capacity(usize::try_from(to - from + 1).unwrap_or(0));
    let mut expected = from;
    let mut bad: Option<LedgerError> = None;
    conn.query_each(
        "SELECT seq, hash FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq",
        &[pi(from), pi(to)],
        &mut |cells: &[CellRef<'_>]| {
            let seq = cells.first().copied().map_or(Ok(0), CellRef::i)?;
            if seq != expected {
                return Ok(false);
            }
            let text = cells.get(1).copied().map_or(Ok(""), CellRef::t)?;
            match parse_hash("hash", text) {
                Ok(h) => leaves.push(leaf_hash(&h)),
                Err(e) => {
                    bad = Some(e);
                    return Ok(false);
                }
            }
            expected += 1;
            Ok(true)
        },
    )?;
    if let Some(e) = bad {
        return Err(e);
    }
    Ok((expected == to + 1).then_some(leaves))
}

/// A stored node's hash.
fn read_node(conn: &mut Conn, level: u32, idx: i64) -> Result<Option<Hash>> {
    let row = conn.query_opt(
        "SELECT hash FROM audit_tree WHERE level = ? AND idx = ?",
        &[pi(i64::from(level)), pi(idx)],
    )?;
    row.map(|r| parse_hash("audit_tree.hash", &r.t(0)?)).transpose()
}

/// Extends the stored tree from `tree_size` records to cover the records appended in this
/// transaction (`hashes`, the first being record `first`); returns the new tree size. Nodes
/// are written only when a block of [`BLOCK`] leaves completes (the earlier leaves of that
/// block are read back). The tree is first filled in when it lags behind the log (a store
/// from before the stored tree); when records it needs are gone (purged), it stays as it is
/// and proofs fall back to the records.
pub(crate) fn extend_stored_tree(
    conn: &mut Conn,
    tree_size: i64,
    anchor_seq: i64,
    first: i64,
    hashes: &[&str],
) -> Result<i64> {
    let old_size = first - 1;
    if tree_size > old_size || tree_size < 0 {
        return Ok(tree_size);
    }
    let new_size = old_size + hashes.len() as i64;
    if new_size / BLOCK == tree_size / BLOCK {
        // No block completes: nothing to store yet.
        return Ok(new_size);
    }
    // The leaves from the start of the first incomplete block.
    let start = tree_size - tree_size % BLOCK;
    if start < anchor_seq {
        return Ok(tree_size);
    }
    let Some(mut leaves) = read_leaves(conn, start + 1, old_size)? else {
        return Ok(tree_size);
    };
    for h in hashes {
        leaves.push(leaf_hash(&parse_hash("hash", h)?));
    }
    let mut made: std::collections::HashMap<(u32, i64), Hash> = std::collections::HashMap::new();
    let mut rows: Vec<(i64, i64, String)> = Vec::new();
    // Level STORED_LEVEL: each complete block past tree_size.
    for b in tree_size / BLOCK..new_size / BLOCK {
        let lo = usize::try_from(b * BLOCK - start).unwrap_or(0);
        let block = leaves.get(lo..lo + BLOCK as usize).unwrap_or_default();
        let h = tree_head(block);
        made.insert((STORED_LEVEL, b), h);
        rows.push((i64::from(STORED_LEVEL), b, hex(&h)));
    }
    // Higher levels: each node whose subtree completes past tree_size.
    let mut level = STORED_LEVEL + 1;
    while level < 63 && (1i64 << level) <= new_size {
        let width = 1i64 << level;
        for i in tree_size / width..new_size / width {
            let mut child = |idx: i64| -> Result<Option<Hash>> {
                match made.get(&(level - 1, idx)) {
                    Some(h) => Ok(Some(*h)),
                    None => read_node(conn, level - 1, idx),
                }
            };
            let (Some(l), Some(r)) = (child(2 * i)?, child(2 * i + 1)?) else {
                return Ok(tree_size);
            };
            let h = node_hash(&l, &r);
            made.insert((level, i), h);
            rows.push((i64::from(level), i, hex(&h)));
        }
        level += 1;
    }
    let params: Vec<P<'_>> = rows.iter().flat_map(|(l, i, h)| [pi(*l), pi(*i), pt(h)]).collect();
    // A node left by an earlier fill of the same records (a rewound head) is replaced.
    conn.insert_rows(
        "INSERT INTO audit_tree (level, idx, hash)",
        "ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash",
        3,
        &params,
    )?;
    Ok(new_size)
}

/// The tree over the first `size` records, for proofs: stored nodes where the stored tree
/// covers them, record hashes (at most a block or two) elsewhere.
struct StoredTree<'c> {
    conn: &'c mut Conn,
    /// Records covered by stored nodes.
    stored: i64,
    /// Leaves of whole blocks read so far, by block.
    blocks: std::collections::HashMap<i64, Vec<Hash>>,
}

impl StoredTree<'_> {
    /// Leaf hashes `lo..hi` (0-based leaf indexes within one block).
    fn leaves(&mut self, lo: i64, hi: i64) -> Result<Vec<Hash>> {
        let b = lo / BLOCK;
        if !self.blocks.contains_key(&b) {
            let from = b * BLOCK + 1;
            // The last block may be partial: read what exists up to its end.
            let last = self
                .conn
                .query_one(
                    "SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE seq >= ? AND seq <= ?",
                    &[pi(from), pi(from + BLOCK - 1)],
                )?
                .i(0)?;
            let leaves = read_leaves(self.conn, from, last)?.ok_or(LedgerError::PurgedPrefix {
                first: u64::try_from(from).unwrap_or(0),
            })?;
            self.blocks.insert(b, leaves);
        }
        let block = self.blocks.get(&b).map(Vec::as_slice).unwrap_or_default();
        let (l, h) = (
            usize::try_from(lo - b * BLOCK).unwrap_or(0),
            usize::try_from(hi - b * BLOCK).unwrap_or(0),
        );
        block.get(l..h).map(<[Hash]>::to_vec).ok_or(LedgerError::BadInput {
            field: "seq".to_owned(),
            message: format!("records {}..{} are not all in the log", lo + 1, hi),
        })
    }

    /// The Merkle Tree Hash of leaves `lo..hi`.
    fn mth(&mut self, lo: i64, hi: i64) -> Result<Hash> {
        let n = hi - lo;
        if n <= 0 {
            return Ok(Sha256::digest([]).into());
        }
        let aligned = n.count_ones() == 1 && lo % n == 0;
        if aligned && n >= BLOCK && hi <= self.stored {
            let level = n.trailing_zeros();
            if let Some(h) = read_node(self.conn, level, lo / n)? {
                return Ok(h);
            }
        }
        if lo / BLOCK == (hi - 1) / BLOCK {
            return Ok(tree_head(&self.leaves(lo, hi)?));
        }
        let k = i64::try_from(split(usize::try_from(n).unwrap_or(usize::MAX))).unwrap_or(i64::MAX);
        let left = self.mth(lo, lo + k)?;
        let right = self.mth(lo + k, hi)?;
        Ok(node_hash(&left, &right))
    }

    /// The audit path of leaf `m` (absolute index) in the tree of leaves `lo..hi`.
    fn path(&mut self, m: i64, lo: i64, hi: i64, out: &mut Vec<Hash>) -> Result<()> {
        let n = hi - lo;
        if n <= 1 {
            return Ok(());
        }
        let k = i64::try_from(split(usize::try_from(n).unwrap_or(usize::MAX))).unwrap_or(i64::MAX);
        if m < lo + k {
            self.path(m, lo, lo + k, out)?;
            out.push(self.mth(lo + k, hi)?);
        } else {
            self.path(m, lo + k, hi, out)?;
            out.push(self.mth(lo, lo + k)?);
        }
        Ok(())
    }
}

/// The leaf hash of a record whose stored hash is `hex` (`None` when it is not 64 hex digits).
pub(crate) fn parse_leaf(hex_hash: &[u8]) -> Option<Hash> {
    let text = std::str::from_utf8(hex_hash).ok()?;
    parse_hash("hash", text).ok().map(|h| leaf_hash(&h))
}

/// The stored tree recomputed from the records during a verification: the root of each
/// complete block of leaves as they stream by, then the nodes above, compared with
/// `audit_tree`.
pub(crate) struct TreeCheck {
    /// The first block whose leaves are all in the log (after the purge anchor).
    first_block: i64,
    /// The leaves of the block being filled.
    block: Vec<Hash>,
    /// The roots of the complete blocks, from `first_block`.
    roots: Vec<Hash>,
    /// The seq expected next; a gap or an unreadable hash stops the check (the chain check
    /// reports it).
    next_seq: i64,
    broken: bool,
}

impl TreeCheck {
    pub(crate) fn new(anchor_seq: i64) -> TreeCheck {
        let first_block = (anchor_seq + BLOCK - 1) / BLOCK;
        TreeCheck {
            first_block,
            block: Vec::with_capacity(BLOCK as usize),
            roots: Vec::new(),
            next_seq: first_block * BLOCK + 1,
            broken: false,
        }
    }

    /// The next record's leaf, in seq order.
    pub(crate) fn push(&mut self, seq: i64, leaf: Option<Hash>) {
        if self.broken || seq <= self.first_block * BLOCK {
            return;
        }
        match leaf {
            Some(l) if seq == self.next_seq => {
                self.block.push(l);
                self.next_seq += 1;
                if self.block.len() == BLOCK as usize {
                    self.roots.push(tree_head(&self.block));
                    self.block.clear();
                }
            }
            _ => self.broken = true,
        }
    }

    /// Compares the stored nodes covering records up to `tree_size` with the recomputed ones:
    /// every node that differs or is missing.
    pub(crate) fn compare(
        self,
        conn: &mut Conn,
        tree_size: i64,
        notes: &mut Vec<String>,
    ) -> Result<Vec<crate::model::TamperFinding>> {
        use crate::model::{TamperFinding, TamperKind};
        if self.broken {
            return Ok(Vec::new());
        }
        let mut expected: std::collections::BTreeMap<(u32, i64), Hash> = std::collections::BTreeMap::new();
        let mut level_nodes: Vec<(i64, Hash)> = self
            .roots
            .iter()
            .enumerate()
            .map(|(i, h)| (self.first_block + i as i64, *h))
            .collect();
        let mut level = STORED_LEVEL;
        while !level_nodes.is_empty() && level < 63 {
            let mut up = Vec::new();
            for pair in level_nodes.windows(2) {
                if let [(a, ha), (b, hb)] = pair {
                    if a % 2 == 0 && *b == a + 1 {
                        up.push((a / 2, node_hash(ha, hb)));
                    }
                }
            }
            for (i, h) in level_nodes {
                if (i + 1) << level <= tree_size {
                    expected.insert((level, i), h);
                }
            }
            level_nodes = up;
            level += 1;
        }
        let covers = |level: u32, idx: i64| -> (i64, i64) { ((idx << level) + 1, (idx + 1) << level) };
        let mut findings = Vec::new();
        let mut unchecked = 0u64;
        for r in conn.query("SELECT level, idx, hash FROM audit_tree ORDER BY level, idx", &[])? {
            let (level, idx) = (u32::try_from(r.i(0)?).unwrap_or(u32::MAX), r.i(1)?);
            if level >= 63 || (idx + 1) << level > tree_size {
                continue;
            }
            let (from, to) = covers(level, idx);
            let stored = r.t(2)?;
            match expected.remove(&(level, idx)) {
                Some(h) if hex(&h) == stored => {}
                Some(h) => findings.push(TamperFinding {
                    seq: u64::try_from(to).unwrap_or(0),
                    kind: TamperKind::TreeDiffers,
                    detail: format!(
                        "the stored Merkle tree node over records {from}..{to} is {stored}, but the records \
                         hash to {}: audit_tree was edited (a proof read from it would not match a checkpoint)",
                        hex(&h)
                    ),
                    state: None,
                }),
                // Over purged records: cannot be recomputed.
                None if from <= self.first_block * BLOCK => unchecked += 1,
                None => findings.push(TamperFinding {
                    seq: u64::try_from(to).unwrap_or(0),
                    kind: TamperKind::TreeDiffers,
                    detail: format!(
                        "the stored Merkle tree has a node over records {from}..{to} that no records explain"
                    ),
                    state: None,
                }),
            }
        }
        for ((level, idx), _) in expected {
            let (from, to) = covers(level, idx);
            findings.push(TamperFinding {
                seq: u64::try_from(to).unwrap_or(0),
                kind: TamperKind::TreeDiffers,
                detail: format!("the stored Merkle tree node over records {from}..{to} is missing (deleted)"),
                state: None,
            });
        }
        if unchecked > 0 {
            notes.push(format!(
                "{unchecked} stored Merkle tree node(s) cover purged records and are not checked"
            ));
        }
        Ok(findings)
    }
}

/// The log's size (its head's seq) and how much of it the stored tree covers.
fn tree_sizes(conn: &mut Conn) -> Result<(i64, i64)> {
    let r = conn.query_one("SELECT seq, tree_size FROM audit_head WHERE id = 1", &[])?;
    let size = r.i(0)?;
    Ok((size, r.i(1)?.min(size)))
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

/// Signed checkpoints written periodically by a long-running process (`chipgate serve`,
/// `chipgate worker`): the one place that signs the log's head, names the file and skips a
/// log that has not grown. What the caller does with a checkpoint besides the file (the
/// worker publishes it to a NATS subject) is its own.
#[derive(Debug)]
pub struct CheckpointWriter {
    key: SigningKey,
    dir: Option<std::path::PathBuf>,
    last: Option<u64>,
}

/// A checkpoint a [`CheckpointWriter`] made, and the file it went to (if it writes files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenCheckpoint {
    /// The signed tree head.
    pub checkpoint: Checkpoint,
    /// `DIR/checkpoint-<size>.json`, when the writer has a directory.
    pub path: Option<std::path::PathBuf>,
    /// The checkpoint as written: pretty JSON and a newline (what a NATS subscriber receives).
    pub json: String,
}

impl CheckpointWriter {
    /// Signs with `key`; writes files into `dir` when given (created on first write).
    pub fn new(key: SigningKey, dir: Option<std::path::PathBuf>) -> CheckpointWriter {
        CheckpointWriter { key, dir, last: None }
    }

    /// The public key of the signer, hex: what a verifier needs (`--public-key`).
    pub fn public_key(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    /// The file name of the checkpoint of `size` records: `checkpoint-<size, 12 digits>.json`,
    /// so a directory listing sorts by size.
    pub fn file_name(size: u64) -> String {
        format!("checkpoint-{size:012}.json")
    }

    /// Signs the log's tree head at `now` unless the log has not grown since the last
    /// checkpoint this writer made (`None` then), and writes it to its file: into a temporary
    /// file first, renamed into place, so a reader never sees half a checkpoint.
    pub fn write(&mut self, ledger: &mut Ledger, now: crate::time::Timestamp) -> Result<Option<WrittenCheckpoint>> {
        let checkpoint = ledger.checkpoint(&self.key, &now.to_string())?;
        if self.last == Some(checkpoint.size) {
            return Ok(None);
        }
        let mut json = serde_json::to_string_pretty(&checkpoint)?;
        json.push('\n');
        let path = match &self.dir {
            None => None,
            Some(dir) => {
                let path = dir.join(Self::file_name(checkpoint.size));
                let partial = dir.join(format!(".{}.partial", Self::file_name(checkpoint.size)));
                let failed = |e: std::io::Error| LedgerError::CheckpointFile {
                    path: path.display().to_string(),
                    message: e.to_string(),
                };
                std::fs::create_dir_all(dir).map_err(failed)?;
                std::fs::write(&partial, &json).map_err(failed)?;
                std::fs::rename(&partial, &path).map_err(failed)?;
                Some(path)
            }
        };
        self.last = Some(checkpoint.size);
        Ok(Some(WrittenCheckpoint { checkpoint, path, json }))
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

    /// The tree head over the whole log now, from the stored tree (O(log n) nodes and at most a
    /// block of record hashes).
    pub fn tree_head(&mut self) -> Result<TreeHead> {
        self.read(|conn| {
            let (size, stored) = tree_sizes(conn)?;
            let mut tree = StoredTree {
                conn,
                stored,
                blocks: std::collections::HashMap::new(),
            };
            Ok(TreeHead {
                size: u64::try_from(size).unwrap_or(0),
                root: hex(&tree.mth(0, size)?),
            })
        })
    }

    /// Signs the current tree head with `key` at `time`.
    pub fn checkpoint(&mut self, key: &SigningKey, time: &str) -> Result<Checkpoint> {
        Ok(Checkpoint::sign(&self.tree_head()?, time, key))
    }

    /// The inclusion proof of record `seq` in the tree of the first `size` records (default:
    /// the whole log), from the stored tree: O(log n) node reads and at most two blocks of
    /// record hashes, however long the log.
    pub fn inclusion_proof(&mut self, seq: u64, size: Option<u64>) -> Result<InclusionProof> {
        self.read(|conn| {
            let (log_size, stored) = tree_sizes(conn)?;
            let size = size.unwrap_or(u64::try_from(log_size).unwrap_or(0));
            let n = i64::try_from(size).unwrap_or(i64::MAX);
            if n > log_size {
                return Err(LedgerError::BadInput {
                    field: "size".to_owned(),
                    message: format!("the log has {log_size} records"),
                });
            }
            if seq == 0 || seq > size {
                return Err(LedgerError::BadInput {
                    field: "seq".to_owned(),
                    message: format!("no record {seq} in a tree of {size}"),
                });
            }
            let index = i64::try_from(seq - 1).unwrap_or(i64::MAX);
            let record_hash = conn
                .query_opt("SELECT hash FROM audit_log WHERE seq = ?", &[pi(index + 1)])?
                .map(|r| r.t(0))
                .transpose()?
                .ok_or(LedgerError::BadInput {
                    field: "seq".to_owned(),
                    message: format!("record {seq} is missing"),
                })?;
            let mut tree = StoredTree {
                conn,
                stored,
                blocks: std::collections::HashMap::new(),
            };
            let mut path = Vec::new();
            tree.path(index, 0, n, &mut path)?;
            let leaf = leaf_hash(&parse_hash("hash", &record_hash)?);
            let root = root_from_path(seq - 1, size, &leaf, &path).ok_or_else(|| {
                LedgerError::Corrupt(format!("the audit path of record {seq} does not fit a tree of {size}"))
            })?;
            Ok(InclusionProof {
                seq,
                record_hash,
                size,
                path: path.iter().map(|h| hex(h)).collect(),
                root: hex(&root),
            })
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

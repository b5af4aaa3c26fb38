//! API tokens and roles.
//!
//! A token is `cg_` followed by 64 hex digits of operating-system randomness; it is shown
//! once, when created. Only its SHA-256 is stored, in `tokens.json` in the data directory
//! (mode 0600). That file, not the ledger, holds tokens: the ledger is the store of
//! compliance records and the only crate that speaks SQL, and it has no table for
//! credentials; token creation and revocation are still recorded in its audit trail.
//!
//! Roles are ordered: `viewer` reads; `officer` also classifies, decides, screens, checks
//! orders and releases holds; `admin` also manages licenses, route suspensions and tokens.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// File name of the token store in the data directory.
pub const TOKENS_FILE: &str = "tokens.json";

/// Name under which `CHIPGATE_ADMIN_TOKEN` (or the first start's token) acts.
pub const ADMIN_NAME: &str = "admin";

/// What a token may do. Each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads: chips, rules, licenses, routes, orders, the audit trail.
    Viewer,
    /// Determinations, screening, order checks and hold releases.
    Officer,
    /// Licenses, route suspensions and tokens.
    Admin,
}

impl Role {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }
}

/// The authenticated caller of a request; its name is the `user` of ledger writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Caller {
    /// Token name.
    pub name: String,
    /// Token role.
    pub role: Role,
}

/// A stored token (the hash only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredToken {
    /// Unique name, recorded as the user of everything done with the token.
    pub name: String,
    /// Role.
    pub role: Role,
    /// SHA-256 of the token, lowercase hex.
    pub sha256: String,
    /// When it was created (RFC 3339 UTC).
    pub created: String,
    /// Who created it.
    pub created_by: String,
}

/// A token as listed by the API (never the hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TokenInfo {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// When it was created.
    pub created: String,
    /// Who created it.
    pub created_by: String,
    /// `file` (tokens.json) or `environment` (`CHIPGATE_ADMIN_TOKEN`).
    pub source: &'static str,
}

/// A token just created: the only time the secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NewToken {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The secret, to send as `Authorization: Bearer …`.
    pub token: String,
    /// When it was created.
    pub created: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: Vec<StoredToken>,
}

/// Why the token store failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Reading or writing the file.
    #[error("`{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a token store.
    #[error("`{path}` is not a valid token file: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No randomness from the operating system.
    #[error("cannot get random bytes for a token: {0}")]
    Random(String),
    /// The name is taken.
    #[error("a token named `{0}` already exists")]
    Duplicate(String),
    /// The name is not allowed.
    #[error("invalid token name `{0}`: use 1 to 64 of a-z, 0-9, `.`, `_` and `-`")]
    BadName(String),
    /// No token with this name in the file.
    #[error("no token named `{0}` in the token file")]
    Unknown(String),
}

/// The tokens: those in `tokens.json` and, if set, `CHIPGATE_ADMIN_TOKEN`.
#[derive(Debug, Default)]
pub struct TokenStore {
    path: Option<PathBuf>,
    file: Vec<StoredToken>,
    by_hash: HashMap<[u8; 32], Caller>,
    environment: Option<[u8; 32]>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digit = |c: u8| char::from(c).to_digit(16);
        let (Some(hi), Some(lo)) = (
            pair.first().copied().and_then(digit),
            pair.get(1).copied().and_then(digit),
        ) else {
            return None;
        };
        let slot = out.get_mut(i)?;
        *slot = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// A fresh random token.
pub fn generate_token() -> Result<String, TokenError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    Ok(format!("cg_{}", hex(&bytes)))
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

impl TokenStore {
    /// A store in memory only (tests): nothing is written.
    pub fn in_memory() -> TokenStore {
        TokenStore::default()
    }

    /// Opens `tokens.json` in `dir`. When the file does not exist and no environment token is
    /// given, creates it with one admin token and returns that token's secret (to print once).
    pub fn open(
        dir: &Path,
        environment_token: Option<&str>,
        now: &str,
    ) -> Result<(TokenStore, Option<String>), TokenError> {
        let path = dir.join(TOKENS_FILE);
        let mut store = TokenStore {
            path: Some(path.clone()),
            ..TokenStore::default()
        };
        if let Some(token) = environment_token.filter(|t| !t.trim().is_empty()) {
            store.set_environment_admin(token.trim());
        }
        match std::fs::read(&path) {
            Ok(bytes) => {
                let file: TokensFile = serde_json::from_slice(&bytes).map_err(|e| TokenError::Invalid {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                for token in file.tokens {
                    store.insert(token, &path)?;
                }
                Ok((store, None))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if store.environment.is_some() {
                    return Ok((store, None));
                }
                let created = store.create(ADMIN_NAME, Role::Admin, "chipgate serve (first start)", now)?;
                Ok((store, Some(created.token)))
            }
            Err(source) => Err(TokenError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Accepts `token` as the admin token named `admin` (not written to the file).
    pub fn set_environment_admin(&mut self, token: &str) {
        let hash = digest(token);
        self.environment = Some(hash);
        self.by_hash.insert(
            hash,
            Caller {
                name: ADMIN_NAME.to_owned(),
                role: Role::Admin,
            },
        );
    }

    fn insert(&mut self, token: StoredToken, path: &Path) -> Result<(), TokenError> {
        let invalid = |message: String| TokenError::Invalid {
            path: path.display().to_string(),
            message,
        };
        let hash = unhex(&token.sha256)
            .ok_or_else(|| invalid(format!("token `{}`: `sha256` is not 64 hex digits", token.name)))?;
        if self.file.iter().any(|t| t.name == token.name) {
            return Err(invalid(format!("token name `{}` appears twice", token.name)));
        }
        self.by_hash.insert(
            hash,
            Caller {
                name: token.name.clone(),
                role: token.role,
            },
        );
        self.file.push(token);
        Ok(())
    }

    /// The caller a presented token belongs to.
    pub fn authenticate(&self, token: &str) -> Option<&Caller> {
        self.by_hash.get(&digest(token))
    }

    /// Creates a token and writes the file; returns the secret (shown once).
    pub fn create(&mut self, name: &str, role: Role, created_by: &str, now: &str) -> Result<NewToken, TokenError> {
        if !valid_name(name) {
            return Err(TokenError::BadName(name.to_owned()));
        }
        if self.file.iter().any(|t| t.name == name) {
            return Err(TokenError::Duplicate(name.to_owned()));
        }
        let token = generate_token()?;
        let stored = StoredToken {
            name: name.to_owned(),
            role,
            sha256: hex(&digest(&token)),
            created: now.to_owned(),
            created_by: created_by.to_owned(),
        };
        let hash = digest(&token);
        let mut next = self.file.clone();
        next.push(stored);
        self.save(&next)?;
        self.file = next;
        self.by_hash.insert(
            hash,
            Caller {
                name: name.to_owned(),
                role,
            },
        );
        Ok(NewToken {
            name: name.to_owned(),
            role,
            token,
            created: now.to_owned(),
        })
    }

    /// Revokes the token named `name` in the file.
    pub fn revoke(&mut self, name: &str) -> Result<TokenInfo, TokenError> {
        let Some(position) = self.file.iter().position(|t| t.name == name) else {
            return Err(TokenError::Unknown(name.to_owned()));
        };
        let mut next = self.file.clone();
        let removed = next.remove(position);
        self.save(&next)?;
        self.file = next;
        if let Some(hash) = unhex(&removed.sha256) {
            if self.environment != Some(hash) {
                self.by_hash.remove(&hash);
            }
        }
        Ok(info(&removed, "file"))
    }

    /// Every token, without secrets or hashes.
    pub fn list(&self) -> Vec<TokenInfo> {
        let mut out: Vec<TokenInfo> = self.file.iter().map(|t| info(t, "file")).collect();
        if self.environment.is_some() {
            out.push(TokenInfo {
                name: ADMIN_NAME.to_owned(),
                role: Role::Admin,
                created: String::new(),
                created_by: String::new(),
                source: "environment",
            });
        }
        out
    }

    fn save(&self, tokens: &[StoredToken]) -> Result<(), TokenError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| TokenError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_vec_pretty(&TokensFile {
            tokens: tokens.to_vec(),
        })
        .map_err(|e| TokenError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let temporary = path.with_extension("json.tmp");
        write_private(&temporary, &text).map_err(io)?;
        std::fs::rename(&temporary, path).map_err(io)
    }
}

fn info(token: &StoredToken, source: &'static str) -> TokenInfo {
    TokenInfo {
        name: token.name.clone(),
        role: token.role,
        created: token.created.clone(),
        created_by: token.created_by.clone(),
        source,
    }
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let hash = digest("cg_example");
        assert_eq!(unhex(&hex(&hash)), Some(hash));
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn first_start_creates_one_admin_token_and_keeps_only_its_hash() {
        let dir = std::env::temp_dir().join(format!("chipgate-tokens-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (store, token) = TokenStore::open(&dir, None, "2025-01-01T00:00:00Z").unwrap();
        let token = token.unwrap();
        assert!(token.starts_with("cg_"));
        assert_eq!(store.authenticate(&token).map(|c| c.role), Some(Role::Admin));
        let text = std::fs::read_to_string(dir.join(TOKENS_FILE)).unwrap();
        assert!(!text.contains(&token));
        assert!(text.contains(&hex(&digest(&token))));
        let (again, printed) = TokenStore::open(&dir, None, "2025-01-02T00:00:00Z").unwrap();
        assert_eq!(printed, None);
        assert!(again.authenticate(&token).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_environment_token_means_no_file_is_created() {
        let dir = std::env::temp_dir().join(format!("chipgate-tokens-env-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (store, printed) = TokenStore::open(&dir, Some("secret-admin"), "2025-01-01T00:00:00Z").unwrap();
        assert_eq!(printed, None);
        assert!(!dir.join(TOKENS_FILE).exists());
        assert_eq!(
            store.authenticate("secret-admin").map(|c| c.name.as_str()),
            Some("admin")
        );
        assert!(store.authenticate("other").is_none());
    }

    #[test]
    fn names_are_checked_and_unique() {
        let mut store = TokenStore::in_memory();
        assert!(matches!(
            store.create("Bad Name", Role::Viewer, "t", "now"),
            Err(TokenError::BadName(_))
        ));
        let created = store.create("alice", Role::Officer, "t", "now").unwrap();
        assert!(matches!(
            store.create("alice", Role::Viewer, "t", "now"),
            Err(TokenError::Duplicate(_))
        ));
        store.revoke("alice").unwrap();
        assert!(store.authenticate(&created.token).is_none());
    }
}

//! Versioned schema migrations.
//!
//! Migrations are numbered SQL files under `migrations/sqlite/` and
//! `migrations/postgres/` (same number, same tables; only type spellings
//! differ), embedded in the binary, applied in order inside one transaction
//! serialized across processes, and recorded in `schema_migrations` with the
//! SHA-256 of the file. A store whose recorded checksum differs from the
//! embedded file (an edited migration) or which has a newer version than this
//! build knows is refused.

use sha2::{Digest, Sha256};

use crate::db::{pi, pt, BackendKind, Conn};
use crate::error::{LedgerError, Result};
use crate::model::AppliedMigration;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "list_indexes",
        sqlite: include_str!("../migrations/sqlite/0002_list_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0002_list_indexes.sql"),
    },
    Migration {
        version: 3,
        name: "list_snapshots",
        sqlite: include_str!("../migrations/sqlite/0003_list_snapshots.sql"),
        postgres: include_str!("../migrations/postgres/0003_list_snapshots.sql"),
    },
    Migration {
        version: 4,
        name: "audit_tree",
        sqlite: include_str!("../migrations/sqlite/0004_audit_tree.sql"),
        postgres: include_str!("../migrations/postgres/0004_audit_tree.sql"),
    },
    Migration {
        version: 5,
        name: "parties",
        sqlite: include_str!("../migrations/sqlite/0005_parties.sql"),
        postgres: include_str!("../migrations/postgres/0005_parties.sql"),
    },
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 5;

fn sql_for(m: &Migration, kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Sqlite => m.sqlite,
        BackendKind::Postgres => m.postgres,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn checksum(sql: &str) -> String {
    hex(&Sha256::digest(sql.as_bytes()))
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
)";

pub(crate) fn migrate(conn: &mut Conn) -> Result<()> {
    conn.begin_migration()?;
    match migrate_in_tx(conn) {
        Ok(()) => conn.commit(),
        Err(e) => {
            conn.rollback();
            Err(e)
        }
    }
}

fn migrate_in_tx(conn: &mut Conn) -> Result<()> {
    let kind = conn.kind();
    conn.batch(CREATE_TABLE)?;
    let rows = conn.query("SELECT version, checksum FROM schema_migrations ORDER BY version", &[])?;
    let mut applied = Vec::new();
    for r in rows {
        applied.push((r.i(0)?, r.t(1)?));
    }
    if let Some((version, _)) = applied.iter().find(|(v, _)| *v > SCHEMA_VERSION) {
        return Err(LedgerError::Migration(format!(
            "the database has schema version {version}, newer than this chipgate \
             ({SCHEMA_VERSION}); upgrade chipgate"
        )));
    }
    for (version, sum) in &applied {
        let Some(m) = MIGRATIONS.iter().find(|m| m.version == *version) else {
            return Err(LedgerError::Migration(format!(
                "the database records unknown migration {version}"
            )));
        };
        if checksum(sql_for(m, kind)) != *sum {
            return Err(LedgerError::Migration(format!(
                "migration {version:04}_{} differs from the one applied to this database \
                 (migrations must never be edited once applied)",
                m.name
            )));
        }
    }
    for m in MIGRATIONS {
        if applied.iter().any(|(v, _)| *v == m.version) {
            continue;
        }
        let sql = sql_for(m, kind);
        conn.batch(sql)?;
        conn.exec(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
            &[pi(m.version), pt(m.name), pt(&checksum(sql))],
        )?;
    }
    Ok(())
}

pub(crate) fn applied(conn: &mut Conn) -> Result<Vec<AppliedMigration>> {
    let rows = conn.query(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
        &[],
    )?;
    rows.into_iter()
        .map(|r| {
            Ok(AppliedMigration {
                version: r.i(0)?,
                name: r.t(1)?,
                checksum: r.t(2)?,
            })
        })
        .collect()
}

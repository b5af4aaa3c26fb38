//! `chipgate serve`: starts the HTTP API and the web app (`chipgate-server`) on the bundled
//! data and the default ledger.

use std::path::Path;
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::Status;

/// Environment variable holding an admin token to accept (instead of creating one).
const ADMIN_TOKEN_VAR: &str = "CHIPGATE_ADMIN_TOKEN";

pub(crate) fn run(args: ServeArgs, reference_dir: Option<&Path>) -> Result<Status, CliError> {
    let config = chipgate_server::ServeConfig {
        addr: args.addr,
        db: crate::home::given_db(args.db.as_deref()).map(str::to_owned),
        data_dir: crate::home::data_home(),
        admin_token: std::env::var(ADMIN_TOKEN_VAR).ok(),
        reference_dir: reference_dir.map(Path::to_path_buf),
        timeouts: chipgate_server::Timeouts {
            header_read: Duration::from_secs(args.header_read_timeout),
            idle: Duration::from_secs(args.idle_timeout),
        },
        auth_limit: chipgate_server::AuthLimit {
            failures: args.auth_failures,
            window: Duration::from_secs(args.auth_window),
        },
        checkpoints: match (args.checkpoint_dir, args.checkpoint_every) {
            (Some(dir), Some(every)) => Some(chipgate_server::Checkpoints {
                dir,
                every: Duration::from_secs(every),
                key: args.checkpoint_key.unwrap_or_else(crate::home::signing_key_path),
            }),
            _ => None,
        },
        lists_poll: (args.lists_poll > 0).then(|| Duration::from_secs(args.lists_poll)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime
        .block_on(chipgate_server::serve(config))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Status::Ok)
}

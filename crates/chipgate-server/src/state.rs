//! What every handler shares: the engine, the ledger, the tokens, the metrics and the clock.

use std::sync::{Arc, Mutex, RwLock};

use chipgate_engine::{Date, Engine};
use chipgate_ledger::{Ledger, Timestamp};

use crate::auth::TokenStore;
use crate::cache::ReportCache;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// The time source, in unix seconds. The server is the edge that reads the clock; tests pin it.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Shared state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    ledger: Mutex<Ledger>,
    tokens: RwLock<TokenStore>,
    metrics: Metrics,
    cache: ReportCache,
    clock: Clock,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("engine", &self.inner.engine)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

impl AppState {
    /// State over an engine, a ledger and tokens, with the system clock.
    pub fn new(engine: Engine, ledger: Ledger, tokens: TokenStore) -> AppState {
        AppState::with_clock(engine, ledger, tokens, Arc::new(system_clock))
    }

    /// The same with a given clock (tests).
    pub fn with_clock(engine: Engine, ledger: Ledger, tokens: TokenStore, clock: Clock) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                engine,
                ledger: Mutex::new(ledger),
                tokens: RwLock::new(tokens),
                metrics: Metrics::default(),
                cache: ReportCache::default(),
                clock,
            }),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The cache of serialized determinations.
    pub fn cache(&self) -> &ReportCache {
        &self.inner.cache
    }

    /// The token store.
    pub fn tokens(&self) -> &RwLock<TokenStore> {
        &self.inner.tokens
    }

    /// Now.
    pub fn now(&self) -> Result<Timestamp, ApiError> {
        Timestamp::from_unix((self.inner.clock)()).map_err(|e| ApiError::internal("clock", &e))
    }

    /// Today (UTC): the default date of a determination.
    pub fn today(&self) -> Date {
        let days = (self.inner.clock)().div_euclid(86_400);
        Date::from_days_since_epoch(i32::try_from(days).unwrap_or(0))
    }

    /// After a review action: the engine reads the store's clearances again, and the cached
    /// determinations (which may have used the old ones) are dropped.
    pub fn clearances_changed(&self, ledger: &mut Ledger) -> Result<(), ApiError> {
        self.inner.engine.load_clearances(ledger)?;
        self.inner.cache.clear();
        Ok(())
    }

    /// Runs `f` with the ledger on the blocking pool (the ledger is synchronous).
    pub async fn with_ledger<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState, &mut Ledger) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut ledger = state
                .inner
                .ledger
                .lock()
                .map_err(|_| ApiError::internal("ledger", &"the ledger lock is poisoned"))?;
            f(&state, &mut ledger)
        })
        .await
        .map_err(|e| ApiError::internal("ledger task", &e))?
    }

    /// Runs CPU-heavy `f` on the blocking pool.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|e| ApiError::internal("blocking task", &e))?
    }
}

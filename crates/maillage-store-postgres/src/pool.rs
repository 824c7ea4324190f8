//! A small blocking connection pool: a mutex-guarded stack of idle clients, a count of the
//! open ones and a condition variable to wait for one to come back.
//!
//! Hand-written rather than r2d2 because the needs are narrow (a handful of connections,
//! one per import plus a few for reads) and r2d2 brings a scheduler thread pool and
//! parking_lot for reaping and health checks we can do inline in a few lines.
//!
//! Rule that keeps the pool sound: a connection goes back to the idle stack only when it is
//! known to be outside any transaction. Whoever opens a transaction on a [`Pooled`] must end
//! it or call [`Pooled::discard`]; a closed connection is never put back.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use maillage_store::{StoreError, StoreResult};
use postgres::{Client, Config, NoTls};

use crate::backend;

/// Pool settings. The binary reads overrides from its `MAILLAGE_PG_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most connections open at once (`MAILLAGE_PG_POOL_SIZE`, default 4, at least 1). An
    /// import holds one for its whole duration; reads take one per call.
    pub max_size: usize,
    /// How long opening a connection may take (`MAILLAGE_PG_CONNECT_TIMEOUT`, seconds,
    /// default 10), unless the URL sets `connect_timeout` itself.
    pub connect_timeout: Duration,
    /// How long to wait for a free connection when all are busy before failing
    /// (`MAILLAGE_PG_ACQUIRE_TIMEOUT`, seconds, default 30).
    pub acquire_timeout: Duration,
    /// A connection idle longer than this is checked with a round trip before reuse, so a
    /// server restart or a dropped TCP session costs a reconnect, not a failed call
    /// (`MAILLAGE_PG_IDLE_CHECK`, seconds, default 30).
    pub idle_check_after: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_size: 4,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(30),
            idle_check_after: Duration::from_secs(30),
        }
    }
}

struct Idle {
    client: Client,
    since: Instant,
}

struct State {
    idle: Vec<Idle>,
    /// Connections open, idle or lent out.
    open: usize,
}

pub struct Pool {
    config: Config,
    settings: PoolSettings,
    state: Mutex<State>,
    returned: Condvar,
}

impl Pool {
    pub fn new(mut config: Config, settings: PoolSettings) -> Self {
        if config.get_connect_timeout().is_none() && !settings.connect_timeout.is_zero() {
            config.connect_timeout(settings.connect_timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("maillage");
        }
        Pool { config, settings, state: Mutex::new(State { idle: Vec::new(), open: 0 }), returned: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is two plain fields updated atomically under the lock: a panic elsewhere
        // cannot leave it half-written, so a poisoned lock is safe to keep using.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A connection: an idle one if any (checked first if it sat idle long), a new one if
    /// the pool has room, else waits up to the acquire timeout for one to come back.
    pub fn get(&self) -> StoreResult<Pooled<'_>> {
        let deadline = Instant::now() + self.settings.acquire_timeout;
        let mut state = self.lock();
        loop {
            if let Some(idle) = state.idle.pop() {
                drop(state);
                if let Some(client) = self.revive(idle) {
                    return Ok(Pooled { pool: self, client: Some(client) });
                }
                state = self.lock();
                continue;
            }
            if state.open < self.settings.max_size {
                state.open += 1;
                drop(state);
                // Connect outside the lock: it can take up to the connect timeout.
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Pooled { pool: self, client: Some(client) }),
                    Err(err) => {
                        self.forget_one();
                        Err(backend(err))
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Backend(format!(
                    "aucune connexion PostgreSQL libre après {} s ({} ouvertes)",
                    self.settings.acquire_timeout.as_secs(),
                    state.open
                )));
            }
            state =
                self.returned.wait_timeout(state, deadline - now).unwrap_or_else(|poisoned| poisoned.into_inner()).0;
        }
    }

    /// The idle client if it is still usable; otherwise forgets it.
    fn revive(&self, idle: Idle) -> Option<Client> {
        let Idle { mut client, since } = idle;
        let usable = !client.is_closed()
            && (since.elapsed() < self.settings.idle_check_after
                || client.is_valid(self.settings.connect_timeout.max(Duration::from_secs(1))).is_ok());
        if usable {
            Some(client)
        } else {
            tracing::debug!("connexion PostgreSQL inutilisable écartée du pool");
            self.forget_one();
            None
        }
    }

    fn forget_one(&self) {
        self.lock().open -= 1;
        self.returned.notify_one();
    }

    fn put_back(&self, client: Client) {
        if client.is_closed() {
            self.forget_one();
            return;
        }
        self.lock().idle.push(Idle { client, since: Instant::now() });
        self.returned.notify_one();
    }
}

/// A connection lent by the pool; returned to it on drop.
pub struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl Pooled<'_> {
    pub fn client(&mut self) -> StoreResult<&mut Client> {
        self.client.as_mut().ok_or_else(|| StoreError::Backend("connexion PostgreSQL déjà fermée".to_owned()))
    }

    /// Closes the connection instead of returning it, for when its state is unknown (a
    /// transaction that could not be rolled back, a session lock that could not be released).
    pub fn discard(&mut self) {
        if self.client.take().is_some() {
            self.pool.forget_one();
        }
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.pool.put_back(client);
        }
    }
}

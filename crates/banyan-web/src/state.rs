//! What every request handler shares: the configuration, the dashboard's database, the zone
//! store, the registrar's EPP accounts, the clock and the login throttle.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use banyan_store::Store;

use crate::clock::Clock;
use crate::config::WebConfig;
use crate::credentials;
use crate::database::Database;
use crate::error::WebError;
use crate::panels::{DomainPanel, ExtraPage};
use crate::propagation::PropagationPanel;
use crate::registrar::Registrar;
use crate::throttle::{LoginThrottle, Verdict};

/// The dashboard's shared state. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: WebConfig,
    db: Database,
    store: Store,
    registrar: Registrar,
    clock: Arc<dyn Clock>,
    throttle: Mutex<LoginThrottle>,
    lookup_throttle: Mutex<LoginThrottle>,
    panels: RwLock<Vec<Arc<dyn DomainPanel>>>,
    extra_pages: RwLock<Vec<ExtraPage>>,
    decoy_hash: String,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens the dashboard's database (`config.database_url`, migrating it), builds the TLS
    /// configurations of the registries, and keeps `store` for the hosted zones.
    pub async fn open(config: WebConfig, store: Store, clock: Arc<dyn Clock>) -> Result<AppState, WebError> {
        if config.name_servers.is_empty() {
            return Err(WebError::Config(
                "no hosted name servers: zones need at least one".into(),
            ));
        }
        let db = Database::open(&config.database_url, clock.now()).await?;
        let registrar = Registrar::new(&config)?;
        let throttle = Mutex::new(LoginThrottle::new(config.login_limit));
        let lookup_throttle = Mutex::new(LoginThrottle::new(config.lookup_limit));
        // Checked against when a login names no account, so that costs what a real check does.
        let cost = config.password_cost;
        let decoy_hash = tokio::task::spawn_blocking(move || credentials::hash_password("decoy password", cost))
            .await
            .map_err(|e| WebError::Password(e.to_string()))??;
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                db,
                store,
                registrar,
                clock,
                throttle,
                lookup_throttle,
                // Every domain page shows how far its latest change has travelled.
                panels: RwLock::new(vec![Arc::new(PropagationPanel) as Arc<dyn DomainPanel>]),
                extra_pages: RwLock::new(Vec::new()),
                decoy_hash,
            }),
        })
    }

    /// Counts a lookup by `client` against [`WebConfig::lookup_limit`]:
    /// [`WebError::LookupLimited`] when the client has used up its window. Clients whose
    /// address is unknown share one count.
    pub(crate) fn count_lookup(&self, client: Option<std::net::IpAddr>) -> Result<(), WebError> {
        let key = format!(
            "lookup:{}",
            client.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
        );
        let now = self.now();
        let mut t = self
            .inner
            .lookup_throttle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The login throttle's window, counting every lookup as a "failure".
        match t.check(&[&key], now) {
            Verdict::Limited { retry_after } => Err(WebError::LookupLimited { retry_after }),
            Verdict::Allowed => {
                t.failed(&[&key], now);
                Ok(())
            }
        }
    }

    /// Adds a panel to every domain page (see [`crate::panels`]); the propagation panel
    /// is there from the start.
    pub fn add_panel(&self, panel: Arc<dyn DomainPanel>) {
        self.inner
            .panels
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(panel);
    }

    /// The panels added with [`AppState::add_panel`].
    pub fn panels(&self) -> Vec<Arc<dyn DomainPanel>> {
        self.inner.panels.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Links the navigation bar to `page` (see [`crate::router_with`]).
    pub fn add_page(&self, page: ExtraPage) {
        self.inner
            .extra_pages
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(page);
    }

    /// The pages added with [`AppState::add_page`].
    pub fn extra_pages(&self) -> Vec<ExtraPage> {
        self.inner
            .extra_pages
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A hash of no one's password at the configured cost, for logins naming no account.
    pub(crate) fn decoy_hash(&self) -> &str {
        &self.inner.decoy_hash
    }

    /// The configuration.
    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    /// The dashboard's database.
    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    /// The zone store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The registrar's EPP accounts.
    pub fn registrar(&self) -> &Registrar {
        &self.inner.registrar
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// Runs `f` on the login throttle. A panic elsewhere while it was held leaves counts
    /// that are still meaningful, so a poisoned lock is used as it is.
    pub(crate) fn throttle<T>(&self, f: impl FnOnce(&mut LoginThrottle) -> T) -> T {
        let mut guard = self.inner.throttle.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

//! What the registry's integration tests share: a fresh registry on SQLite (a temporary
//! directory) or PostgreSQL (a schema of its own in the database `BANYAN_TEST_POSTGRES_URL`
//! names, so tests can share one database), two TLDs, three registrars, and helpers.
#![allow(dead_code)]

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use banyan_registry::time::{Date, DAY};
use banyan_registry::{
    ContactCreate, DomainCreate, DsData, HostCreate, PostalInfo, PostalType, RegistrarId, Registry, RegistryError,
    TldPolicy,
};
use banyan_wire::Name;

pub const URL_ENV: &str = "BANYAN_TEST_POSTGRES_URL";

/// 2024-01-01T00:00:00Z: the tests' "now" at the start.
pub const T0: i64 = 1_704_067_200;
pub const YEAR: i64 = 365 * DAY;
/// Every registrar starts with this much.
pub const BALANCE: i64 = 100_000;
/// The default fees (banyan_registry::Fees::default()).
pub const CREATE: i64 = 800;
pub const RENEW: i64 = 800;
pub const TRANSFER: i64 = 800;
pub const RESTORE: i64 = 4000;

/// The backend a test runs on.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite,
    Postgres(String),
}

impl Db {
    /// PostgreSQL when `BANYAN_TEST_POSTGRES_URL` is set.
    pub fn postgres() -> Option<Db> {
        match std::env::var(URL_ENV) {
            Ok(url) => Some(Db::Postgres(url)),
            Err(_) => {
                println!("skipped: set {URL_ENV}=postgres://… to run the PostgreSQL tests");
                None
            }
        }
    }
}

/// Generates, for each scenario `async fn NAME(db: Db)` of the test file, a test on SQLite
/// (`sqlite::NAME`) and one on PostgreSQL (`postgres::NAME`, skipped unless configured).
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::common::Db::postgres() {
                        super::$name(db).await
                    }
                }
            )*
        }
    };
}

pub fn n(s: &str) -> Name {
    Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn date(unix: i64) -> Date {
    Date::of(unix)
}

/// The EPP code of a result that must be an error.
pub fn code<T: std::fmt::Debug>(r: Result<T, RegistryError>) -> u16 {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.epp_code(),
    }
}

/// The value of a result that must succeed.
pub fn ok<T>(r: Result<T, RegistryError>) -> T {
    r.unwrap_or_else(|e| panic!("{e} (EPP {})", e.epp_code()))
}

static SCHEMAS: AtomicU32 = AtomicU32::new(0);

/// A registry with TLDs `test.` (default policy) and `co.uk.` (no automatic renewal), and
/// registrars `rar-a` (both TLDs), `rar-b` (`test.`) and `rar-c` (`test.`), each with
/// [`BALANCE`].
pub struct Env {
    pub reg: Registry,
    pub url: String,
    pub a: RegistrarId,
    pub b: RegistrarId,
    pub c: RegistrarId,
    _dir: Option<tempfile::TempDir>,
}

pub fn policies() -> Vec<TldPolicy> {
    let mut uk = TldPolicy::new(n("co.uk."));
    uk.auto_renew = false;
    vec![TldPolicy::new(n("test.")), uk]
}

impl Env {
    pub async fn new(db: Db) -> Env {
        Env::with_policies(db, policies()).await
    }

    pub async fn with_policies(db: Db, tlds: Vec<TldPolicy>) -> Env {
        let (url, dir) = match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
                let url = format!("sqlite://{}/registry.db", dir.path().display());
                (url, Some(dir))
            }
            Db::Postgres(base) => (fresh_schema(&base).await, None),
        };
        let reg = ok(Registry::open(&url, tlds).await);
        let a = ok(reg
            .create_registrar("rar-a", "Registrar A", "secret-a", &[n("test."), n("co.uk.")], BALANCE)
            .await);
        let b = ok(reg
            .create_registrar("rar-b", "Registrar B", "secret-b", &[n("test.")], BALANCE)
            .await);
        let c = ok(reg
            .create_registrar("rar-c", "Registrar C", "secret-c", &[n("test.")], BALANCE)
            .await);
        Env {
            reg,
            url,
            a,
            b,
            c,
            _dir: dir,
        }
    }

    /// Another registry on the same database (its own pool).
    pub async fn reopen(&self) -> Registry {
        ok(Registry::open(&self.url, policies()).await)
    }

    pub async fn balance(&self, r: &RegistrarId) -> i64 {
        ok(self.reg.registrar(r).await).balance
    }

    /// Contact `id` sponsored by `by`.
    pub async fn contact(&self, by: &RegistrarId, id: &str) {
        ok(self.reg.create_contact(by, &contact_create(id), T0).await);
    }

    /// Host `name` sponsored by `by`, with `addrs`.
    pub async fn host(&self, by: &RegistrarId, name: &str, addrs: &[&str]) {
        let cmd = HostCreate {
            name: n(name),
            addrs: addrs.iter().map(|a| ip(a)).collect(),
        };
        ok(self.reg.create_host(by, &cmd, T0).await);
    }

    /// Domain `name` for one year at `now`, with a registrant `by` creates for it, no name
    /// servers, authInfo `pw-NAME`.
    pub async fn domain(&self, by: &RegistrarId, name: &str, now: i64) {
        let handle = format!("reg-{}", SCHEMAS.fetch_add(1, Ordering::Relaxed));
        ok(self.reg.create_contact(by, &contact_create(&handle), now).await);
        let mut cmd = domain_create(name);
        cmd.registrant = Some(handle);
        ok(self.reg.create_domain(by, &cmd, now).await);
    }
}

pub fn contact_create(id: &str) -> ContactCreate {
    ContactCreate {
        id: id.to_string(),
        postal: vec![PostalInfo {
            kind: PostalType::Int,
            name: "Jane Doe".into(),
            org: Some("Example Inc.".into()),
            street: vec!["123 Example Dr.".into(), "Suite 100".into()],
            city: "Dulles".into(),
            sp: Some("VA".into()),
            pc: Some("20166-6503".into()),
            cc: "US".into(),
        }],
        voice: Some("+1.7035555555".into()),
        fax: None,
        email: "jdoe@example.test".into(),
        auth_info: "2fooBAR".into(),
        disclose: None,
    }
}

pub fn domain_create(name: &str) -> DomainCreate {
    DomainCreate {
        name: n(name),
        period_years: 1,
        registrant: None,
        contacts: Vec::new(),
        ns: Vec::new(),
        auth_info: format!("pw-{name}"),
        ds: Vec::new(),
        max_sig_life: None,
    }
}

pub fn ds(tag: u16) -> DsData {
    DsData {
        key_tag: tag,
        alg: 13,
        digest_type: 2,
        digest: vec![tag as u8; 32],
    }
}

/// A URL for a new, empty schema in the PostgreSQL database `base`.
async fn fresh_schema(base: &str) -> String {
    sqlx::any::install_default_drivers();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!(
        "reg_{}_{}_{}",
        std::process::id(),
        SCHEMAS.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let pool = sqlx::AnyPool::connect(base).await.unwrap_or_else(|e| panic!("{e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pool.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options[search_path]={schema}")
}

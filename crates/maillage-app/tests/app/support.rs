//! What the use-case tests share: a hub on an in-memory SQLite store with one account of each
//! role, the real territory, mails kept in memory, and every log line captured.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, TimeZone, Utc};
use maillage_app::accounts::*;
use maillage_app::context::{Context, Mailing};
use maillage_app::mail::{Mail, Mailer};
use maillage_app::moderation::*;
use maillage_app::territory::Locator;
use maillage_app::{AppError, AppResult};
use maillage_domain::Place;
use maillage_store::*;
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;

pub const PASSWORD: &str = "correct horse battery staple";

pub fn territory() -> Arc<Territory> {
    static TERRITORY: OnceLock<Arc<Territory>> = OnceLock::new();
    TERRITORY.get_or_init(|| Arc::new(Territory::embedded())).clone()
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

/// A hub: store, mails, signer, locator, and one user of each role.
pub struct Hub {
    pub store: SqliteStore,
    pub sent: Sent,
    pub signer: LinkSigner,
    pub locator: Locator,
    pub admin: Actor,
    /// Coordinator of the Cher (18).
    pub coordinator: Actor,
    /// Coordinator of Indre-et-Loire (37): out of scope for places in the Cher.
    pub other_coordinator: Actor,
}

impl Hub {
    pub fn new() -> Hub {
        captured_logs();
        let store = SqliteStore::in_memory().unwrap();
        let locator = Locator::load(&store, territory()).unwrap();
        let operator = Actor::operator(None);
        let admin =
            bootstrap_admin(&Context::new(&store), &operator, "admin@hub.example", "Admin", PASSWORD, t0()).unwrap();
        let coordinator = coordinator(&store, "coord18@hub.example", "18");
        let other_coordinator = coordinator_of(&store, "coord37@hub.example", "37");
        Hub {
            store,
            sent: Sent::default(),
            signer: LinkSigner::new(b"une cle de test de trente-deux octets au moins"),
            locator,
            admin: Actor::User(admin),
            coordinator: Actor::User(coordinator),
            other_coordinator: Actor::User(other_coordinator),
        }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context::new(&self.store).with_locator(&self.locator).with_mailing(Mailing {
            mailer: &self.sent,
            signer: &self.signer,
            base_url: "https://hub.example",
        })
    }

    /// A place in Bourges (18), created by the admin, with a contact address.
    pub fn place(&self, name: &str) -> Place {
        create_place(&self.ctx(), &self.admin, &fields(name), t0()).unwrap()
    }

    /// A visitor's report of wrong opening hours on the place, stored.
    pub fn report(&self, place: &Place) -> PlaceReport {
        let report = PlaceReport {
            id: new_report_id(),
            place_id: place.id.clone(),
            category: PlaceReport::CATEGORIES[0].0.to_owned(),
            message: "Fermé le lundi".to_owned(),
            created_at: t0(),
        };
        self.store.add_place_report(&report).unwrap();
        report
    }

    /// A gestionnaire managing these places, with a password.
    pub fn manager(&self, email: &str, places: &[&Place], trusted: bool) -> Actor {
        let mut user = new_user(
            email,
            "Gestionnaire",
            Role::Gestionnaire { places: places.iter().map(|place| place.id.clone()).collect() },
            t0(),
        )
        .unwrap();
        user.password_hash = Some(hash_password(PASSWORD).unwrap());
        user.trusted = trusted;
        self.store.insert_user(&user).unwrap();
        Actor::User(user)
    }

    /// The mails sent so far, newest first.
    pub fn mails(&self) -> Vec<Mail> {
        self.sent.0.lock().unwrap().clone()
    }

    /// The signed token of the newest mail's link that starts with `prefix`.
    pub fn link_token(&self, prefix: &str) -> String {
        let mail = self.mails().into_iter().find(|mail| mail.body.contains(prefix)).expect("a mail with the link");
        let start = mail.body.find(prefix).unwrap() + prefix.len();
        mail.body[start..].split_whitespace().next().unwrap().to_owned()
    }
}

pub fn coordinator(store: &SqliteStore, email: &str, departement: &str) -> User {
    let mut user = new_user(
        email,
        "Coordination",
        Role::Coordinateur { departements: vec![departement.to_owned()], bassins: Vec::new() },
        t0(),
    )
    .unwrap();
    user.password_hash = Some(hash_password(PASSWORD).unwrap());
    store.insert_user(&user).unwrap();
    user
}

pub fn coordinator_of(store: &SqliteStore, email: &str, departement: &str) -> User {
    coordinator(store, email, departement)
}

pub fn fields(name: &str) -> BTreeMap<String, String> {
    [
        ("nom", name),
        ("commune", "Bourges"),
        ("code_postal", "18000"),
        ("adresse", "1 rue Moyenne"),
        ("courriels", "contact@mediatheque.example"),
        ("horaires", "Mo-Fr 09:00-12:00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub fn with(mut fields: BTreeMap<String, String>, field: &str, value: &str) -> BTreeMap<String, String> {
    fields.insert(field.to_owned(), value.to_owned());
    fields
}

pub fn forbidden<T: std::fmt::Debug>(result: Result<T, AppError>) {
    assert!(matches!(result, Err(AppError::Forbidden(_))), "{result:?}");
}

pub fn refused<T: std::fmt::Debug>(result: Result<T, AppError>, words: &str) {
    assert!(matches!(&result, Err(AppError::Refused(message)) if message.contains(words)), "{result:?}");
}

/// The mails sent, kept in memory, newest first as an outbox lists them.
#[derive(Default)]
pub struct Sent(Mutex<Vec<Mail>>);

impl Mailer for Sent {
    fn send(&self, mail: &Mail) -> AppResult<()> {
        self.0.lock().unwrap().insert(0, mail.clone());
        Ok(())
    }
}

/// A `MakeWriter` that keeps everything logged, to search it afterwards.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every test of this binary logs, at every level, into one buffer. A global subscriber,
/// set before anything logs: a thread-scoped one would miss events whose call sites another
/// test thread registered first.
pub fn captured_logs() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(captured.clone())
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("the first subscriber of this binary");
            captured
        })
        .clone()
}

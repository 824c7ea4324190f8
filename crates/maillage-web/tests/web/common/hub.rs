//! A hub with accounts and a browser that keeps its cookies: the fixtures of the account and
//! administration tests, and the sign-in helper.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use maillage_app::accounts::{bootstrap_admin, hash_password, new_user, Actor, LinkSigner};
use maillage_app::context::{Context, Mailing};
use maillage_app::moderation::create_place;
use maillage_app::territory::Locator;
use maillage_domain::Place;
use maillage_mail::Outbox;
use maillage_store::{AccountStore, Role};
use maillage_store_sqlite::SqliteStore;
use maillage_web::{router_with_accounts, AccountsConfig, SiteConfig, WebState};
use tower::ServiceExt;

use super::{hidden, territory, Page};

pub const PASSWORD: &str = "correct horse battery staple";
pub const KEY: &[u8] = b"une cle de test de trente-deux octets au moins";

/// A hub with two places in the Cher, a gestionnaire of the first, a coordinator of the Cher
/// and one of Indre-et-Loire, and an administrator.
pub struct Hub {
    pub store: Arc<SqliteStore>,
    pub state: WebState,
    pub config: Arc<AccountsConfig>,
    pub folder: tempfile::TempDir,
    pub place: Place,
    pub other_place: Place,
}

impl Hub {
    pub fn new() -> Hub {
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let operator = Actor::operator(None);
        let admin = bootstrap_admin(
            &Context::new(store.as_ref()),
            &operator,
            "admin@hub.example",
            "Admin",
            PASSWORD,
            Utc::now(),
        )
        .unwrap();
        let folder = tempfile::tempdir().unwrap();
        let (place, other_place) = {
            let outbox = Outbox::new(folder.path(), "x@hub.example");
            let locator = Locator::load(store.as_ref(), territory()).unwrap();
            let signer = LinkSigner::new(KEY);
            let mailing = Mailing { mailer: &outbox, signer: &signer, base_url: "https://hub.example" };
            let ctx = Context::new(store.as_ref()).with_locator(&locator).with_mailing(mailing);
            let actor = Actor::User(admin);
            (
                create_place(&ctx, &actor, &fields("Médiathèque"), Utc::now()).unwrap(),
                create_place(&ctx, &actor, &fields("Centre social"), Utc::now()).unwrap(),
            )
        };
        add_user(&store, "g@asso.example", Role::Gestionnaire { places: vec![place.id.clone()] });
        add_user(&store, "g2@asso.example", Role::Gestionnaire { places: vec![other_place.id.clone()] });
        let coordinator = |d: &str| Role::Coordinateur { departements: vec![d.to_owned()], bassins: Vec::new() };
        add_user(&store, "coord18@hub.example", coordinator("18"));
        add_user(&store, "coord37@hub.example", coordinator("37"));
        let state = WebState::new(store.clone(), territory()).unwrap();
        let config = Arc::new(AccountsConfig::with_outbox(folder.path(), "https://hub.example", KEY));
        Hub { store, state, config, folder, place, other_place }
    }

    pub fn outbox(&self) -> Vec<maillage_mail::OutboxMail> {
        Outbox::new(self.folder.path(), "x").list().unwrap()
    }

    pub fn client(&self) -> Client<'_> {
        Client { hub: self, cookies: BTreeMap::new() }
    }

    pub async fn signed_in(&self, email: &str) -> Client<'_> {
        let mut client = self.client();
        let page = client.sign_in(email, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{email} : {}", page.body);
        client
    }
}

pub fn fields(name: &str) -> BTreeMap<String, String> {
    [
        ("nom", name),
        ("commune", "Bourges"),
        ("code_postal", "18000"),
        ("adresse", "1 rue Moyenne"),
        ("courriels", "contact@lieu.example"),
        ("horaires", "Mo-Fr 09:00-12:00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub fn add_user(store: &SqliteStore, email: &str, role: Role) {
    let mut user = new_user(email, "Personne", role, Utc::now()).unwrap();
    user.password_hash = Some(hash_password(PASSWORD).unwrap());
    store.insert_user(&user).unwrap();
}

/// The place fields of a form page, as its inputs hold them.
pub fn values_of(body: &str) -> BTreeMap<String, String> {
    maillage_domain::build::FIELDS
        .iter()
        .filter(|field| body.contains(&format!("name=\"{field}\"")))
        .filter(|field| !body.contains(&format!("<textarea id=\"champ-{field}\"")))
        .map(|field| match checked_boxes(body, field) {
            Some(ticked) => (field.to_string(), ticked.join("|")),
            None => (field.to_string(), hidden(body, field)),
        })
        .collect()
}

/// The values of a list field's ticked boxes (`None` when the field is not a list of boxes).
pub fn checked_boxes(body: &str, field: &str) -> Option<Vec<String>> {
    let marker = format!("name=\"{field}\" value=\"");
    let boxes: Vec<&str> = body
        .split("<input type=\"checkbox\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())])
        .filter(|tag| tag.contains(&marker))
        .collect();
    if boxes.is_empty() {
        return None;
    }
    Some(
        boxes
            .iter()
            .filter(|tag| tag.contains(" checked"))
            .map(|tag| {
                let start = tag.find(&marker).unwrap() + marker.len();
                tag[start..]
                    .split('"')
                    .next()
                    .unwrap()
                    .replace("&#39;", "'")
                    .replace("&#38;", "&")
                    .replace("&#34;", "\"")
            })
            .collect(),
    )
}

/// A browser: keeps its cookies between requests.
pub struct Client<'h> {
    pub hub: &'h Hub,
    pub cookies: BTreeMap<String, String>,
}

impl Client<'_> {
    pub async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let request = request.header(header::COOKIE, cookie).body(body).unwrap();
        let router = router_with_accounts(self.hub.state.clone(), SiteConfig::default(), self.hub.config.clone());
        let response = router.oneshot(request).await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (key, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(key);
            } else {
                self.cookies.insert(key.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&mut self, uri: &str) -> Page {
        self.send(Request::get(uri), Body::empty()).await
    }

    pub async fn post(&mut self, uri: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// A multipart form (file uploads): text fields, then one file field.
    pub async fn post_file(&mut self, uri: &str, form: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Page {
        const BOUNDARY: &str = "----limite-de-test-7d93";
        let mut body = Vec::new();
        for (name, value) in form {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((name, file_name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.send(
            Request::post(uri).header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}")),
            Body::from(body),
        )
        .await
    }

    /// A file of places uploaded on the imports page for a source, no mapping chosen.
    pub async fn import(&mut self, csrf: &str, source: &str, file_name: &str, bytes: &[u8]) -> Page {
        self.post_file("/admin/imports", &[("_csrf", csrf), ("source", source)], Some(("fichier", file_name, bytes)))
            .await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/connexion").await;
        let csrf = form.csrf();
        self.post(
            "/connexion",
            &[("_csrf", &csrf), ("courriel", email), ("mot_de_passe", password), ("suite", "/admin")],
        )
        .await
    }

    /// The session's CSRF token, read from a signed-in page.
    pub async fn csrf(&mut self) -> String {
        self.get("/admin").await.csrf()
    }
}

/// A route that changes data, the form to post, and who must be refused.
pub type Route<'a> = (String, Vec<(&'a str, &'a str)>, &'static str);

pub fn place_form<'a>(values: &'a BTreeMap<String, String>, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form.extend_from_slice(extra);
    form
}

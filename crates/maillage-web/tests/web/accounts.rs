//! Accounts and administration through HTTP requests on the router: hardened session
//! cookies, CSRF tokens on every form, the sign-in rate limit, and for every route that
//! changes data, each role that must not use it refused with nothing changed.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use maillage_app::accounts::{bootstrap_admin, hash_password, new_user, Actor, LinkSigner};
use maillage_app::context::{Context, Mailing};
use maillage_app::moderation::create_place;
use maillage_app::territory::Locator;
use maillage_domain::Place;
use maillage_mail::Outbox;
use maillage_store::contract::snapshot_items;
use maillage_store::{AccountStore, Role, Store};
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;
use maillage_web::{router_with_accounts, AccountsConfig, SiteConfig, WebState};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";
const KEY: &[u8] = b"une cle de test de trente-deux octets au moins";

fn territory() -> Arc<Territory> {
    static TERRITORY: OnceLock<Arc<Territory>> = OnceLock::new();
    TERRITORY.get_or_init(|| Arc::new(Territory::embedded())).clone()
}

/// A hub with two places in the Cher, a gestionnaire of the first, a coordinator of the Cher
/// and one of Indre-et-Loire, and an administrator.
struct Hub {
    store: Arc<SqliteStore>,
    state: WebState,
    config: Arc<AccountsConfig>,
    folder: tempfile::TempDir,
    place: Place,
    other_place: Place,
}

fn fields(name: &str) -> BTreeMap<String, String> {
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

fn add_user(store: &SqliteStore, email: &str, role: Role) {
    let mut user = new_user(email, "Personne", role, Utc::now()).unwrap();
    user.password_hash = Some(hash_password(PASSWORD).unwrap());
    store.insert_user(&user).unwrap();
}

impl Hub {
    fn new() -> Hub {
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

    fn outbox(&self) -> Vec<maillage_mail::OutboxMail> {
        Outbox::new(self.folder.path(), "x").list().unwrap()
    }

    fn client(&self) -> Client<'_> {
        Client { hub: self, cookies: BTreeMap::new() }
    }

    async fn signed_in(&self, email: &str) -> Client<'_> {
        let mut client = self.client();
        let page = client.sign_in(email, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{email} : {}", page.body);
        client
    }
}

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first hidden `_csrf` field.
    fn csrf(&self) -> String {
        hidden(&self.body, "_csrf")
    }
}

/// The place fields of a form page, as its inputs hold them.
fn values_of(body: &str) -> BTreeMap<String, String> {
    maillage_domain::build::FIELDS
        .iter()
        .filter(|field| body.contains(&format!("name=\"{field}\"")))
        .filter(|field| !body.contains(&format!("<textarea id=\"champ-{field}\"")))
        .map(|field| (field.to_string(), hidden(body, field)))
        .collect()
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no {name} in {body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

/// A browser: keeps its cookies between requests.
struct Client<'h> {
    hub: &'h Hub,
    cookies: BTreeMap<String, String>,
}

impl Client<'_> {
    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Page {
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

    async fn get(&mut self, uri: &str) -> Page {
        self.send(Request::get(uri), Body::empty()).await
    }

    async fn post(&mut self, uri: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// A multipart form (file uploads): text fields, then one file field.
    async fn post_file(&mut self, uri: &str, form: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Page {
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

    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/connexion").await;
        let csrf = form.csrf();
        self.post(
            "/connexion",
            &[("_csrf", &csrf), ("courriel", email), ("mot_de_passe", password), ("suite", "/admin")],
        )
        .await
    }

    /// The session's CSRF token, read from a signed-in page.
    async fn csrf(&mut self) -> String {
        self.get("/admin").await.csrf()
    }
}

/// A route that changes data, the form to post, and who must be refused.
type Route<'a> = (String, Vec<(&'a str, &'a str)>, &'static str);

fn place_form<'a>(values: &'a BTreeMap<String, String>, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form.extend_from_slice(extra);
    form
}

#[tokio::test]
async fn sign_in_sets_a_hardened_session_cookie_and_signs_out() {
    let hub = Hub::new();
    let mut client = hub.client();
    let refused = client.sign_in("coord18@hub.example", "mauvais").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("Adresse ou mot de passe incorrect."));
    assert!(!client.cookies.contains_key("maillage_session"));

    let page = client.sign_in("coord18@hub.example", PASSWORD).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin"));
    let cookie = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("maillage_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let home = client.get("/admin").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Modération"));
    // Both places of the Cher were created today.
    assert!(home.body.contains("<th scope=\"row\">À jour (moins de 6 mois)</th><td>2</td>"), "{}", home.body);
    assert_eq!(home.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");

    // Signing out needs the form's token, then ends the session for good.
    let token = client.cookies["maillage_session"].clone();
    assert_eq!(client.post("/deconnexion", &[("_csrf", "faux")]).await.status, StatusCode::FORBIDDEN);
    let csrf = client.csrf().await;
    let out = client.post("/deconnexion", &[("_csrf", &csrf)]).await;
    assert_eq!((out.status, out.location()), (StatusCode::SEE_OTHER, "/"));
    let mut replay = hub.client();
    replay.cookies.insert("maillage_session".to_owned(), token);
    assert_eq!(replay.get("/admin").await.location(), "/connexion?suite=%2Fadmin");
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let hub = Hub::new();
    let mut client = hub.client();
    for _ in 0..5 {
        assert_eq!(client.sign_in("admin@hub.example", "mauvais").await.status, StatusCode::UNAUTHORIZED);
    }
    let limited = client.sign_in("admin@hub.example", PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    assert!(!client.cookies.contains_key("maillage_session"));
}

#[tokio::test]
async fn posts_without_their_csrf_token_are_refused_and_change_nothing() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let mut anonymous = hub.client();
    let before = snapshot_items(hub.store.as_ref());
    let values = fields("Sans jeton");
    let id = hub.place.id.0.clone();
    for csrf in [None, Some("faux")] {
        let mut extra = vec![("version", "1")];
        if let Some(csrf) = csrf {
            extra.push(("_csrf", csrf));
        }
        let form = place_form(&values, &extra);
        assert_eq!(coordinator.post(&format!("/admin/lieux/{id}/modifier"), &form).await.status, StatusCode::FORBIDDEN);
        assert_eq!(coordinator.post("/admin/lieux/nouveau", &form).await.status, StatusCode::FORBIDDEN);
        let invite = [("courriel", "x@hub.example"), ("nom", "X"), ("role", "gestionnaire")];
        assert_eq!(coordinator.post("/admin/utilisateurs", &invite).await.status, StatusCode::FORBIDDEN);
        // Forms shown before sign-in carry a double-submit token.
        let sign_in = [("courriel", "admin@hub.example"), ("mot_de_passe", PASSWORD)];
        assert_eq!(anonymous.post("/connexion", &sign_in).await.status, StatusCode::FORBIDDEN);
        let claim = [("courriel", "x@asso.example"), ("nom", "X"), ("message", "")];
        assert_eq!(anonymous.post(&format!("/lieux/{id}/gerer"), &claim).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
    assert!(hub.outbox().is_empty());
}

/// For every route that changes data: each role that must not use it is refused (403, or a
/// redirection to the sign-in page for the public) and nothing changed.
#[tokio::test]
async fn every_data_changing_route_refuses_the_roles_that_must_not_use_it() {
    let hub = Hub::new();
    // A pending edit and a campaign to act on, made by the people allowed to.
    let mut manager = hub.signed_in("g@asso.example").await;
    let csrf = manager.csrf().await;
    let id = hub.place.id.0.clone();
    let edit = fields("Médiathèque centrale");
    let queued = manager
        .post(&format!("/admin/lieux/{id}/modifier"), &place_form(&edit, &[("_csrf", &csrf), ("version", "1")]))
        .await;
    assert!(queued.body.contains("après validation"), "{}", queued.body);
    let proposal = hub.store.proposals(None).unwrap()[0].id.clone();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    let started =
        coordinator.post("/admin/campagnes", &[("_csrf", &csrf), ("nom", "Printemps"), ("territoire", "18")]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let campaign = hub.store.campaigns().unwrap()[0].id.clone();
    let manager_id = hub.store.user_by_email("g@asso.example").unwrap().unwrap().id;
    let report = maillage_store::PlaceReport {
        id: maillage_store::new_report_id(),
        place_id: hub.place.id.clone(),
        category: "horaires".to_owned(),
        message: "Fermé le lundi".to_owned(),
        created_at: Utc::now(),
    };
    hub.store.add_place_report(&report).unwrap();

    let mut other_manager = hub.signed_in("g2@asso.example").await;
    let mut other_coordinator = hub.signed_in("coord37@hub.example").await;
    let mut anonymous = hub.client();
    let before = snapshot_items(hub.store.as_ref());
    let mails = hub.outbox().len();

    let new_place = fields("Nouveau lieu");
    let other_id = hub.other_place.id.0.clone();
    // (route, form, who must be refused: 'p' public, 'g' gestionnaire of another place,
    // 'c' coordinator of another département)
    let routes: Vec<Route> = vec![
        (format!("/admin/moderation/{proposal}/approuver"), vec![("version", "1")], "pgc"),
        (format!("/admin/moderation/{proposal}/refuser"), vec![("motif", "non")], "pgc"),
        ("/admin/lieux/nouveau".to_owned(), place_form(&new_place, &[]), "pgc"),
        (format!("/admin/lieux/{id}/modifier"), place_form(&edit, &[("version", "1")]), "pgc"),
        (format!("/admin/lieux/{id}/restaurer"), vec![("version", "1"), ("cible", "1")], "pgc"),
        (
            "/admin/utilisateurs".to_owned(),
            vec![("courriel", "n@hub.example"), ("nom", "N"), ("role", "administrateur")],
            "pgc",
        ),
        (
            "/admin/utilisateurs".to_owned(),
            vec![("courriel", "m@asso.example"), ("nom", "M"), ("role", "gestionnaire")],
            "pg",
        ),
        (format!("/admin/utilisateurs/{manager_id}"), vec![("role", "administrateur"), ("actif", "1")], "pgc"),
        (format!("/admin/utilisateurs/{manager_id}/confiance"), vec![("confiance", "1")], "pgc"),
        ("/admin/campagnes".to_owned(), vec![("nom", "Été"), ("territoire", "18")], "pgc"),
        (format!("/admin/campagnes/{campaign}/relancer"), vec![], "pgc"),
        (format!("/lieux/{other_id}/gerer"), vec![("message", "à nous")], "c"),
        (format!("/admin/signalements/{}/traiter", report.id), vec![("suite", "vu")], "pgc"),
    ];
    for (route, form, refused) in &routes {
        for (who, client) in [('p', &mut anonymous), ('g', &mut other_manager), ('c', &mut other_coordinator)] {
            if !refused.contains(who) {
                continue;
            }
            let mut form = form.clone();
            let csrf = if who == 'p' { String::new() } else { client.csrf().await };
            form.push(("_csrf", &csrf));
            let page = client.post(route, &form).await;
            let ok = match who {
                'p' => page.status == StatusCode::SEE_OTHER && page.location().starts_with("/connexion"),
                _ => page.status == StatusCode::FORBIDDEN,
            };
            assert!(ok, "{who} sur {route} : {} {} {}", page.status, page.location(), page.body);
        }
    }
    // Administration pages that only read are refused too.
    for route in ["/admin/boite-d-envoi", "/admin/journal"] {
        assert_eq!(other_coordinator.get(route).await.status, StatusCode::FORBIDDEN);
        assert_eq!(other_manager.get(route).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(other_manager.get("/admin/moderation").await.status, StatusCode::FORBIDDEN);
    assert_eq!(anonymous.get(&format!("/admin/lieux/{id}/historique")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(other_manager.get(&format!("/admin/lieux/{id}/historique")).await.status, StatusCode::FORBIDDEN);

    assert_eq!(snapshot_items(hub.store.as_ref()), before);
    assert_eq!(hub.outbox().len(), mails);
}

#[tokio::test]
async fn a_manager_edits_hours_the_coordinator_approves_from_the_diff_and_the_public_page_shows_it() {
    let hub = Hub::new();
    let id = hub.place.id.0.clone();
    let mut manager = hub.signed_in("g@asso.example").await;
    // The gestionnaire's list holds its place only.
    let list = manager.get("/admin/lieux?q=mediatheque").await;
    assert!(list.body.contains(&format!("/admin/lieux/{id}/modifier")), "{}", list.body);
    assert!(!list.body.contains(&hub.other_place.id.0));
    let form = manager.get(&format!("/admin/lieux/{id}/modifier")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Lundi") && form.body.contains("09:00–12:00"), "{}", form.body);
    let csrf = form.csrf();

    // A bad value comes back next to its field, and nothing is queued.
    let mut wrong = fields("Médiathèque");
    wrong.insert("code_postal".to_owned(), "18".to_owned());
    let bad = place_form(&wrong, &[("_csrf", &csrf), ("version", "1")]);
    let refused = manager.post(&format!("/admin/lieux/{id}/modifier"), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"erreur-code_postal\""), "{}", refused.body);
    assert!(hub.store.proposals(None).unwrap().is_empty());

    // The week editor shows the current hours day by day and writes what is typed as OSM.
    assert!(form.body.contains("name=\"jour_0\" value=\"09:00–12:00\""), "{}", form.body);
    assert!(form.body.contains("name=\"jour_6\" value=\"fermé\""), "{}", form.body);
    let shown = values_of(&form.body);
    let mut week = place_form(&shown, &[("_csrf", &csrf), ("version", "1"), ("composer", "1")]);
    week.retain(|(key, _)| !key.starts_with("jour_"));
    let typed = ["9h-12h", "9h-12h", "9h-12h", "9h-12h", "9h-12h, 14h-17h", "", "fermé"];
    let names: Vec<String> = (0..7).map(|day| format!("jour_{day}")).collect();
    week.extend(names.iter().map(String::as_str).zip(typed));
    let composed = manager.post(&format!("/admin/lieux/{id}/modifier"), &week).await;
    assert_eq!(composed.status, StatusCode::OK, "{}", composed.body);
    assert!(composed.body.contains("value=\"Mo-Th 09:00-12:00; Fr 09:00-12:00,14:00-17:00\""), "{}", composed.body);
    assert!(hub.store.proposals(None).unwrap().is_empty());

    // A preview in French hours shows the OSM form, the week and the change, and saves nothing.
    let mut french = fields("Médiathèque");
    french.insert("horaires".to_owned(), "du lundi au samedi de 10h à 18h".to_owned());
    let preview = manager
        .post(
            &format!("/admin/lieux/{id}/modifier"),
            &place_form(&french, &[("_csrf", &csrf), ("version", "1"), ("apercu", "1")]),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Mo-Sa 10:00-18:00"), "{}", preview.body);
    assert!(preview.body.contains("<th scope=\"row\">Samedi</th><td>10:00–18:00</td>"), "{}", preview.body);
    assert!(preview.body.contains("data-testid=\"apercu\""));
    assert!(hub.store.proposals(None).unwrap().is_empty());

    let mut values = fields("Médiathèque");
    values.insert("horaires".to_owned(), "Mo-Sa 10:00-18:00".to_owned());
    let sent = manager
        .post(&format!("/admin/lieux/{id}/modifier"), &place_form(&values, &[("_csrf", &csrf), ("version", "1")]))
        .await;
    assert_eq!(sent.status, StatusCode::OK);

    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let queue = coordinator.get("/admin/moderation").await;
    assert!(
        queue.body.contains(
            "<th scope=\"row\">horaires</th><td><del>Mo-Fr 09:00-12:00</del></td><td><ins>Mo-Sa 10:00-18:00</ins></td>"
        ),
        "{}",
        queue.body
    );
    let proposal = hub.store.proposals(None).unwrap()[0].id.clone();
    let csrf = queue.csrf();
    let approved = coordinator
        .post(&format!("/admin/moderation/{proposal}/approuver"), &[("_csrf", &csrf), ("version", "1")])
        .await;
    assert_eq!((approved.status, approved.location()), (StatusCode::SEE_OTHER, "/admin/moderation"));

    hub.state.directory.sync(hub.store.as_ref()).unwrap();
    let public = hub.client().get(&format!("/lieux/{id}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Mo-Sa 10:00-18:00"), "{}", public.body);
    let history = coordinator.get(&format!("/admin/lieux/{id}/historique")).await;
    assert!(history.body.contains("approuvée par"), "{}", history.body);
}

#[tokio::test]
async fn a_campaign_mails_a_link_that_confirms_the_place_once() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    coordinator
        .post(
            "/admin/campagnes",
            &[("_csrf", &csrf), ("nom", "Printemps"), ("territoire", "18"), ("relance_jours", "7")],
        )
        .await;
    let mail = hub.outbox().into_iter().find(|mail| mail.subject.contains("Médiathèque")).unwrap();
    let start = mail.body.find("https://hub.example/confirmer?").unwrap() + "https://hub.example".len();
    let link = mail.body[start..].split_whitespace().next().unwrap().to_owned();

    // Opening the link (as a mail scanner would) changes nothing.
    let mut person = hub.client();
    let page = person.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(hub.store.place(&hub.place.id).unwrap().unwrap().version, 1);
    let (csrf, token) = (page.csrf(), hidden(&page.body, "jeton"));
    let done = person.post("/confirmer", &[("_csrf", &csrf), ("jeton", &token)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("est confirmée à jour"));
    let place = hub.store.place(&hub.place.id).unwrap().unwrap();
    assert_eq!((place.version, place.record.date_maj), (2, Some(Utc::now().date_naive())));
    let again = person.post("/confirmer", &[("_csrf", &csrf), ("jeton", &token)]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("a déjà servi"));

    let campaign = hub.store.campaigns().unwrap()[0].id.clone();
    let dashboard = coordinator.get(&format!("/admin/campagnes/{campaign}")).await;
    assert!(dashboard.body.contains("<dt>Confirmés</dt><dd>1</dd>"), "{}", dashboard.body);

    // The administrator reads the mails in the outbox page.
    let mut admin = hub.signed_in("admin@hub.example").await;
    let outbox = admin.get("/admin/boite-d-envoi").await;
    assert!(outbox.body.contains("Médiathèque"), "{}", outbox.body);

    // …and makes the coordinator of the Cher a coordinator of the Cher and the Indre, which
    // signs the coordinator out.
    let coordinator_id = hub.store.user_by_email("coord18@hub.example").unwrap().unwrap().id;
    let users = admin.get("/admin/utilisateurs").await;
    assert!(users.body.contains(&format!("action=\"/admin/utilisateurs/{coordinator_id}\"")));
    let csrf = users.csrf();
    let changed = admin
        .post(
            &format!("/admin/utilisateurs/{coordinator_id}"),
            &[("_csrf", &csrf), ("role", "coordinateur"), ("departements", "18, 36"), ("actif", "1")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let user = hub.store.user(&coordinator_id).unwrap().unwrap();
    assert_eq!(user.role, Role::Coordinateur { departements: vec!["18".into(), "36".into()], bassins: Vec::new() });
    assert_eq!(coordinator.get("/admin").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_structure_asks_for_access_and_gets_an_invitation_once_approved() {
    let hub = Hub::new();
    let id = hub.other_place.id.0.clone();
    let mut person = hub.client();
    let page = person.get(&format!("/lieux/{id}/gerer")).await;
    let csrf = page.csrf();
    let sent = person
        .post(
            &format!("/lieux/{id}/gerer"),
            &[("_csrf", &csrf), ("nom", "Resp"), ("courriel", "resp@asso.example"), ("message", "EPN")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);

    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let queue = coordinator.get("/admin/moderation").await;
    assert!(queue.body.contains("Demande de gestion"));
    let proposal = hub.store.proposals(None).unwrap()[0].id.clone();
    let csrf = queue.csrf();
    coordinator.post(&format!("/admin/moderation/{proposal}/approuver"), &[("_csrf", &csrf), ("version", "1")]).await;

    let mail = hub.outbox().into_iter().find(|mail| mail.to == "resp@asso.example").unwrap();
    let start = mail.body.find("https://hub.example/compte/invitation?").unwrap() + "https://hub.example".len();
    let link = mail.body[start..].split_whitespace().next().unwrap().to_owned();
    let form = person.get(&link).await;
    let (csrf, token) = (form.csrf(), hidden(&form.body, "jeton"));
    let set = person
        .post(
            "/compte/invitation",
            &[("_csrf", &csrf), ("jeton", &token), ("mot_de_passe", PASSWORD), ("confirmation", PASSWORD)],
        )
        .await;
    assert_eq!((set.status, set.location()), (StatusCode::SEE_OTHER, "/admin"));
    let home = person.get("/admin").await;
    assert!(home.body.contains("Centre social"), "{}", home.body);
    // The link is spent.
    let again = person
        .post(
            "/compte/invitation",
            &[("_csrf", &csrf), ("jeton", &token), ("mot_de_passe", PASSWORD), ("confirmation", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}

/// With a cut-off, places whose sheet was not confirmed in time leave the public map, lists
/// and API search, but their page stays, with a badge that says how old it is; confirming
/// the sheet brings them back.
#[tokio::test]
async fn stale_places_are_hidden_from_public_searches_but_kept() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    maillage_app::places::demo::load_if_empty(&Context::new(store.as_ref()), &Actor::operator(None), &territory())
        .unwrap();
    let today = maillage_domain::paris_local(Utc::now()).date();
    let mut places = Vec::new();
    store
        .visit_places(&maillage_store::PlaceQuery::active(), &mut |place| {
            places.push(place);
            Ok(())
        })
        .unwrap();
    let total = places.len();
    // Every place confirmed this month, but one, three years ago.
    let rewrite = |place: &Place, date: chrono::NaiveDate| {
        let mut record = place.record.clone();
        record.date_maj = Some(date);
        let written =
            Place { record, version: place.version + 1, updated_at: Utc::now(), batch_id: None, ..place.clone() };
        store
            .save_place(&maillage_store::PlaceWrite {
                place: written.clone(),
                change: maillage_store::ChangeKind::Updated,
                author: "test".to_owned(),
                reason: "date".to_owned(),
                content_hash: None,
            })
            .unwrap();
        written
    };
    for place in &places[1..] {
        rewrite(place, today);
    }
    let hidden = &rewrite(&places[0], today - chrono::Days::new(3 * 365));
    let stale = [hidden.clone()];
    let state = WebState::with_cutoff(store.clone(), territory(), Some(12)).unwrap();
    assert_eq!(state.directory.current().len(), total - stale.len());
    let config = Arc::new(AccountsConfig::with_outbox(tempfile::tempdir().unwrap().path(), "https://hub.example", KEY));
    let get = |uri: String| {
        let router = router_with_accounts(state.clone(), SiteConfig::default(), config.clone());
        async move {
            let response = router.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    let (status, page) = get(format!("/lieux/{}", hidden.id.0)).await;
    assert_eq!(status, StatusCode::OK);
    let class = maillage_app::campaigns::freshness(hidden.published_date_maj(), today);
    assert!(page.contains(class.label()) && page.contains(&format!("fraicheur-{}", class.key())), "{page}");
    assert!(page.contains(&format!("href=\"/lieux/{}/gerer\"", hidden.id.0)));
    let by_name = serde_urlencoded::to_string([("q", hidden.record.nom.as_str())]).unwrap();
    let (status, api) = get(format!("/api/v1/lieux?{by_name}&limite=200")).await;
    assert_eq!(status, StatusCode::OK, "{api}");
    assert!(!api.contains(&hidden.id.0), "{api}");
    let (_, list) = get(format!("/carte?{by_name}")).await;
    assert!(!list.contains(&format!("/lieux/{}\"", hidden.id.0)));
    let (_, list) = get("/carte".to_owned()).await;
    assert!(list.contains("data-testid=\"fraicheur\""), "{list}");

    // Confirmed: back on the next sync.
    rewrite(hidden, today);
    state.directory.sync(store.as_ref()).unwrap();
    assert_eq!(state.directory.current().len(), total - stale.len() + 1);
    assert!(state.directory.current().get(&hidden.id.0).is_some());
    // A sync with nothing new changes nothing (hidden places are not re-applied each poll).
    assert_eq!(state.directory.sync(store.as_ref()).unwrap().applied, 0);
}

// ---- duplicates review

/// A place imported from a source (not created through the pages), in Bourges.
fn imported(source: &str, source_id: &str, name: &str, address: &str, at: (f64, f64)) -> Place {
    let now = Utc::now();
    Place {
        id: maillage_store::new_place_id(),
        source: source.to_owned(),
        source_id: source_id.to_owned(),
        batch_id: None,
        status: maillage_domain::PlaceStatus::Active,
        version: 1,
        created_at: now,
        updated_at: now,
        record: maillage_domain::PlaceRecord {
            id: source_id.to_owned(),
            nom: name.to_owned(),
            adresse: address.to_owned(),
            commune: "Bourges".to_owned(),
            code_postal: "18000".to_owned(),
            coordinates: Some(maillage_domain::Coordinates { latitude: at.0, longitude: at.1 }),
            ..Default::default()
        },
        extras: Default::default(),
    }
}

fn import(store: &SqliteStore, source: &str, places: &[Place]) {
    let mut batch = maillage_store::ImportBatch {
        id: maillage_store::new_batch_id(),
        source: source.to_owned(),
        file_name: format!("{source}.json"),
        started_at: maillage_store::now(),
        finished_at: None,
        counts: Default::default(),
    };
    let mut session = store.begin_import(&batch).unwrap();
    for place in places {
        session.insert(place, "h").unwrap();
    }
    batch.finished_at = Some(batch.started_at);
    session.commit(&batch).unwrap();
}

/// The same two places (a médiathèque, a centre social) published by two sources with
/// different names and addresses, scanned with thresholds that queue them for review.
fn hub_with_duplicates() -> Hub {
    let hub = Hub::new();
    import(
        &hub.store,
        "conseiller-numerique",
        &[
            imported(
                "conseiller-numerique",
                "cn-1",
                "Médiathèque des Gibjoncs",
                "3 rue Jean Rameau",
                (47.1030, 2.4100),
            ),
            imported(
                "conseiller-numerique",
                "cn-2",
                "Centre social Asso Val d'Auron",
                "12 rue de Vouzeron",
                (47.0700, 2.3980),
            ),
        ],
    );
    import(
        &hub.store,
        "data-inclusion",
        &[
            imported(
                "data-inclusion",
                "di-1",
                "Mediatheque Gibjoncs Bourges Nord",
                "3 r Jean Rameau",
                (47.1031, 2.4101),
            ),
            imported("data-inclusion", "di-2", "Centre social du Val d'Auron", "12 rue Vouzeron", (47.0701, 2.3981)),
        ],
    );
    scan(&hub);
    hub
}

/// Scans like `maillage duplicates scan`, never merging on its own: every pair goes to review.
fn scan(hub: &Hub) -> maillage_app::duplicates::ScanCounts {
    let mut options = maillage_app::duplicates::ScanOptions::default();
    options.thresholds.auto_merge = 1.0;
    options.thresholds.review = 0.5;
    maillage_app::duplicates::scan(&Context::new(hub.store.as_ref()), &Actor::operator(None), &options).unwrap()
}

/// The stored pair between two places given by their id in source.
fn pair_between(hub: &Hub, x: &str, y: &str) -> maillage_store::DuplicatePair {
    hub.store
        .duplicate_pairs()
        .unwrap()
        .into_iter()
        .find(|pair| {
            let ids = [pair.a.source_id.as_str(), pair.b.source_id.as_str()];
            ids.contains(&x) && ids.contains(&y)
        })
        .unwrap_or_else(|| panic!("no pair {x} / {y} in {:#?}", hub.store.duplicate_pairs().unwrap()))
}

#[tokio::test]
async fn doublons_the_coordinator_reviews_pairs_side_by_side_decides_and_undoes() {
    let hub = hub_with_duplicates();
    let library = pair_between(&hub, "cn-1", "di-1");
    let social = pair_between(&hub, "cn-2", "di-2");
    assert_eq!(
        (library.status, social.status),
        (maillage_store::PairStatus::Pending, maillage_store::PairStatus::Pending)
    );

    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let home = coordinator.get("/admin").await;
    assert!(home.body.contains("href=\"/admin/doublons\""), "{}", home.body);
    let queue = coordinator.get("/admin/doublons").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    for id in [&library.id, &social.id] {
        assert!(queue.body.contains(&format!("action=\"/admin/doublons/{id}/fusionner\"")), "{}", queue.body);
    }
    // Both records side by side, what differs marked, every component valued and explained.
    for text in [
        "Médiathèque des Gibjoncs",
        "Mediatheque Gibjoncs Bourges Nord",
        "<mark>3 rue Jean Rameau</mark>",
        "conseiller-numerique",
        "data-inclusion",
        "<th scope=\"row\">Commune</th><td>Bourges</td><td>Bourges</td>",
        "<caption>Pourquoi ce score : chaque élément comparé</caption>",
        "<th scope=\"row\">Distance</th><td>13 m</td><td>à 13 m</td>",
    ] {
        assert!(queue.body.contains(text), "{text} : {}", queue.body);
    }
    let name_line = format!("<th scope=\"row\">Nom</th><td>{}</td>", decimal(library_name_score(&library)));
    assert!(queue.body.contains(&name_line), "{name_line} : {}", queue.body);
    assert!(queue.body.contains(&format!("score {}", decimal(library.score))), "{}", queue.body);

    // Distinct: out of the queue, and it never comes back after another scan.
    let csrf = queue.csrf();
    let done = coordinator.post(&format!("/admin/doublons/{}/distincts", social.id), &[("_csrf", &csrf)]).await;
    assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, "/admin/doublons?fait=distincts"));
    assert_eq!(pair_between(&hub, "cn-2", "di-2").status, maillage_store::PairStatus::Distinct);
    scan(&hub);
    assert_eq!(pair_between(&hub, "cn-2", "di-2").status, maillage_store::PairStatus::Distinct);
    let queue = coordinator.get("/admin/doublons?fait=distincts").await;
    assert!(queue.body.contains("ne sera plus proposée"), "{}", queue.body);
    assert!(!queue.body.contains(&format!("/admin/doublons/{}/", social.id)), "{}", queue.body);
    assert!(queue.body.contains(&format!("/admin/doublons/{}/fusionner", library.id)));

    // Deciding it again is a conflict that changes nothing.
    let before = snapshot_items(hub.store.as_ref());
    for action in ["distincts", "fusionner"] {
        let again = coordinator.post(&format!("/admin/doublons/{}/{action}", social.id), &[("_csrf", &csrf)]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(again.body.contains("déjà été décidée (distincts)"), "{}", again.body);
    }
    assert_eq!(snapshot_items(hub.store.as_ref()), before);

    // Merge: a merged place listed with its members and its published record.
    let merged = coordinator.post(&format!("/admin/doublons/{}/fusionner", library.id), &[("_csrf", &csrf)]).await;
    assert_eq!((merged.status, merged.location()), (StatusCode::SEE_OTHER, "/admin/doublons?fait=fusionnes"));
    let group = hub.store.merge_groups().unwrap();
    assert_eq!(group.len(), 1);
    let group = &group[0];
    assert_eq!(pair_between(&hub, "cn-1", "di-1").status, maillage_store::PairStatus::Merged);
    let groups = coordinator.get("/admin/doublons/groupes").await;
    assert_eq!(groups.status, StatusCode::OK, "{}", groups.body);
    for text in [
        "<td>conseiller-numerique</td><td>cn-1</td>",
        "<td>data-inclusion</td><td>di-1</td>",
        "<caption>Fiche publiée</caption>",
        "coord18@hub.example",
    ] {
        assert!(groups.body.contains(text), "{text} : {}", groups.body);
    }
    assert!(groups.body.contains(&format!("/admin/doublons/groupes/{}/annuler", group.id)));
    let audit = hub.store.audit_log(100).unwrap();
    assert!(audit.iter().any(|entry| entry.action == "doublons_fusion"), "{audit:?}");
    assert!(audit.iter().any(|entry| entry.action == "doublons_distincts"), "{audit:?}");

    // Undo: no group left, the pair back in the queue, the members as they were.
    let undone = coordinator.post(&format!("/admin/doublons/groupes/{}/annuler", group.id), &[("_csrf", &csrf)]).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert!(hub.store.merge_groups().unwrap().is_empty());
    assert_eq!(pair_between(&hub, "cn-1", "di-1").status, maillage_store::PairStatus::Pending);
    let queue = coordinator.get("/admin/doublons").await;
    assert!(queue.body.contains(&format!("/admin/doublons/{}/fusionner", library.id)), "{}", queue.body);
    let again = coordinator.post(&format!("/admin/doublons/groupes/{}/annuler", group.id), &[("_csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(hub.store.audit_log(100).unwrap().iter().any(|entry| entry.action == "doublons_fusion_annulee"));
}

fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

fn library_name_score(pair: &maillage_store::DuplicatePair) -> f64 {
    pair.components["components"]["name"].as_f64().unwrap()
}

#[tokio::test]
async fn doublons_are_refused_to_other_roles_and_to_forms_without_their_token() {
    let hub = hub_with_duplicates();
    let library = pair_between(&hub, "cn-1", "di-1");
    // A merged place to try to undo, merged by an administrator.
    let social = pair_between(&hub, "cn-2", "di-2");
    let mut admin = hub.signed_in("admin@hub.example").await;
    let queue = admin.get("/admin/doublons").await;
    assert!(queue.body.contains(&format!("/admin/doublons/{}/fusionner", social.id)), "{}", queue.body);
    let csrf = queue.csrf();
    let merged = admin.post(&format!("/admin/doublons/{}/fusionner", social.id), &[("_csrf", &csrf)]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let group = hub.store.merge_groups().unwrap()[0].id.clone();

    let mut manager = hub.signed_in("g@asso.example").await;
    let mut other_coordinator = hub.signed_in("coord37@hub.example").await;
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let mut anonymous = hub.client();
    let before = snapshot_items(hub.store.as_ref());
    let audit = hub.store.audit_log(1000).unwrap().len();

    // Reading: the gestionnaire is refused, the public sent to sign in, the coordinator of
    // another département sees none of these places.
    for route in ["/admin/doublons", "/admin/doublons/groupes"] {
        assert_eq!(manager.get(route).await.status, StatusCode::FORBIDDEN);
        let page = anonymous.get(route).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(page.location().starts_with("/connexion"), "{}", page.location());
        let page = other_coordinator.get(route).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains("Gibjoncs") && !page.body.contains("Auron"), "{}", page.body);
    }
    let manager_home = manager.get("/admin").await;
    assert!(!manager_home.body.contains("href=\"/admin/doublons\""), "{}", manager_home.body);

    let routes = [
        format!("/admin/doublons/{}/fusionner", library.id),
        format!("/admin/doublons/{}/distincts", library.id),
        format!("/admin/doublons/groupes/{group}/annuler"),
    ];
    for route in &routes {
        for (who, client) in [("g", &mut manager), ("c37", &mut other_coordinator)] {
            let csrf = client.csrf().await;
            let page = client.post(route, &[("_csrf", &csrf)]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} sur {route} : {}", page.body);
        }
        let page = anonymous.post(route, &[]).await;
        assert!(page.status == StatusCode::SEE_OTHER && page.location().starts_with("/connexion"), "{route}");
        // The coordinator of the Cher may, but not without the form's token.
        for form in [vec![], vec![("_csrf", "faux")]] {
            assert_eq!(coordinator.post(route, &form).await.status, StatusCode::FORBIDDEN, "{route}");
        }
    }
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
    assert_eq!(hub.store.audit_log(1000).unwrap().len(), audit);
}

/// A file field of a multipart form: (field, file name, bytes).
type Upload<'a> = (&'a str, &'a str, &'a [u8]);
/// A route that takes a file: (path, text fields, file).
type UploadRoute<'a> = (&'a str, Vec<(&'a str, &'a str)>, Upload<'a>);

fn settings(store: &SqliteStore) -> Vec<Option<String>> {
    ["marque.nom", "marque.couleur", "marque.logo", "marque.logo_url"]
        .iter()
        .map(|key| store.setting(key).unwrap())
        .collect()
}

const BASSINS: &str = "bassin,departement,type,code\nBourges,18,commune,18033\n";
const PLACES_CSV: &str = "id,nom,commune,code_postal,adresse,date_maj\nx-1,Espace numérique,Vierzon,18100,1 place de la Gare,2025-01-10\nx-2,,Vierzon,18100,2 rue Neuve,2025-01-10\n";
const INDICATOR: &str = "code,valeur\n18033,0.4\n18279,0.7\n";

/// The administrators' pages (bassins, imports, indicators, branding): every other role is
/// refused and nothing changes, without or with a CSRF token; an administrator's post without
/// its token is refused too.
#[tokio::test]
async fn hub_configuration_pages_are_for_administrators_only() {
    let hub = Hub::new();
    let mut manager = hub.signed_in("g@asso.example").await;
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let mut admin = hub.signed_in("admin@hub.example").await;
    let mut anonymous = hub.client();
    let before = (snapshot_items(hub.store.as_ref()), settings(&hub.store));
    let png: &[u8] = b"\x89PNG\r\n\x1a\nimage";
    let routes: Vec<UploadRoute> = vec![
        ("/admin/bassins", vec![], ("fichier", "bassins.csv", BASSINS.as_bytes())),
        ("/admin/imports", vec![("source", "essai")], ("fichier", "lieux.csv", PLACES_CSV.as_bytes())),
        (
            "/admin/indicateurs",
            vec![("nom", "ifn"), ("niveau", "commune")],
            ("fichier", "ifn.csv", INDICATOR.as_bytes()),
        ),
        ("/admin/marque", vec![("nom", "Hub pirate"), ("couleur", "#000000")], ("logo", "logo.png", png)),
    ];
    for (route, form, file) in &routes {
        for (who, client) in
            [("public", &mut anonymous), ("gestionnaire", &mut manager), ("coordinateur", &mut coordinator)]
        {
            let csrf = if who == "public" { String::new() } else { client.csrf().await };
            let mut form = form.clone();
            form.push(("_csrf", &csrf));
            let page = client.post_file(route, &form, Some(*file)).await;
            let refused = match who {
                "public" => page.status == StatusCode::SEE_OTHER && page.location().starts_with("/connexion"),
                _ => page.status == StatusCode::FORBIDDEN,
            };
            assert!(refused, "{who} sur {route} : {} {}", page.status, page.body);
            if who != "public" {
                assert_eq!(client.get(route).await.status, StatusCode::FORBIDDEN, "{who} lit {route}");
            }
        }
        // The administrator, without the token.
        let page = admin.post_file(route, form, Some(*file)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{route} sans jeton : {}", page.body);
        let page = admin.post_file(route, &[form.as_slice(), &[("_csrf", "faux")]].concat(), Some(*file)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{route} avec un faux jeton");
    }
    assert_eq!(coordinator.get("/admin/bassins.csv").await.status, StatusCode::FORBIDDEN);
    assert_eq!((snapshot_items(hub.store.as_ref()), settings(&hub.store)), before);
}

/// An administrator uploads a file of places with the report shown; a file that cannot be
/// read, or bassins with a bad line, change nothing and say why.
#[tokio::test]
async fn an_administrator_imports_places_bassins_and_indicators_with_their_reports() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;

    let page = admin
        .post_file(
            "/admin/imports",
            &[("_csrf", &csrf), ("source", "essai")],
            Some(("fichier", "lieux.csv", PLACES_CSV.as_bytes())),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let report = admin.get(page.location()).await;
    assert!(report.body.contains("2 ligne(s) lue(s), 1 lieu(x) créé(s)"), "{}", report.body);
    // The rejected row is named by its line and field.
    assert!(report.body.contains("<td>3</td><td>x-2</td><td>erreur</td><td>nom</td>"), "{}", report.body);
    let listing = admin.get("/admin/imports").await;
    assert!(listing.body.contains("<td>essai</td>") && listing.body.contains("lieux.csv"), "{}", listing.body);

    let before = snapshot_items(hub.store.as_ref());
    let broken = admin
        .post_file("/admin/imports", &[("_csrf", &csrf)], Some(("fichier", "lieux.json", b"{ pas du json".as_slice())))
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.body);
    assert!(broken.body.contains("Fichier refusé, rien n&#39;a été importé"), "{}", broken.body);
    let unknown = admin
        .post_file(
            "/admin/imports",
            &[("_csrf", &csrf), ("correspondance", "../secret")],
            Some(("fichier", "l.csv", PLACES_CSV.as_bytes())),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let bad_bassins = "bassin,departement,type,code\nBourges,18,commune,18033\nNulle part,18,commune,99999\n";
    let refused = admin
        .post_file("/admin/bassins", &[("_csrf", &csrf)], Some(("fichier", "b.csv", bad_bassins.as_bytes())))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("ligne 3"), "{}", refused.body);
    let no_code = admin
        .post_file(
            "/admin/indicateurs",
            &[("_csrf", &csrf), ("nom", "ifn"), ("niveau", "commune")],
            Some(("fichier", "i.csv", b"a,b\n1,2\n".as_slice())),
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_code.body);
    assert_eq!(snapshot_items(hub.store.as_ref()), before);

    let page =
        admin.post_file("/admin/bassins", &[("_csrf", &csrf)], Some(("fichier", "b.csv", BASSINS.as_bytes()))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1 bassin(s) importé(s)"));
    assert_eq!(hub.store.bassins().unwrap().len(), 1);
    let export = admin.get("/admin/bassins.csv").await;
    assert!(
        export.body.starts_with("bassin,departement,type,code,nom\nBourges,18,commune,18033,Bourges"),
        "{}",
        export.body
    );

    let page = admin
        .post_file(
            "/admin/indicateurs",
            &[("_csrf", &csrf), ("nom", "ifn"), ("niveau", "commune")],
            Some(("fichier", "ifn.csv", INDICATOR.as_bytes())),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("2 valeur(s) enregistrée(s)"), "{}", page.body);
    assert_eq!(hub.store.indicator_values("ifn", maillage_store::IndicatorLevel::Commune).unwrap().len(), 2);
}

/// The branding: colours are checked (hex, readable on white), an invalid form changes
/// nothing, and the public pages show the saved name, stylesheet and logo.
#[tokio::test]
async fn the_branding_is_validated_and_shown_on_public_pages() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let mut public = hub.client();
    let home = public.get("/").await;
    assert!(home.body.contains("— Maillage</title>"), "{}", home.body);

    let invalid =
        admin.post_file("/admin/marque", &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "jaune")], None).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("n&#39;est pas une couleur hexadécimale"), "{}", invalid.body);
    let pale = admin
        .post_file("/admin/marque", &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#ffee00")], None)
        .await;
    assert!(pale.body.contains("trop claire"), "{}", pale.body);
    let not_an_image = admin
        .post_file(
            "/admin/marque",
            &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#1f4e79")],
            Some(("logo", "logo.png", b"<script>".as_slice())),
        )
        .await;
    assert_eq!(not_an_image.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(settings(&hub.store), vec![None, None, None, None]);

    let png: &[u8] = b"\x89PNG\r\n\x1a\nune image";
    let saved = admin
        .post_file(
            "/admin/marque",
            &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#1F4E79")],
            Some(("logo", "logo.png", png)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let home = public.get("/").await;
    assert!(home.body.contains("— Hub du Cher</title>") && home.body.contains(">Hub du Cher</span>"), "{}", home.body);
    let css_url = home.body.split("href=\"/marque.css").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let css = public.get(&format!("/marque.css{css_url}")).await;
    assert_eq!(css.body.trim(), ":root { --couleur-marque: #1f4e79; }");
    let logo_url = home.body.split("src=\"/marque/logo").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let logo = public.get(&format!("/marque/logo{logo_url}")).await;
    // (The body is read as text here: the PNG signature's first byte is not UTF-8.)
    assert!(logo.status == StatusCode::OK && logo.body.ends_with("PNG\r\n\x1a\nune image"));
    assert_eq!(logo.headers.get(header::CONTENT_TYPE).unwrap(), "image/png");
    // Still there after a restart.
    let reloaded = WebState::new(hub.store.clone(), territory()).unwrap();
    assert_eq!(reloaded.branding.current().name, "Hub du Cher");
}

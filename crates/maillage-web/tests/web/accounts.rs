//! Accounts through HTTP on the router: hardened session cookies, CSRF tokens on every form,
//! the sign-in rate limit, campaigns and access requests, and for every route that changes
//! data, each role that must not use it refused with nothing changed.

use axum::http::{header, StatusCode};
use chrono::Utc;
use maillage_domain::Place;
use maillage_store::contract::snapshot_items;
use maillage_store::{AccountStore, Role, Store};
use maillage_store_sqlite::SqliteStore;

use super::common::hub::*;
use axum::body::Body;
use axum::http::Request;
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_web::{router_with_accounts, AccountsConfig, SiteConfig, WebState};
use tower::ServiceExt;

use super::common::{hidden, territory};
use std::sync::Arc;

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
    let started = coordinator
        .post("/admin/campagnes", &[("_csrf", &csrf), ("nom", "Printemps"), ("territoire", "18"), ("confirmer", "1")])
        .await;
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
        ("/admin/campagnes".to_owned(), vec![("nom", "Été"), ("territoire", "18"), ("confirmer", "1")], "pgc"),
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
async fn a_campaign_mails_a_link_that_confirms_the_place_once() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    let form = [("_csrf", csrf.as_str()), ("nom", "Printemps"), ("territoire", "18"), ("relance_jours", "7")];
    // The form first shows what would be sent, and sends nothing.
    let preview = coordinator.post("/admin/campagnes", &form).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Envoyer 2 courriels"), "{}", preview.body);
    assert!(preview.body.contains("<dt>Lieux qui recevront le courriel</dt><dd>2</dd>"), "{}", preview.body);
    assert!(preview.body.contains(">Médiathèque</a>") && preview.body.contains(">Centre social</a>"));
    assert!(preview.body.contains("lundi : 09:00 – 12:00"), "{}", preview.body);
    assert!(!preview.body.contains("contact@lieu.example</td>"), "no address in the list");
    assert!(hub.outbox().is_empty() && hub.store.campaigns().unwrap().is_empty());
    assert_eq!(hidden(&preview.body, "confirmer"), "1");
    let mut confirmed = form.to_vec();
    confirmed.push(("confirmer", "1"));
    let started = coordinator.post("/admin/campagnes", &confirmed).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let mail = hub.outbox().into_iter().find(|mail| mail.subject.contains("Médiathèque")).unwrap();
    // The mail shows the details to check, the hours in words.
    for detail in ["- Téléphone :", "- Courriel : contact@lieu.example", "    samedi : Fermé", "- Services :"] {
        assert!(mail.body.contains(detail), "{detail} : {}", mail.body);
    }
    assert!(!mail.body.contains("Mo-Fr"), "{}", mail.body);
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
    // Each place, with what it was sent and its answer.
    let row = |name: &str| {
        let start = dashboard.body.find(&format!(">{name}</a>")).unwrap();
        dashboard.body[start..dashboard.body[start..].find("</tr>").unwrap() + start].to_owned()
    };
    assert!(row("Médiathèque").contains("<td>confirmé</td>"), "{}", row("Médiathèque"));
    assert!(row("Centre social").contains("<td>sans réponse</td>"), "{}", row("Centre social"));
    assert!(dashboard.body.contains(&format!("href=\"/lieux/{}\"", hub.place.id)));

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

/// A transport that holds every mail until the test lets it go, and keeps what it sent.
struct HeldMailer {
    release: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    sent: std::sync::Mutex<Vec<String>>,
}

impl maillage_app::mail::Mailer for HeldMailer {
    fn send(&self, mail: &maillage_app::mail::Mail) -> maillage_app::AppResult<()> {
        let _ = self.release.lock().unwrap().recv_timeout(std::time::Duration::from_secs(10));
        self.sent.lock().unwrap().push(mail.to.clone());
        Ok(())
    }
}

/// The reset request answers before its work is done, alike for known and unknown addresses:
/// a transport that takes its time must not make known addresses answer later.
#[tokio::test]
async fn a_reset_request_answers_at_once_and_alike_for_known_and_unknown_addresses() {
    let mut hub = Hub::new();
    let (release, held) = std::sync::mpsc::channel();
    let mailer = Arc::new(HeldMailer { release: std::sync::Mutex::new(held), sent: Default::default() });
    hub.config = Arc::new(AccountsConfig::new(
        maillage_mail::MailSetup { mailer: mailer.clone(), outbox: None },
        maillage_app::accounts::LinkSigner::new(KEY),
        "https://hub.example",
    ));
    let mut answers = Vec::new();
    for email in ["g@asso.example", "personne@nulle-part.example"] {
        let mut client = hub.client();
        let csrf = client.get("/compte/mot-de-passe-oublie").await.csrf();
        let form = [("_csrf", csrf.as_str()), ("courriel", email)];
        let answer =
            tokio::time::timeout(std::time::Duration::from_secs(3), client.post("/compte/mot-de-passe-oublie", &form))
                .await
                .expect("the answer does not wait for the mail to leave");
        assert_eq!(answer.status, StatusCode::OK);
        assert!(answer.body.contains("Demande enregistrée"), "{}", answer.body);
        answers.push(answer.body);
    }
    assert_eq!(answers[0], answers[1], "the same page for both addresses");
    // The work goes on after the answer: the known address gets its link once released.
    release.send(()).unwrap();
    for _ in 0..200 {
        if !mailer.sent.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(*mailer.sent.lock().unwrap(), vec!["g@asso.example".to_owned()]);
    // A refused token changes nothing and starts no work.
    let mut client = hub.client();
    client.get("/compte/mot-de-passe-oublie").await;
    let refused =
        client.post("/compte/mot-de-passe-oublie", &[("_csrf", "faux"), ("courriel", "g@asso.example")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// After signing in, only a local path is followed: tabs and newlines (which browsers drop,
/// turning `/\t/host` into `//host`), backslashes and other hosts lead to `/admin`, and a
/// newline never becomes a server error after the session was set.
#[tokio::test]
async fn the_post_sign_in_redirect_follows_local_paths_only() {
    for (suite, expected) in [
        ("/\t/evil.example/", "/admin"),
        ("/\n/evil.example/", "/admin"),
        ("/\r\nSet-Cookie: x=y", "/admin"),
        ("//evil.example/", "/admin"),
        ("/\\evil.example/", "/admin"),
        ("/x\\..\\/evil.example", "/admin"),
        ("https://evil.example/", "/admin"),
        ("admin", "/admin"),
        ("", "/admin"),
        ("/admin/lieux?page=2", "/admin/lieux?page=2"),
    ] {
        // A hub each: the sign-in limit would stop the sixth attempt.
        let hub = Hub::new();
        let mut client = hub.client();
        // The page echoes only a safe path in its hidden field.
        let query = serde_urlencoded::to_string([("suite", suite)]).unwrap();
        let page = client.get(&format!("/connexion?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{suite:?}");
        assert_eq!(hidden(&page.body, "suite"), expected, "{suite:?}");
        let csrf = page.csrf();
        let form =
            [("_csrf", csrf.as_str()), ("courriel", "admin@hub.example"), ("mot_de_passe", PASSWORD), ("suite", suite)];
        let signed = client.post("/connexion", &form).await;
        assert_eq!((signed.status, signed.location()), (StatusCode::SEE_OTHER, expected), "{suite:?}");
    }
}

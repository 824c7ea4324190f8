//! The projets numériques de territoire over HTTP: a coordinator's project from idea to
//! publication, refusals named by field that write nothing, the public projethèque, its API
//! and exports, and an online vote from the mailed link to its results.

use axum::http::StatusCode;
use maillage_store::contract::snapshot_items;

use super::common::hub::*;

const DEP: &str = "departement:37";

fn project_form<'a>(csrf: &'a str, title: &'a str, amount: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("titre", title),
        ("description", "Collecte, réparation, vente."),
        ("territoires", DEP),
        ("axe", "emergence"),
        ("porteurs", "Association CLAAC"),
        ("besoin_type", "etp"),
        ("besoin_montant", amount),
        ("besoin_etp", "1"),
        ("besoin_description", "1 ETP à 30 k€"),
        ("financeur", "CAF 37"),
        ("financement_montant", "10000"),
        ("financement_statut", "accordee"),
        ("communes", "37072"),
        ("etape", "idee"),
    ]
}

fn id_from(location: &str) -> String {
    location.trim_start_matches("/admin/projets/").split(['#', '/']).next().unwrap().to_owned()
}

#[tokio::test]
async fn a_coordinator_takes_an_idea_to_a_published_project() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord37@hub.example").await;
    let csrf = coordinator.csrf().await;
    let mut outsider = hub.signed_in("coord18@hub.example").await;
    let other_csrf = outsider.csrf().await;
    // Bad input: named, nothing written.
    let before = snapshot_items(hub.store.as_ref());
    let negative = coordinator.post("/admin/projets", &project_form(&csrf, "Filière", "-30000")).await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", negative.body);
    assert!(negative.body.contains("montant") && negative.body.contains("négatif"), "{}", negative.body);
    let mut unknown = project_form(&csrf, "Filière", "30000");
    unknown[3] = ("territoires", "bassin:Atlantide");
    let unknown = coordinator.post("/admin/projets", &unknown).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("bassin de vie inconnu"), "{}", unknown.body);
    // Another département's coordinator is refused.
    let refused = outsider.post("/admin/projets", &project_form(&other_csrf, "Filière", "30000")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot_items(hub.store.as_ref()), before);

    let created =
        coordinator.post("/admin/projets", &project_form(&csrf, "Filière de reconditionnement", "30 000")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = id_from(created.location());
    let page = coordinator.get(&format!("/admin/projets/{id}")).await;
    assert!(page.body.contains("Personnel (ETP) : 1 ETP, 30"), "{}", page.body);
    assert!(page.body.contains("data-testid=\"preuves\""), "the evidence table: {}", page.body);
    // The idea waits on its territory's desk, not on another's.
    let desk = "1 projet(s) de territoire à l&#39;étape idée ou proposition, à instruire";
    assert!(coordinator.get("/admin").await.body.contains(desk), "the desk lists the idea");
    assert!(!outsider.get("/admin").await.body.contains(desk));
    // A stage skipped without reason: named, nothing written.
    let skipped = coordinator
        .post(
            &format!("/admin/projets/{id}/etape"),
            &[("_csrf", &csrf), ("version", "1"), ("etape", "vote"), ("motif", "")],
        )
        .await;
    assert_eq!(skipped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(skipped.body.contains("motif"), "{}", skipped.body);
    let moved = coordinator
        .post(
            &format!("/admin/projets/{id}/etape"),
            &[("_csrf", &csrf), ("version", "1"), ("etape", "proposition"), ("motif", "")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let step = [
        ("_csrf", csrf.as_str()),
        ("version", "2"),
        ("etape_incubateur", "coaching"),
        ("date", "2024-02-01"),
        ("participants", "FICOSIL"),
        ("notes", "Pitch"),
        ("productions", "Deux partenaires"),
        ("budget", "2000"),
    ];
    assert_eq!(coordinator.post(&format!("/admin/projets/{id}/incubateur"), &step).await.status, StatusCode::SEE_OTHER);
    // Not public yet.
    let mut public = hub.client();
    assert_eq!(public.get(&format!("/projets/{id}")).await.status, StatusCode::NOT_FOUND);
    let published = coordinator
        .post(&format!("/admin/projets/{id}/publication"), &[("_csrf", &csrf), ("version", "3"), ("publie", "oui")])
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let page = public.get(&format!("/projets/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Atelier de coaching") && page.body.contains("Proposition"), "{}", page.body);
    let list = public.get("/projets?etape=proposition&besoin=etp").await;
    assert!(list.body.contains("Filière de reconditionnement"), "{}", list.body);
    assert!(public.get("/projets?etape=vote").await.body.contains("0 projet"));
    let territory = public.get("/pnt/departement:37").await;
    assert!(territory.body.contains("Filière de reconditionnement"), "{}", territory.body);
    let api = public.get("/api/v1/projets?territoire=departement:37").await;
    assert_eq!(api.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["projets"][0]["besoins"][0]["montant_euros"], 30000);
    let one: serde_json::Value =
        serde_json::from_str(&public.get(&format!("/api/v1/projets/{id}")).await.body).unwrap();
    assert_eq!(one["financements"][0]["statut"], "accordee");
    let csv = public.get("/projets.csv").await;
    assert!(csv.body.starts_with("id,titre,"), "{}", csv.body);
    assert!(csv.body.contains("Filière de reconditionnement"));
    let ods = public.get("/projets.ods").await;
    assert_eq!(ods.status, StatusCode::OK);
    assert_eq!(ods.headers["content-type"], "application/vnd.oasis.opendocument.spreadsheet");
    // Bad query parameters are named.
    let bad = public.get("/api/v1/projets?bassin=Atlantide").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("\"champ\":\"bassin\""), "{}", bad.body);
    assert_eq!(public.get("/api/v1/projets?etape=fini").await.status, StatusCode::BAD_REQUEST);
    let cursor = public.get("/api/v1/projets?apres=illisible").await;
    assert_eq!(cursor.status, StatusCode::BAD_REQUEST, "{}", cursor.body);
    assert!(cursor.body.contains("\"champ\":\"apres\""), "{}", cursor.body);
    let history = coordinator.get(&format!("/admin/projets/{id}/historique")).await;
    assert_eq!(history.body.matches("<tr><td>").count(), 4, "{}", history.body);
}

#[tokio::test]
async fn an_online_vote_runs_from_the_mailed_link() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord37@hub.example").await;
    let csrf = coordinator.csrf().await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("territoire", DEP),
        ("mode", "en_ligne"),
        ("titre", "Priorités 2026"),
        ("elements", "Animation du réseau\nÉmergence de projets"),
        ("points", "3"),
        ("cloture", "2030-01-01T18:00"),
        ("resultats_caches", "oui"),
        ("invitations", "a@asso.example"),
    ];
    let created = coordinator.post("/admin/votes", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let vote_page = created.location().to_owned();
    let mail = hub.outbox().into_iter().find(|m| m.subject.contains("Priorités 2026")).expect("the invitation");
    let link = mail.body.split_whitespace().find(|w| w.contains("/vote/")).unwrap().replace("https://hub.example", "");
    let mut voter = hub.client();
    let ballot = voter.get(&link).await;
    assert_eq!(ballot.status, StatusCode::OK, "{}", ballot.body);
    assert!(ballot.body.contains("Vous avez 3 points à répartir"), "{}", ballot.body);
    let token = link.split("jeton=").nth(1).unwrap().to_owned();
    let vote_id = link.trim_start_matches("/vote/").split('?').next().unwrap().to_owned();
    let post = |csrf: String, points: [&'static str; 2]| {
        vec![
            ("_csrf".to_owned(), csrf),
            ("jeton".to_owned(), token.clone()),
            ("points".to_owned(), points[0].to_owned()),
            ("points".to_owned(), points[1].to_owned()),
        ]
    };
    let csrf_voter = ballot.csrf();
    let too_many = post(csrf_voter.clone(), ["2", "2"]);
    let too_many: Vec<(&str, &str)> = too_many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = voter.post(&format!("/vote/{vote_id}"), &too_many).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("4 points pour 3 permis"), "{}", refused.body);
    for points in [["2", "1"], ["0", "3"]] {
        let form = post(csrf_voter.clone(), points);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(voter.post(&format!("/vote/{vote_id}"), &form).await.status, StatusCode::SEE_OTHER);
    }
    // Results hidden until closing.
    assert!(!voter.get(&link).await.body.contains("data-testid=\"resultats\""));
    let closed = coordinator.post(&format!("{vote_page}/cloture"), &[("_csrf", &csrf), ("version", "1")]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let after = voter.get(&link).await;
    assert!(
        after.body.contains("Ce vote est clos") && after.body.contains("data-testid=\"resultats\""),
        "{}",
        after.body
    );
    let late = post(csrf_voter, ["1", "0"]);
    let late: Vec<(&str, &str)> = late.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(voter.post(&format!("/vote/{vote_id}"), &late).await.status, StatusCode::BAD_REQUEST);
    let results = coordinator.get(&vote_page).await;
    assert!(results.body.contains("1 bulletins"), "{}", results.body);
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(key, value)| (*key, value.as_str())).collect()
}

/// The proposal id in a coordinator's project page (its decision form's address).
fn proposal_id(body: &str) -> String {
    let start = body.find("/propositions/").expect("a pending proposal") + "/propositions/".len();
    body[start..].chars().take_while(char::is_ascii_alphanumeric).collect()
}

#[tokio::test]
async fn a_carrier_proposes_changes_the_public_sees_once_approved() {
    use maillage_app::accounts::Actor;
    use maillage_app::context::Context;
    use maillage_store::AccountStore;

    let hub = Hub::new();
    let admin = Actor::User(hub.store.user_by_email("admin@hub.example").unwrap().unwrap());
    let ctx = Context::new(hub.store.as_ref());
    let carrier = maillage_app::actors::from_place(&ctx, &admin, &hub.place.id, chrono::Utc::now()).unwrap();
    let mut coordinator = hub.signed_in("coord37@hub.example").await;
    let csrf = coordinator.csrf().await;
    let carriers = format!("acteur:{}", carrier.id);
    let mut form = project_form(&csrf, "Atelier mobile de réparation", "30000");
    form[5] = ("porteurs", &carriers);
    let id = id_from(coordinator.post("/admin/projets", &form).await.location());
    let published = coordinator
        .post(&format!("/admin/projets/{id}/publication"), &[("_csrf", &csrf), ("version", "1"), ("publie", "oui")])
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);

    // The gestionnaire of the carrying place finds it; another gestionnaire cannot open it.
    let mut manager = hub.signed_in("g@asso.example").await;
    let mine = manager.get("/admin/mes-projets").await;
    assert!(mine.body.contains("Atelier mobile de réparation"), "{}", mine.body);
    let mut other = hub.signed_in("g2@asso.example").await;
    assert_eq!(other.get(&format!("/admin/mes-projets/{id}")).await.status, StatusCode::FORBIDDEN);
    assert!(!other.get("/admin/mes-projets").await.body.contains("Atelier mobile"));

    let m = manager.csrf().await;
    let proposal = |amount: &str| -> Vec<(&'static str, String)> {
        vec![
            ("_csrf", m.clone()),
            ("version", "2".to_owned()),
            ("description", "Collecte, réparation, vente et prêt.".to_owned()),
            ("besoin_type", "etp".to_owned()),
            ("besoin_montant", amount.to_owned()),
            ("besoin_etp", "1".to_owned()),
            ("besoin_description", "1 ETP".to_owned()),
            ("avancement", "Local trouvé, recrutement en mars.".to_owned()),
            ("message", "Le budget a été revu.".to_owned()),
        ]
    };
    let before = snapshot_items(hub.store.as_ref());
    let refused = manager.post(&format!("/admin/mes-projets/{id}"), &pairs(&proposal("-1"))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("montant") && refused.body.contains("négatif"), "{}", refused.body);
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
    let sent = manager.post(&format!("/admin/mes-projets/{id}"), &pairs(&proposal("35000"))).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(manager.get(sent.location()).await.body.contains("en attente de la coordination"));

    // The public still reads the approved version.
    let mut public = hub.client();
    assert!(!public.get(&format!("/projets/{id}")).await.body.contains("Local trouvé"));
    // The coordinator compares, then refuses without a reason (named), then approves.
    let page = coordinator.get(&format!("/admin/projets/{id}")).await;
    assert!(page.body.contains("Propositions des porteurs") && page.body.contains("Local trouvé"), "{}", page.body);
    let pid = proposal_id(&page.body);
    let decide = format!("/admin/projets/{id}/propositions/{pid}");
    let no_reason = coordinator.post(&decide, &[("_csrf", &csrf), ("decision", "refuser"), ("motif", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("motif"), "{}", no_reason.body);
    let mut outsider = hub.signed_in("coord18@hub.example").await;
    let other_csrf = outsider.csrf().await;
    let forbidden =
        outsider.post(&decide, &[("_csrf", &other_csrf), ("version", "2"), ("decision", "approuver")]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let approved = coordinator.post(&decide, &[("_csrf", &csrf), ("version", "2"), ("decision", "approuver")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = public.get(&format!("/projets/{id}")).await;
    assert!(page.body.contains("Local trouvé, recrutement en mars.") && page.body.contains("35"), "{}", page.body);
    let history = coordinator.get(&format!("/admin/projets/{id}/historique")).await;
    assert!(history.body.contains("approuvé par"), "{}", history.body);
}

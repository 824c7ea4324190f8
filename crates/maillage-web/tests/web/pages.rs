//! The public pages through HTTP on the router: every page in French, without JavaScript,
//! with its security policy; place sheets, reports, lists, orientation, territories, embeds
//! and assets, each with its bad input.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use super::common::hub::{Client, Hub};
use super::common::pages::*;
use super::common::Page;
use maillage_store::Store;

#[tokio::test]
async fn every_page_answers_in_french() {
    let state = demo();
    let place = first_place(&state);
    let place_uri = format!("/lieux/{}", place.id);
    for (uri, expected) in [
        ("/", "Trouver de l'aide avec le numérique"),
        ("/carte", "Appliquer les filtres"),
        ("/carte?q=Bourges", "autour de Bourges"),
        (place_uri.as_str(), "Signaler une erreur"),
        ("/orientation", "De quoi la personne a-t-elle besoin ?"),
        ("/territoires", "Centre-Val de Loire"),
        ("/territoires/region/24", "Lieux par service"),
        ("/territoires/departement/18", "Télécharger les données"),
        ("/couverture", "Habitants à plus de 10 km"),
        ("/embed/aide", "&lt;iframe"),
    ] {
        let page = get(&state, uri).await;
        assert_page(&page, uri);
        assert!(page.body.contains(expected), "{uri} lacks « {expected} »");
    }
}

#[tokio::test]
async fn place_page_shows_the_standard_for_a_person() {
    let state = demo();
    let place = first_place(&state);
    let page = get(&state, &format!("/lieux/{}", place.id)).await;
    assert_page(&page, "lieu");
    assert!(page.body.contains(&place.record.nom.replace('\'', "&#39;")) || page.body.contains(&place.record.nom));
    assert!(page.body.contains("data-testid=\"completude\""));
    assert!(page.body.contains("champs facultatifs du standard national"));
    assert!(page.body.contains("Mise à jour"));
    assert!(page.body.contains("Source"));
    if place.record.horaires.is_some() {
        assert!(page.body.contains("data-testid=\"horaires\""));
        assert!(page.body.contains("(aujourd'hui)"));
        assert!(["Ouvert maintenant", "Fermé maintenant", "Horaires à confirmer"]
            .iter()
            .any(|s| page.body.contains(s)));
    }
    for service in &place.record.services {
        assert!(page.body.contains(maillage_domain::Vocabulary::label(*service)));
    }
}

#[tokio::test]
async fn unknown_place_is_a_french_404_with_the_request_id() {
    let state = demo();
    let page = get(&state, "/lieux/inexistant").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let id = page.headers["x-request-id"].to_str().unwrap();
    assert!(page.body.contains("Page introuvable"));
    assert!(page.body.contains(id), "the page names the request id {id}");
    let page = get(&state, "/nulle-part").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Cette adresse ne correspond à aucune page"));
    let api = get(&state, "/api/v1/nulle-part").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.contains("\"erreur\""));
}

#[tokio::test]
async fn a_valid_report_is_stored_and_a_bad_one_changes_nothing() {
    let hub = Hub::new();
    let mut client = hub.client();
    let place = hub.place.clone();
    let uri = format!("/lieux/{}/signaler", place.id);
    // The token comes with the page, in a hidden field: no script, no session.
    let sheet = client.get(&format!("/lieux/{}", place.id)).await;
    assert_eq!(sheet.status, StatusCode::OK);
    let csrf = sheet.csrf();
    assert!(client.cookies.contains_key("maillage_formulaire"));

    let bad = report(&mut client, &uri, &csrf, "", "abc").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Choisissez ce qui ne va pas."));
    assert!(bad.body.contains("Décrivez l&#39;erreur") || bad.body.contains("Décrivez l'erreur"));
    assert!(bad.body.contains("id=\"erreur-message\""), "the message sits beside its field");
    assert!(bad.body.contains(">abc</textarea>"), "what was typed is kept");
    assert_eq!(bad.csrf(), csrf, "the form shown again carries its token");
    let unknown_category = report(&mut client, &uri, &csrf, "meteo", "Il pleut beaucoup").await;
    assert_eq!(unknown_category.status, StatusCode::UNPROCESSABLE_ENTITY);
    let too_long = report(&mut client, &uri, &csrf, "autre", &"x".repeat(2001)).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("2000 au plus"));
    assert!(hub.store.place_reports(None).unwrap().is_empty(), "nothing stored on bad input");

    let good = report(&mut client, &uri, &csrf, "horaires", "Fermé le mercredi après-midi").await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let location = good.location().to_owned();
    assert!(location.contains("signalement=envoye"));
    let reports = hub.store.place_reports(Some(&place.id)).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].category, "horaires");
    assert_eq!(reports[0].message, "Fermé le mercredi après-midi");
    let confirmation = client.get(&location).await;
    assert!(confirmation.body.contains("votre signalement a été transmis"));

    let nowhere = client
        .post(
            "/lieux/inexistant/signaler",
            &[("_csrf", csrf.as_str()), ("categorie", "autre"), ("message", "Bonjour !")],
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(hub.store.place_reports(None).unwrap().len(), 1);
}

async fn report(client: &mut Client<'_>, uri: &str, csrf: &str, category: &str, message: &str) -> Page {
    client.post(uri, &[("_csrf", csrf), ("categorie", category), ("message", message)]).await
}

/// The report form is protected against cross-site posts (a token issued with the page) and
/// a client sending many is stopped: 429 with `Retry-After`, nothing more stored.
#[tokio::test]
async fn reports_need_the_pages_token_and_are_throttled_per_client() {
    let hub = Hub::new();
    let uri = format!("/lieux/{}/signaler", hub.place.id);
    // A post from elsewhere: no cookie, or a token that is not the cookie's.
    let mut stranger = hub.client();
    assert_eq!(report(&mut stranger, &uri, "", "autre", "Le lieu a déménagé").await.status, StatusCode::FORBIDDEN);
    stranger.get(&format!("/lieux/{}", hub.place.id)).await;
    assert_eq!(
        report(&mut stranger, &uri, &"0".repeat(64), "autre", "Le lieu a déménagé").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(hub.store.place_reports(None).unwrap().is_empty());

    let mut client = hub.client();
    let csrf = client.get(&format!("/lieux/{}", hub.place.id)).await.csrf();
    for _ in 0..maillage_app::moderation::REPORTS_PER_CLIENT {
        assert_eq!(report(&mut client, &uri, &csrf, "autre", "Le lieu a déménagé").await.status, StatusCode::SEE_OTHER);
    }
    let refused = report(&mut client, &uri, &csrf, "autre", "Le lieu a déménagé").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    let retry: u64 = refused.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(refused.body.contains("beaucoup de signalements"), "{}", refused.body);
    assert_eq!(hub.store.place_reports(None).unwrap().len(), maillage_app::moderation::REPORTS_PER_CLIENT);
}

#[tokio::test]
async fn the_list_works_and_paginates_without_javascript() {
    let state = demo();
    let first = get(&state, "/carte").await;
    assert_page(&first, "/carte");
    assert!(first.body.contains("data-testid=\"liste-lieux\""));
    assert!(first.body.contains("data-testid=\"carte\""));
    assert!(first.body.contains("data-testid=\"pagination\""), "the demo has more than one page");
    assert!(first.body.contains("Page 1 sur"));
    let ids = |body: &str| -> Vec<String> {
        body.split("<li class=\"lieu\" data-id=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_owned())
            .collect()
    };
    let page_one = ids(&first.body);
    assert_eq!(page_one.len(), 20);
    let second = get(&state, "/carte?page=2").await;
    assert!(second.body.contains("Page 2 sur"));
    assert!(second.body.contains("rel=\"prev\""));
    let page_two = ids(&second.body);
    assert!(!page_two.is_empty());
    assert!(page_two.iter().all(|id| !page_one.contains(id)), "pages do not overlap");

    // Nearest first around a commune, with distances.
    let around = get(&state, "/carte?q=Ch%C3%A2teauroux&rayon=20").await;
    assert!(around.body.contains("autour de Châteauroux"));
    assert!(around.body.contains("class=\"distance\""));
    // Filters narrow the list, and the form remembers them.
    let all = total(&first.body);
    let filtered = get(&state, "/carte?label=France+Services").await;
    assert!(total(&filtered.body) < all);
    assert!(filtered.body.contains("value=\"France Services\" checked"));
    // The map's script gets the same search for the API.
    assert!(filtered.body.contains("data-api-query=\"filtres=label%3DFrance+Services\""));
}

#[tokio::test]
async fn bad_filters_get_a_french_message_and_no_results() {
    let state = demo();
    let page = get(&state, "/carte?service=Jardinage&jour=demain").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("n&#39;est pas une valeur connue") || page.body.contains("n'est pas une valeur connue"));
    assert!(page.body.contains("jour de la semaine attendu"));
}

#[tokio::test]
async fn orientation_runs_to_a_fiche_without_javascript() {
    let state = demo();
    let step2 = get(&state, "/orientation?besoin=demarches").await;
    assert_page(&step2, "étape 2");
    assert!(step2.body.contains("data-testid=\"orientation-etape-2\""));
    assert!(step2.body.contains("data-testid=\"orientation-compte\""));
    assert!(step2.body.contains("href=\"/orientation\""), "undo goes back to step 1");
    let step3 = get(&state, "/orientation?besoin=demarches&q=Bourges&rayon=30").await;
    assert!(step3.body.contains("data-testid=\"orientation-etape-3\""));
    assert!(step3.body.contains("Annuler le dernier choix"));
    let step4 = get(&state, "/orientation?besoin=demarches&q=Bourges&rayon=30&accueil=aucun").await;
    assert!(step4.body.contains("data-testid=\"orientation-etape-4\""));
    let results = get(&state, "/orientation?besoin=demarches&q=Bourges&rayon=30&accueil=aucun&quand=indifferent").await;
    assert_page(&results, "résultats");
    assert!(results.body.contains("data-testid=\"orientation-resultats\""));
    // Four steps, as the legends count them; the results are not a fifth.
    assert!(step2.body.contains("Orientation — étape 2 sur 4"), "{}", step2.body);
    assert!(!results.body.contains("5. Les lieux") && results.body.contains("4. Quand"), "{}", results.body);
    let id = results.body.split("name=\"lieu\" value=\"").nth(1).expect("a place to choose").split('"').next().unwrap();

    let form =
        format!("besoin=demarches&lieu={id}&prenom=Awa&notes=Ne+lit+pas+le+fran%C3%A7ais&oriente_par=CCAS+de+Bourges");
    let fiche = send(
        &state,
        Request::post("/orientation/fiche")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert_page(&fiche, "fiche");
    assert!(fiche.body.contains("data-testid=\"fiche-orientation\""));
    assert!(
        fiche.body.contains("Awa")
            && fiche.body.contains("Ne lit pas le français")
            && fiche.body.contains("CCAS de Bourges")
    );
    assert!(fiche.body.contains("Faire une démarche administrative en ligne"));
    assert!(fiche.body.contains("href=\"mailto:?subject=Fiche%20d%27orientation"));
    // Nothing about the person is kept.
    assert!(state.store.place_reports(None).unwrap().is_empty());

    // Nothing within 5 km with a rare reception: a clear message and the nearest places.
    let none = get(
        &state,
        "/orientation?besoin=equipement&q=Bourges&rayon=5&accueil=Surdit%C3%A9&accueil=D%C3%A9ficience+visuelle&quand=jour&jour=dimanche",
    )
    .await;
    assert!(none.body.contains("Aucun lieu ne correspond à tous les critères"), "{}", none.body);
    assert!(none.body.contains("hors critères"));

    let bad = get(&state, "/orientation?besoin=demarches&q=Bourges&rayon=7").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Choisissez une distance de 5 à 100 km"));
    let nowhere = get(&state, "/orientation?besoin=demarches&q=Xyzzyville&rayon=10").await;
    assert_eq!(nowhere.status, StatusCode::BAD_REQUEST);
    assert!(
        nowhere.body.contains("n&#39;est pas une commune connue")
            || nowhere.body.contains("n'est pas une commune connue")
    );
    assert!(nowhere.body.contains("data-testid=\"orientation-etape-2\""), "back to step 2");
}

#[tokio::test]
async fn territory_pages_count_and_link_downloads() {
    let state = demo();
    let page = get(&state, "/territoires/departement/36").await;
    assert_page(&page, "département");
    assert!(page.body.contains("Indre (36)"));
    assert!(page.body.contains("/api/v1/export?format=csv&#38;territoire=departement%3A36"));
    assert!(page.body.contains("/api/v1/export?format=geojson&#38;territoire=departement%3A36"));
    assert!(page.body.contains("Aide aux démarches administratives"));
    assert!(page.body.contains("Par intercommunalité (EPCI)"));
    let epci = page.body.split("href=\"/territoires/epci/").nth(1).expect("an EPCI link").split('"').next().unwrap();
    let epci_page = get(&state, &format!("/territoires/epci/{epci}")).await;
    assert_page(&epci_page, "EPCI");
    assert!(epci_page.body.contains("Intercommunalité (EPCI)"));
    let region = get(&state, "/territoires/region/24").await;
    assert!(region.body.contains("Par département"));
    for uri in ["/territoires/departement/999", "/territoires/canton/1", "/territoires/epci/000000000"] {
        assert_eq!(get(&state, uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let bassins = state.store.bassins().unwrap();
    if let Some(bassin) = bassins.first() {
        let encoded: String =
            serde_urlencoded::to_string([("b", bassin.bassin.as_str())]).unwrap()[2..].replace('+', "%20");
        let page = get(&state, &format!("/territoires/bassin/{encoded}")).await;
        assert_page(&page, "bassin");
    }
}

#[tokio::test]
async fn embed_may_be_framed_and_is_branded() {
    let state = demo();
    let page = get(&state, "/embed?territoire=departement:18&titre=Aide+dans+le+Cher&couleur=%23C0392B").await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    assert!(!page.headers.contains_key(header::X_FRAME_OPTIONS), "no DENY on the embed");
    assert!(page.body.contains("Aide dans le Cher"));
    assert!(page.body.contains("/embed/theme.css?couleur=%23c0392b"));
    assert!(page.body.contains("data-testid=\"liste-lieux\""));
    let theme = get(&state, "/embed/theme.css?couleur=%23c0392b").await;
    assert!(theme.body.contains("--couleur-marque: #c0392b"));
    let hostile = get(&state, "/embed/theme.css?couleur=red;}body{display:none").await;
    assert!(hostile.body.contains("--couleur-marque: #005a9c"));

    let bad = get(&state, "/embed?couleur=rouge").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("n&#39;est pas une couleur") || bad.body.contains("n'est pas une couleur"));
    let help = get(&state, "/embed/aide").await;
    assert_eq!(help.headers[header::X_FRAME_OPTIONS], "DENY");
    // A plain-HTTP install gets a plain-HTTP snippet (an https:// frame would stay blank).
    let request = Request::get("/embed/aide").header(header::HOST, "maillage.local:8080").body(Body::empty()).unwrap();
    let plain = send(&state, request).await;
    assert!(plain.body.contains("src=\"http://maillage.local:8080/embed?"), "{}", plain.body);
    assert!(!plain.body.contains("https://maillage.local"), "{}", plain.body);

    // A territory opens on its places: the map's box is the Cher's, not France's.
    let bounds = page.body.split("data-bounds=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let corners: Vec<f64> = bounds.split(',').map(|n| n.parse().unwrap()).collect();
    assert_eq!(corners.len(), 4, "{bounds}");
    assert!(corners[0] > 46.3 && corners[2] < 47.7 && corners[1] > 1.7 && corners[3] < 3.1, "{bounds}");
    let everywhere = get(&state, "/embed").await;
    assert!(everywhere.body.contains("data-bounds=\"\""), "no territory, no box");
    let bassin = state.store.bassins().unwrap().into_iter().next().expect("the demo's bassins").bassin;
    let query = serde_urlencoded::to_string([("territoire", format!("bassin:{bassin}"))]).unwrap();
    let framed = get(&state, &format!("/embed?{query}")).await;
    assert_eq!(framed.status, StatusCode::OK, "{}", framed.body);
    assert!(!framed.body.contains("data-bounds=\"\""), "a bassin is framed too: {}", framed.body);
    assert!(help.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn assets_are_cached_and_compressed() {
    let state = demo();
    let home = get(&state, "/").await;
    let href = home.body.split("href=\"/static/css/app.css").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let uri = format!("/static/css/app.css{href}");
    let request = Request::get(&uri).header(header::ACCEPT_ENCODING, "br, gzip").body(Body::empty()).unwrap();
    let css = send(&state, request).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(css.headers[header::CONTENT_ENCODING], "br");
    let etag = css.headers[header::ETAG].to_str().unwrap().to_owned();
    let request = Request::get("/static/vendor/leaflet/leaflet.js")
        .header(header::ACCEPT_ENCODING, "gzip")
        .header(header::IF_NONE_MATCH, "\"autre\"")
        .body(Body::empty())
        .unwrap();
    let js = send(&state, request).await;
    assert_eq!(js.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(js.headers[header::CACHE_CONTROL], "public, max-age=3600, must-revalidate", "no hash: revalidated");
    let request = Request::get("/static/css/app.css").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    assert_eq!(send(&state, request).await.status, StatusCode::NOT_MODIFIED);
    assert_eq!(get(&state, "/static/absent.js").await.status, StatusCode::NOT_FOUND);
    // Every vendored file a page links is served.
    let map = get(&state, "/carte").await;
    for link in map.body.split("\"/static/").skip(1).map(|rest| rest.split('"').next().unwrap()) {
        let uri = format!("/static/{}", link.replace("&#38;", "&"));
        assert_eq!(get(&state, &uri).await.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn outlines_are_geojson_and_cached() {
    let state = demo();
    let page = get(&state, "/carte/contours/departements.geojson").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers[header::CONTENT_TYPE], "application/geo+json");
    assert!(page.headers.contains_key(header::ETAG));
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let features = json["features"].as_array().unwrap();
    assert!(features.len() > 95, "every département");
    let cher = features.iter().find(|f| f["properties"]["code"] == "18").unwrap();
    assert!(
        cher["geometry"]["coordinates"].as_array().unwrap().iter().map(|l| l.as_array().unwrap().len()).sum::<usize>()
            > 50
    );
    let communes = get(&state, "/carte/contours/communes.geojson?departement=36").await;
    assert_eq!(communes.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&communes.body).unwrap();
    assert!(json["features"].as_array().unwrap().len() > 200);
    assert_eq!(get(&state, "/carte/contours/communes.geojson?departement=999").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn coverage_ranks_territories_by_priority_with_the_score_explained() {
    let state = demo();
    for level in ["region", "departement", "bassin", "epci"] {
        let page = get(&state, &format!("/couverture?niveau={level}")).await;
        assert_page(&page, level);
        assert!(page.body.contains("data-testid=\"classement-couverture\""), "{level}");
        assert!(page.body.contains("Comment le score est calculé") && page.body.contains("0,5·d"), "{level}");
        assert!(page.body.contains(&format!("<option value=\"{level}\" selected>")), "{level}");
    }
    let asked = "/couverture?niveau=departement&service=Aide+aux+d%C3%A9marches+administratives&jour=samedi";
    let page = get(&state, asked).await;
    assert_page(&page, asked);
    assert!(page.body.contains("(pour « Aide aux démarches administratives », ouverts le samedi)"), "{}", page.body);
    assert!(
        page.body.contains("filtres=service%3DAide+aux+d%C3%A9marches+administratives%3Bjour%3Dsamedi"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("data-filtres=\"service=Aide aux démarches administratives;jour=samedi\""),
        "the map asks the same"
    );
    // Highest score first, each with its three parts.
    let table = page.body.split("data-testid=\"classement-couverture\"").nth(1).unwrap();
    let scores: Vec<f64> = table
        .split("<td><strong>")
        .skip(1)
        .filter_map(|cell| cell.split('<').next().unwrap().replace(',', ".").parse().ok())
        .collect();
    assert!(scores.len() >= 2, "{table}");
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "{scores:?}");
    assert!(table.contains("Part distance") && table.contains("Part fragilité") && table.contains("Part population"));

    for bad in ["/couverture?niveau=canton", "/couverture?jour=demain", "/couverture?service=Jardinage"] {
        let refused = get(&state, bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert!(get(&state, "/couverture?niveau=canton").await.body.contains("niveau de territoire inconnu"));
    assert!(get(&state, "/couverture?jour=demain").await.body.contains("jour inconnu"));

    // A bassin's page gives its coverage, IFN and population.
    let bassin = state.store.bassins().unwrap().into_iter().next().expect("the demo's bassins").bassin;
    let encoded = serde_urlencoded::to_string([("b", bassin.as_str())]).unwrap()[2..].replace('+', "%20");
    let page = get(&state, &format!("/territoires/bassin/{encoded}")).await;
    assert_page(&page, "bassin");
    let block = page.body.split("data-testid=\"couverture-bassin\"").nth(1).expect("the bassin's coverage");
    assert!(block.contains("Indice de fragilité numérique") && block.contains("habitants"), "{block}");
    assert!(block.contains("rang ") && block.contains(" des bassins du hub"), "{block}");
}

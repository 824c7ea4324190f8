//! The monographs of the demo's 23 bassins: every figure checked against a computation made
//! another way (the territory and the indicator read directly, the registry counted per
//! bassin, the coverage engine asked per bassin).

use std::collections::{BTreeMap, HashMap};

use maillage_app::coverage::{coverage, CoverageRequest};
use maillage_app::monographie::{figures, generate, Sources};
use maillage_app::places::demo;
use maillage_app::territory::{count_places, BassinIndex, Level};
use maillage_store::{AccountStore, IndicatorLevel, MemberKind, PlaceQuery, Store};

use crate::support::*;

#[test]
fn every_demo_bassin_has_its_figures_right() {
    let hub = Hub::new();
    demo::load_if_empty(&hub.ctx(), &hub.admin, &territory()).unwrap().expect("the demo loads");
    let territory = territory();
    let sources = Sources::load(&hub.store, &territory, t0()).unwrap();
    let names = sources.bassin_names();
    assert_eq!(names.len(), 23);

    // Membership read from the stored members: an EPCI's communes, a commune listed alone.
    let members = hub.store.bassins().unwrap();
    let mut bassin_of: HashMap<String, String> = HashMap::new();
    for member in members.iter().filter(|m| m.kind == MemberKind::Epci) {
        for commune in territory.communes().iter().filter(|c| c.siren_epci.as_deref() == Some(&member.code)) {
            bassin_of.insert(commune.code_insee.clone(), member.bassin.clone());
        }
    }
    for member in members.iter().filter(|m| m.kind == MemberKind::Commune) {
        bassin_of.insert(member.code.clone(), member.bassin.clone());
    }
    let ifn: HashMap<String, f64> = hub
        .store
        .indicator_values("ifn", IndicatorLevel::Commune)
        .unwrap()
        .into_iter()
        .map(|v| (v.code, v.value))
        .collect();
    let places = hub.store.places(&PlaceQuery::active()).unwrap();
    let counts = count_places(&territory, &BassinIndex::new(&members, &territory), &places, Level::Bassin);
    let per_bassin =
        coverage(&hub.store, &territory, &CoverageRequest { level: Level::Bassin, ..CoverageRequest::default() })
            .unwrap();
    let beyond_10: BTreeMap<&str, u64> =
        per_bassin.lignes.iter().map(|row| (row.code.as_str(), row.population_au_dela["10 km"])).collect();

    let mut located = 0;
    for name in &names {
        let generated = generate(&sources, name).unwrap();
        let communes: Vec<_> =
            territory.communes().iter().filter(|c| bassin_of.get(&c.code_insee) == Some(name)).collect();
        let population: u64 = communes.iter().map(|c| u64::from(c.population.unwrap_or(0))).sum();
        assert_eq!(generated.territoire.population, population, "{name}: population");
        assert_eq!(generated.territoire.communes.len(), communes.len(), "{name}: communes");
        let epci_sum: u64 = generated.territoire.epci.iter().map(|e| e.population).sum();
        assert_eq!(epci_sum, population, "{name}: the EPCI add up to the bassin");
        assert!(generated.territoire.density > 0.0);

        let (weighted, covered) = communes.iter().fold((0.0, 0u64), |(w, p), c| match ifn.get(&c.code_insee) {
            Some(v) => (w + v * f64::from(c.population.unwrap_or(0)), p + u64::from(c.population.unwrap_or(0))),
            None => (w, p),
        });
        let ifn_bassin = generated.fragilite.ifn.as_ref().and_then(|f| f.bassin).expect("the IFN of the bassin");
        assert!((ifn_bassin - weighted / covered as f64).abs() < 1e-9, "{name}: IFN {ifn_bassin}");
        let ifn_figures = generated.fragilite.ifn.as_ref().unwrap();
        assert!(!ifn_figures.per_epci.is_empty() && ifn_figures.region.is_some(), "{name}: IFN per EPCI and région");

        let expected_places = counts.get(name.as_str()).copied().unwrap_or(0);
        assert_eq!(generated.offre.places, expected_places, "{name}: places");
        located += expected_places;
        let by_hand = places
            .iter()
            .filter(|p| p.record.itinerance.contains(&maillage_domain::Itinerance::Itinerant))
            .filter(|p| {
                maillage_app::territory::find_commune(&territory, &p.record)
                    .is_some_and(|(c, _)| bassin_of.get(&c.code_insee) == Some(name))
            })
            .count();
        assert_eq!(generated.offre.itinerant, by_hand, "{name}: itinerant offers");

        let ten = generated.couverture.beyond.iter().find(|(km, _)| *km == 10.0).map(|(_, n)| *n).unwrap();
        assert_eq!(ten, beyond_10[name.as_str()], "{name}: population beyond 10 km");
        assert!(generated.couverture.priorities.len() <= 10);
        assert!(generated.couverture.priorities.windows(2).all(|w| w[0].score >= w[1].score));

        // The maps: a shape per commune, a mark per place located by coordinates, each named.
        let map = maillage_app::monographie::map::bassin_map(&territory, &generated).expect("a map");
        let titles = map.matches("<title").count();
        assert_eq!(titles, 1 + communes.len() + generated.map_places.len(), "{name}: map");
        let choropleth = maillage_app::monographie::map::priority_map(&territory, &generated).expect("a map");
        assert_eq!(choropleth.matches("<title").count(), 1 + communes.len());
        if name == "Chinon" {
            std::fs::write(std::env::temp_dir().join("chinon-bassin.svg"), &map).unwrap();
            std::fs::write(std::env::temp_dir().join("chinon-priorite.svg"), &choropleth).unwrap();
        }

        // The flat figures carry the same values.
        let all = figures(&generated);
        let figure = |key: &str| all.iter().find(|f| f.key == key).map(|f| f.value);
        assert_eq!(figure("territoire.population"), Some(population as f64));
        assert_eq!(figure("couverture.au_dela.10"), Some(ten as f64));
    }
    assert_eq!(located + counts.get("").copied().unwrap_or(0), places.len(), "every place counted once");

    // Chinon (seed 002): its EPCI are among those the hub's document names.
    let chinon = generate(&sources, "Chinon").unwrap();
    assert!(chinon.territoire.epci.iter().any(|e| e.siren == "200043081"));
    // Its illectronisme rates (seed 002, per EPCI): the bassin's mean weighted by the EPCI's
    // population there; no regional value, three EPCI do not make the région's.
    let rate = chinon.fragilite.others.iter().find(|i| i.name == "illectronisme").expect("illectronisme");
    let rates: HashMap<&str, f64> = rate.per_epci.iter().map(|(siren, _, v)| (siren.as_str(), *v)).collect();
    assert_eq!(rates, HashMap::from([("200043081", 20.9), ("200072668", 25.3)]));
    let (weighted, people) = chinon
        .territoire
        .epci
        .iter()
        .fold((0.0, 0.0), |(w, p), e| (w + rates[e.siren.as_str()] * e.population as f64, p + e.population as f64));
    assert!((rate.bassin.unwrap() - weighted / people).abs() < 1e-9, "{rate:?}");
    assert_eq!(rate.region, None);
    let tours = generate(&sources, "Tours").unwrap();
    let partial = tours.fragilite.others.iter().find(|i| i.name == "illectronisme").unwrap();
    assert_eq!(partial.per_epci.len(), 1);
    assert_eq!(partial.bassin, None, "one EPCI of the bassin is not its mean");
    // The actors section says plainly what it lacks.
    assert!(chinon.acteurs.meetings.absent.is_some());
    assert!(generate(&sources, "Nulle part").is_err());
}

#[test]
fn a_coordinator_writes_publishes_and_compares_editions_of_its_bassins_only() {
    use maillage_app::accounts::Actor;
    use maillage_app::context::Context;
    use maillage_app::monographie as mono;
    use maillage_app::territory::Locator;
    use maillage_app::AppError;

    let hub = Hub::new();
    demo::load_if_empty(&hub.ctx(), &hub.admin, &territory()).unwrap();
    // The bassins exist now: a locator that knows them.
    let locator = Locator::load(&hub.store, territory()).unwrap();
    let ctx = Context::new(&hub.store).with_locator(&locator);
    let territory = territory();
    let (cher, touraine) = (&hub.coordinator, &hub.other_coordinator);

    let listed: Vec<String> = mono::bassins(&ctx, cher).unwrap().into_iter().map(|b| b.name).collect();
    assert!(listed.contains(&"Bourges".to_owned()) && !listed.contains(&"Chinon".to_owned()), "{listed:?}");
    assert_eq!(mono::bassins(&ctx, &hub.admin).unwrap().len(), 23);

    let saved = mono::save_section(&ctx, cher, "Bourges", "synthese", "Un **réseau** motivé.", 0, t0()).unwrap();
    assert_eq!(saved.version, 1);
    assert!(matches!(
        mono::save_section(&ctx, touraine, "Bourges", "synthese", "Ailleurs", 1, t0()),
        Err(AppError::Forbidden(_))
    ));
    // Saved from a stale page: a conflict, nothing written.
    assert!(matches!(
        mono::save_section(&ctx, cher, "Bourges", "synthese", "Perdu", 0, t0()),
        Err(AppError::Store(maillage_store::StoreError::Conflict(_)))
    ));
    assert!(matches!(
        mono::save_section(&ctx, cher, "Bourges", "conclusion", "?", 0, t0()),
        Err(AppError::Invalid(errors)) if errors[0].field == "section"
    ));
    mono::save_section(&ctx, cher, "Bourges", "synthese", "Une synthèse revue.", 1, t0()).unwrap();

    let first = mono::publish(&ctx, cher, &territory, "Bourges", t0()).unwrap();
    assert_eq!(first.number, 1);
    let (_, content) = mono::edition(&ctx, cher, &first.id).unwrap();
    let synthese = content.sections.iter().find(|s| s.key == "synthese").unwrap();
    assert_eq!((synthese.text.as_str(), synthese.version), ("Une synthèse revue.", 2));
    let draft = mono::draft(&ctx, cher, &territory, "Bourges", t0()).unwrap();
    assert_eq!(draft.history.len(), 2);
    assert_eq!(draft.editions.len(), 1);

    // A new place in Bourges, a second edition: the comparison shows the count moving.
    hub.place("Nouvel espace numérique");
    let second = mono::publish(&ctx, cher, &territory, "Bourges", t0()).unwrap();
    let (_, _, changes) = mono::compare_editions(&ctx, cher, &first.id, &second.id).unwrap();
    let places = changes.iter().find(|c| c.label == "Lieux de médiation numérique").unwrap();
    assert_eq!(places.after.unwrap() - places.before.unwrap(), 1.0, "{}", places.text());
    assert!(matches!(mono::compare_editions(&ctx, touraine, &first.id, &second.id), Err(AppError::Forbidden(_))));

    // The public reads editions only once the hub opens them.
    assert!(mono::latest_public(&ctx, "Bourges").unwrap().is_none());
    assert!(matches!(mono::edition(&ctx, &Actor::Public, &first.id), Err(AppError::Forbidden(_))));
    mono::set_public_editions(&ctx, &hub.admin, true, t0()).unwrap();
    let (latest, _) = mono::latest_public(&ctx, "Bourges").unwrap().unwrap();
    assert_eq!(latest.number, 2);
    assert!(mono::edition(&ctx, &Actor::Public, &first.id).is_ok());
    let actions: Vec<String> = hub.store.audit_log(20).unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.iter().filter(|a| *a == "monographie_publiee").count() == 2, "{actions:?}");
}

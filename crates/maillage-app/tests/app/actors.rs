//! The actors directory through its use cases: autocomplete over folded names and the
//! registry's places, creation on the fly, merges that keep references, bad input refused
//! field by field, people's names kept from the logs, the audit log and public pages.

use maillage_app::accounts::Actor;
use maillage_app::actors::{self, StakeholderFilter, StakeholderForm, Suggestion};
use maillage_app::context::Context;
use maillage_app::directory::Directory;
use maillage_app::AppError;
use maillage_store::{AccountStore, Stakeholder, StakeholderKind, StakeholderStore};

use crate::support::*;

fn form(name: &str, kind: &str, commune: &str) -> StakeholderForm {
    StakeholderForm {
        name: name.to_owned(),
        kind: kind.to_owned(),
        commune: commune.to_owned(),
        ..StakeholderForm::default()
    }
}

/// An entry created by `actor` at [`t0`], which the test expects to be accepted.
fn created(ctx: &Context<'_>, actor: &Actor, name: &str, kind: &str, commune: &str) -> Stakeholder {
    actors::create(ctx, actor, &form(name, kind, commune), t0()).unwrap()
}

fn names(suggestions: &[Suggestion]) -> Vec<String> {
    suggestions
        .iter()
        .map(|suggestion| match suggestion {
            Suggestion::Acteur(stakeholder) => format!("acteur {}", stakeholder.name),
            Suggestion::Lieu { name, .. } => format!("lieu {name}"),
        })
        .collect()
}

#[test]
fn autocomplete_folds_names_and_offers_the_registrys_places() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let coordinator = &hub.coordinator;
    let mairie = created(&ctx, coordinator, "Mairie de Saint-Amand-Montrond", "collectivite", "18197");
    assert_eq!((mairie.commune.as_deref(), mairie.departement.as_deref()), (Some("Saint-Amand-Montrond"), Some("18")));
    // A commune by postcode or by name.
    let caf = created(&ctx, coordinator, "CAF", "institution", "Bourges");
    assert_eq!(caf.commune_code.as_deref(), Some("18033"));
    let places = hub.place("Médiathèque des Gibjoncs");
    let directory = Directory::load(&hub.store, territory()).unwrap();

    let found = actors::search(&ctx, coordinator, Some(&directory), "SAINT amand", 10).unwrap();
    assert_eq!(names(&found), ["acteur Mairie de Saint-Amand-Montrond"]);
    let found = actors::search(&ctx, coordinator, Some(&directory), "mediatheque gibjoncs", 10).unwrap();
    assert_eq!(names(&found), ["lieu Médiathèque des Gibjoncs"]);
    assert!(actors::search(&ctx, coordinator, Some(&directory), "  ", 10).unwrap().is_empty());

    // Picking the place creates its entry once; afterwards the place is offered as that entry.
    let lieu = actors::from_place(&ctx, coordinator, &places.id, t0()).unwrap();
    assert_eq!((lieu.kind, lieu.departement.as_deref()), (StakeholderKind::Lieu, Some("18")));
    assert_eq!(actors::from_place(&ctx, &hub.admin, &places.id, t0()).unwrap().id, lieu.id);
    let found = actors::search(&ctx, coordinator, Some(&directory), "médiathèque", 10).unwrap();
    assert_eq!(names(&found), ["acteur Médiathèque des Gibjoncs"]);
    // Bourges matches the CAF by its commune and the place's entry by its own.
    let found = actors::search(&ctx, coordinator, None, "bourges", 10).unwrap();
    assert_eq!(names(&found), ["acteur CAF", "acteur Médiathèque des Gibjoncs"]);
    let listed = actors::stakeholders(&ctx, coordinator, &StakeholderFilter::default()).unwrap();
    assert_eq!(listed.len(), 3);
    let filter = StakeholderFilter { kind: Some(StakeholderKind::Institution), ..StakeholderFilter::default() };
    assert_eq!(actors::stakeholders(&ctx, coordinator, &filter).unwrap(), [caf]);
}

#[test]
fn bad_input_is_refused_field_by_field_and_writes_nothing() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let audit = hub.store.audit_log(100).unwrap().len();
    let cases: [(StakeholderForm, &[(&str, &str)]); 5] = [
        (form(" ", "machin", ""), &[("nom", "obligatoire"), ("type", "type inconnu")]),
        (form("Médiathèque", "lieu", ""), &[("type", "se choisit dans la recherche")]),
        (form("CAF", "institution", "Atlantide"), &[("commune", "commune inconnue : « Atlantide »")]),
        (form("CAF", "institution", "Saint-Denis"), &[("commune", "plusieurs communes s'appellent")]),
        (
            StakeholderForm {
                departement: "37".to_owned(),
                contact: "x".repeat(201),
                ..form("CAF", "institution", "18033")
            },
            &[
                ("contact", "200 caractères au plus"),
                ("departement", "la commune est dans le département 18, pas le 37"),
            ],
        ),
    ];
    for (form, expected) in cases {
        let Err(AppError::Invalid(errors)) = actors::create(&ctx, &hub.coordinator, &form, t0()) else {
            panic!("{form:?} refused")
        };
        assert_eq!(errors.len(), expected.len(), "{errors:?}");
        for (field, words) in expected {
            assert!(errors.iter().any(|e| e.field == *field && e.message.contains(words)), "{field}: {errors:?}");
        }
    }
    assert!(hub.store.stakeholders().unwrap().is_empty());
    assert_eq!(hub.store.audit_log(100).unwrap().len(), audit);
    // An unknown id is not found; a stale version is a conflict, and nothing changes.
    assert!(matches!(actors::stakeholder(&ctx, &hub.admin, "absent"), Err(AppError::Store(_))));
    let caf = created(&ctx, &hub.coordinator, "CAF", "institution", "");
    actors::update(&ctx, &hub.coordinator, &caf.id, 1, &form("CAF du Cher", "institution", ""), t0()).unwrap();
    let late = actors::update(&ctx, &hub.coordinator, &caf.id, 1, &form("Caf", "institution", ""), t0());
    assert!(matches!(late, Err(AppError::Store(maillage_store::StoreError::Conflict(_)))), "{late:?}");
    assert_eq!(actors::stakeholder(&ctx, &hub.admin, &caf.id).unwrap().name, "CAF du Cher");
}

#[test]
fn a_merge_keeps_every_reference() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let admin = &hub.admin;
    let typed = created(&ctx, admin, "Centre social Terre en couleurs", "association", "Pithiviers");
    let again = created(&ctx, admin, "Centre social Terre en Couleurs", "association", "");
    let other = created(&ctx, admin, "Mission locale", "association", "");
    // Referenced by `again`'s id somewhere (a log entry): after the merge it means `typed`.
    let kept = actors::merge(&ctx, admin, (&again.id, 1), (&typed.id, 1), t0()).unwrap();
    assert_eq!((kept.id.as_str(), kept.version), (typed.id.as_str(), 2));
    assert_eq!(actors::stakeholder(&ctx, admin, &again.id).unwrap().id, typed.id);
    let resolved = actors::resolve(&ctx, admin, &[again.id.clone(), other.id.clone(), "absent".to_owned()]).unwrap();
    assert_eq!(resolved.keys().cloned().collect::<Vec<_>>(), {
        let mut ids = vec![again.id.clone(), other.id.clone()];
        ids.sort();
        ids
    });
    assert_eq!(resolved[&again.id].id, typed.id);
    let canonical = actors::canonical_ids(&hub.store).unwrap();
    let distinct: std::collections::BTreeSet<&String> =
        [&typed.id, &again.id, &other.id, &again.id].iter().map(|id| &canonical[*id]).collect();
    assert_eq!(distinct.len(), 2);
    // The merged entry is gone from lists and searches.
    let listed = actors::stakeholders(&ctx, admin, &StakeholderFilter::default()).unwrap();
    assert_eq!(
        listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Centre social Terre en couleurs", "Mission locale"]
    );
}

#[test]
fn names_of_people_stay_with_the_team() {
    let captured = captured_logs();
    let hub = Hub::new();
    let ctx = hub.ctx();
    let mut elue = form("Hélène Quinquampoix", "elu", "Bourges");
    elue.contact = "Secrétariat de Mme Quinquampoix".to_owned();
    let person = actors::create(&ctx, &hub.coordinator, &elue, t0()).unwrap();
    let org = created(&ctx, &hub.coordinator, "Conseil départemental du Cher", "collectivite", "");
    // Edits and refusals log nothing of her either.
    let _ = actors::update(&ctx, &hub.other_coordinator, &person.id, 1, &elue, t0());
    actors::update(&ctx, &hub.coordinator, &person.id, 1, &elue, t0()).unwrap();

    let public = actors::public_names(&hub.store, &[person.id.clone(), org.id.clone()]).unwrap();
    assert_eq!(public[&person.id], "Élu·e");
    assert_eq!(public[&org.id], "Conseil départemental du Cher");
    let audit: Vec<String> = hub.store.audit_log(100).unwrap().into_iter().map(|entry| entry.detail).collect();
    assert!(audit.iter().any(|detail| detail.contains("Conseil départemental du Cher")), "{audit:?}");
    assert!(audit.iter().all(|detail| !detail.contains("Quinquampoix")), "{audit:?}");
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(!logs.contains("Quinquampoix"));

    // Forgotten when no longer needed: the entry stays, under its function.
    let forgotten = actors::forget_person(&ctx, &hub.coordinator, &person.id, 2, t0()).unwrap();
    assert_eq!((forgotten.name.as_str(), forgotten.contact), ("Élu·e de Bourges", None));
    assert!(actors::search(&ctx, &hub.admin, None, "quinquampoix", 10).unwrap().is_empty());
    let stored = hub.store.stakeholder(&person.id).unwrap().unwrap();
    assert!(!format!("{stored:?}").contains("Quinquampoix"));
}

#[test]
fn coordinators_change_the_entries_of_their_territory() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let (cher, touraine) = (&hub.coordinator, &hub.other_coordinator);
    let caf = created(&ctx, &hub.admin, "CAF du Cher", "institution", "18033");
    let region = created(&ctx, &hub.admin, "Région Centre-Val de Loire", "collectivite", "");
    // Both read everything.
    assert_eq!(actors::stakeholders(&ctx, touraine, &StakeholderFilter::default()).unwrap().len(), 2);
    // Only the Cher's coordinator changes the Cher's entry; both the regional one.
    forbidden(actors::update(&ctx, touraine, &caf.id, 1, &form("CAF", "institution", "18033"), t0()));
    actors::update(&ctx, touraine, &region.id, 1, &form("Région CVL", "collectivite", ""), t0()).unwrap();
    // Nor may a coordinator move an entry out of its territory.
    forbidden(actors::update(&ctx, cher, &caf.id, 1, &form("CAF", "institution", "37261"), t0()));
    actors::update(&ctx, cher, &caf.id, 1, &form("CAF", "institution", "18033"), t0()).unwrap();
    // What a coordinator created, it may correct wherever it is.
    let own = created(&ctx, touraine, "Emmaüs Connect", "association", "18033");
    actors::update(&ctx, touraine, &own.id, 1, &form("Emmaüs Connect Bourges", "association", "18033"), t0()).unwrap();
    forbidden(actors::merge(&ctx, touraine, (&own.id, 2), (&caf.id, 2), t0()));
}

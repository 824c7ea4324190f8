//! Properties of the score and the candidate search on generated places.

use chrono::{TimeZone, Utc};
use maillage_dedup::{
    candidate_pairs, decide, score, score_places, Decision, Thresholds, Veto, DEFAULT_MAX_DISTANCE_M,
};
use maillage_domain::{Coordinates, Place, PlaceId, PlaceRecord};
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "Mairie de Saint-Laurent",
    "Hôtel de ville de St Laurent",
    "Médiathèque François Mitterrand",
    "Bibliothèque F. Mitterrand",
    "France Services de Loches",
    "Centre social Les Tilleuls",
    "Mission locale Touraine",
    "Tiers-lieu La Fabrique",
    "Asso. Les Tracols",
    "Association les Tracols",
    "[Non diffusible]",
    "inconnu",
    "CCAS",
    "Communauté de communes Loches Sud Touraine",
    "CC Loches Sud Touraine",
];
const ADDRESSES: &[&str] =
    &["4 av de Saint-Menet", "4 avenue de St Menet", "12 rue Nationale", "place de la Mairie", ""];
const COMMUNES: &[(&str, &str, Option<&str>)] = &[
    ("Loches", "37600", Some("37132")),
    ("Loches", "37600", None),
    ("Tours", "37000", Some("37261")),
    ("Marseille 11", "13011", Some("13211")),
    ("Marseille", "13011", Some("13055")),
    ("MARSEILLE 11", "13011", None),
    ("Paris 15e Arrondissement", "75015", Some("75115")),
];
const PIVOTS: &[Option<&str>] = &[None, Some("77556026100015"), Some("21620033700014"), Some("W751234567")];
const PHONES: &[Option<&str>] = &[None, Some("+33247590000"), Some("+33247591111")];
const TYPOLOGIES: &[&[&str]] = &[&[], &["MUNI"], &["BIB"], &["ML"], &["ASSO"]];

fn record() -> impl Strategy<Value = PlaceRecord> {
    (
        0..NAMES.len(),
        0..ADDRESSES.len(),
        0..COMMUNES.len(),
        0..PIVOTS.len(),
        0..PHONES.len(),
        0..TYPOLOGIES.len(),
        proptest::option::of((47.10f64..47.14, 0.98f64..1.02)),
        any::<bool>(),
    )
        .prop_map(|(name, address, commune, pivot, phone, typology, coords, email)| {
            let (commune, postcode, insee) = COMMUNES[commune];
            PlaceRecord {
                id: "x".into(),
                nom: NAMES[name].into(),
                adresse: ADDRESSES[address].into(),
                commune: commune.into(),
                code_postal: postcode.into(),
                code_insee: insee.map(str::to_owned),
                pivot: PIVOTS[pivot].map(str::to_owned),
                telephone: PHONES[phone].map(str::to_owned),
                typologie: TYPOLOGIES[typology].iter().map(|t| t.to_string()).collect(),
                coordinates: coords.map(|(latitude, longitude)| Coordinates { latitude, longitude }),
                courriels: if email { vec!["contact@mairie.fr".into()] } else { vec![] },
                ..Default::default()
            }
        })
}

fn place(n: usize, record: PlaceRecord, source: &str) -> Place {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Place::first_version(PlaceId(format!("p{n}")), source, &format!("s{n}"), record, at)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn score_is_symmetric_and_bounded(a in record(), b in record()) {
        let ab = score(&a, &b);
        let ba = score(&b, &a);
        prop_assert_eq!(&ab, &ba);
        prop_assert!((0.0..=1.0).contains(&ab.score));
    }

    #[test]
    fn vetoes_always_win(a in record(), b in record()) {
        let s = score(&a, &b);
        if s.veto.is_some() {
            // Whatever the thresholds, even zero.
            for thresholds in [Thresholds::default(), Thresholds { auto_merge: 0.0, review: 0.0 }] {
                prop_assert_eq!(decide(&s, &thresholds), Decision::Distinct);
            }
        }
    }

    #[test]
    fn identical_records_score_one_unless_vetoed(a in record()) {
        let s = score(&a, &a);
        match s.veto {
            Some(Veto::AnonymousName) => {}
            Some(other) => prop_assert!(false, "unexpected veto {:?}", other),
            None => prop_assert!(s.score > 0.999, "{:?}", s),
        }
    }

    #[test]
    fn a_place_is_never_its_own_candidate(records in proptest::collection::vec(record(), 0..40), twins in 0usize..5) {
        let mut places: Vec<Place> =
            records.into_iter().enumerate().map(|(n, r)| place(n, r, "hub")).collect();
        // The same place listed twice (same registry id) must not pair with itself.
        for n in 0..twins.min(places.len()) {
            let twin = places[n].clone();
            places.push(twin);
        }
        let pairs = candidate_pairs(&places, DEFAULT_MAX_DISTANCE_M);
        for &(i, j) in &pairs {
            prop_assert!(i < j);
            prop_assert!(places[i].id != places[j].id);
            prop_assert!(score_places(&places[i], &places[j]).is_some());
        }
        prop_assert!(pairs.windows(2).all(|w| w[0] < w[1]));
        for p in &places {
            prop_assert!(score_places(p, p).is_none());
        }
    }

    #[test]
    fn candidates_are_what_brute_force_finds(records in proptest::collection::vec(record(), 0..40)) {
        let places: Vec<Place> = records.into_iter().enumerate().map(|(n, r)| place(n, r, "hub")).collect();
        let pairs = candidate_pairs(&places, 300.0);
        let mut expected = Vec::new();
        for i in 0..places.len() {
            for j in i + 1..places.len() {
                let (a, b) = (&places[i].record, &places[j].record);
                let (ka, kb) = (maillage_dedup::normalize::commune_key(a), maillage_dedup::normalize::commune_key(b));
                let same_commune = maillage_dedup::normalize::same_commune(&ka, &kb);
                let (ba, bb) = (maillage_dedup::candidates::block_keys(a), maillage_dedup::candidates::block_keys(b));
                let same_block = ba.iter().any(|key| bb.contains(key));
                let close = match (a.coordinates, b.coordinates) {
                    (Some(x), Some(y)) => {
                        maillage_dedup::candidates::distance_m(x, y) <= 300.0 || (same_commune && same_block)
                    }
                    _ => same_commune,
                };
                if close {
                    expected.push((i, j));
                }
            }
        }
        prop_assert_eq!(pairs, expected);
    }
}

#[test]
fn explains_in_french() {
    let a = PlaceRecord {
        nom: "Mairie de Loches".into(),
        adresse: "Place de l'Hôtel de ville".into(),
        commune: "Loches".into(),
        code_postal: "37600".into(),
        code_insee: Some("37132".into()),
        pivot: Some("21370132600014".into()),
        coordinates: Some(Coordinates { latitude: 47.1286, longitude: 0.9950 }),
        ..Default::default()
    };
    let mut b = a.clone();
    b.nom = "Hôtel de ville de Loches".into();
    b.adresse = "pl. de l'Hotel de Ville".into();
    b.coordinates = Some(Coordinates { latitude: 47.1287, longitude: 0.9950 });
    let s = score(&a, &b);
    let lines = maillage_dedup::explain(&s);
    assert!(lines.contains(&"noms identiques une fois normalisés".to_owned()), "{lines:?}");
    assert!(lines.contains(&"à 11 m".to_owned()), "{lines:?}");
    assert!(lines.contains(&"même SIRET".to_owned()), "{lines:?}");
    assert_eq!(decide(&s, &Thresholds::default()), Decision::Merge);

    let mut c = b.clone();
    c.commune = "Tours".into();
    c.code_postal = "37000".into();
    c.code_insee = Some("37261".into());
    let s = score(&a, &c);
    assert_eq!(s.veto, Some(Veto::DifferentCommune));
    assert_eq!(maillage_dedup::explain(&s)[0], "veto : communes différentes");
    assert_eq!(decide(&s, &Thresholds::default()), Decision::Distinct);

    let mut d = b.clone();
    d.nom = "Médiathèque de Loches".into();
    d.typologie = vec!["ML".into()];
    let s = score(&a, &d);
    assert!(matches!(s.veto, Some(Veto::IncompatibleTypology { .. })), "{s:?}");
}

#[test]
fn arrondissements_and_missing_codes() {
    let base =
        PlaceRecord { nom: "Espace Numérique".into(), adresse: "4 av de Saint-Menet".into(), ..Default::default() };
    let with = |commune: &str, postcode: &str, insee: Option<&str>| PlaceRecord {
        commune: commune.into(),
        code_postal: postcode.into(),
        code_insee: insee.map(str::to_owned),
        ..base.clone()
    };
    let arr = with("Marseille 11e", "13011", Some("13211"));
    let city = with("Marseille", "13011", Some("13055"));
    let bare = with("MARSEILLE 11", "13011", None);
    let other = with("Aubagne", "13400", Some("13005"));
    assert_eq!(score(&arr, &city).veto, None);
    assert_eq!(score(&arr, &bare).veto, None);
    assert_eq!(score(&other, &bare).veto, Some(Veto::DifferentCommune));
    // Toulouse has several postcodes: one commune.
    let t1 = with("Toulouse", "31000", None);
    let t2 = with("TOULOUSE", "31200", Some("31555"));
    assert_eq!(score(&t1, &t2).veto, None);
}

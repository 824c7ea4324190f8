//! The territory pack on real data: every commune linked to its levels, the polygons right
//! for real places, the name matching right for the spellings real files use.
//!
//! Files of the shared test data (`../shared/data/`, beside the repository) are used when
//! present; the repository's own demo file always is.
#![cfg(feature = "embedded")]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use maillage_territory::{distance_km, CodeKind, LatLon, MatchKind, PackFiles, Territory, Zone};

fn territory() -> &'static Territory {
    static T: OnceLock<Territory> = OnceLock::new();
    T.get_or_init(Territory::embedded)
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

/// A gzip'd JSON array from the shared test data, or `None` when it is not there.
fn shared_json(rel: &str) -> Option<Vec<serde_json::Value>> {
    let path = repo().join("../shared/data").join(rel);
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: {} not found", path.display());
        return None;
    };
    serde_json::from_slice(&gunzip(&bytes)).ok()
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn code_of(c: Option<&maillage_territory::Commune>) -> Option<&str> {
    c.map(|c| c.code_insee.as_str())
}

// ---------------------------------------------------------------------------------------
// Loading

#[test]
fn the_pack_holds_all_of_france() {
    let t = territory();
    assert_eq!(t.communes().len(), 34_969);
    assert_eq!(t.epcis().len(), 1_255);
    assert_eq!(t.departements().len(), 109);
    assert_eq!(t.regions().len(), 26);
    assert_eq!(t.arrondissements().len(), 45);
    let com = t.communes().iter().filter(|c| c.zone == Zone::Com).count();
    assert_eq!(com, 94);
    let with_geometry = t.communes().iter().filter(|c| t.has_geometry(&c.code_insee)).count();
    assert_eq!(with_geometry, 34_871);
    let population: u64 = t.communes().iter().map(|c| u64::from(c.population.unwrap_or(0))).sum();
    assert!(population > 68_000_000, "{population}");
}

#[test]
fn plain_files_load_like_gzip_ones() {
    let e = PackFiles::EMBEDDED;
    let (communes, epci, history, geometry) =
        (gunzip(e.communes), gunzip(e.epci), gunzip(e.history), gunzip(e.geometry));
    let plain = PackFiles { communes: &communes, epci: &epci, history: &history, geometry: &geometry, ..e };
    let t = Territory::from_pack(&plain).unwrap();
    assert_eq!(t.communes().len(), territory().communes().len());
    assert_eq!(code_of(t.commune_at(47.0822, 2.3997)), Some("18033"));
}

#[test]
fn a_damaged_pack_is_an_error_not_a_panic() {
    let e = PackFiles::EMBEDDED;
    let geometry = gunzip(e.geometry);
    for cut in [0, 10, geometry.len() / 2, geometry.len() - 1] {
        let broken = PackFiles { geometry: &geometry[..cut], ..e };
        assert!(Territory::from_pack(&broken).is_err(), "cut at {cut}");
    }
    let broken = PackFiles { epci: b"siren,nom\n1,x\n", ..e };
    let err = Territory::from_pack(&broken).unwrap_err().to_string();
    assert!(err.contains("epci") && err.contains("type"), "{err}");
    let broken = PackFiles { regions: b"code,nom,chef_lieu,zone\n11,IdF,75056,metro\n", ..e };
    assert!(Territory::from_pack(&broken).is_err());
}

// ---------------------------------------------------------------------------------------
// Levels

/// Celles, Chalinargues, Chavagnac and Sainte-Anastasie, restored in 2025 out of
/// Neussargues-Moissac (15141), whose polygon in the source still covers them: they have
/// neither polygon nor point of their own.
const RESTORED_2025: &[&str] = &["15031", "15035", "15047", "15171"];

/// The islands that form a commune alone and belong to no EPCI, by law.
const NO_EPCI: &[&str] = &["22016", "29083", "29155", "85113"];

#[test]
fn every_commune_of_metro_and_drom_has_its_levels() {
    let t = territory();
    let mut without_epci = Vec::new();
    let mut without_point = Vec::new();
    for c in t.communes().iter().filter(|c| c.zone != Zone::Com) {
        let d = t.departement_of(c).unwrap_or_else(|| panic!("{}: no département", c.code_insee));
        let r = t.region_of(c).unwrap_or_else(|| panic!("{}: no région", c.code_insee));
        assert_eq!(d.code_region, r.code, "{}", c.code_insee);
        assert_eq!(d.zone, c.zone, "{}", c.code_insee);
        match t.epci_of(c) {
            Some(e) => {
                assert!(t.epci_members(&e.siren).any(|m| m.code_insee == c.code_insee));
                assert!(e.departements.contains(&c.code_departement));
            }
            None => without_epci.push(format!("{} {}", c.code_insee, c.name)),
        }
        if c.point.is_none() {
            without_point.push(c.code_insee.as_str());
        }
        assert!(!c.postcodes.is_empty(), "{}: no postcode", c.code_insee);
    }
    let codes: Vec<&str> = without_epci.iter().map(|s| &s[..5]).collect();
    assert_eq!(codes, NO_EPCI, "{without_epci:?}");
    assert_eq!(without_point, RESTORED_2025);
}

#[test]
fn levels_list_their_members() {
    let t = territory();
    let cher: Vec<_> = t.departement_communes("18").collect();
    assert_eq!(cher.len(), 286);
    assert!(cher.iter().all(|c| c.code_departement == "18"));
    let cvl: usize = t.region_communes("24").count();
    assert_eq!(cvl, 1_754);
    let deps: Vec<&str> = t.region_departements("24").map(|d| d.code.as_str()).collect();
    assert_eq!(deps, ["18", "28", "36", "37", "41", "45"]);
    let bourges_plus = t.epci("241800507").unwrap();
    assert_eq!(bourges_plus.name, "CA Bourges Plus");
    assert_eq!(bourges_plus.kind.as_str(), "CA");
    let members: Vec<_> = t.epci_members("241800507").collect();
    assert!(members.iter().any(|c| c.code_insee == "18033"));
    let sum: u64 = members.iter().map(|c| u64::from(c.population.unwrap_or(0))).sum();
    assert_eq!(sum, bourges_plus.population);
    assert!(t.departement_epcis("18").any(|e| e.siren == "241800507"));
    assert_eq!(t.epci_members("000000000").count(), 0);
    assert_eq!(t.departement("2a").map(|d| d.name.as_str()), Some("Corse-du-Sud"));
    assert_eq!(t.region("94").map(|r| r.name.as_str()), Some("Corse"));
}

// ---------------------------------------------------------------------------------------
// Codes

#[test]
fn arrondissements_and_former_codes_resolve_to_todays_commune() {
    let t = territory();
    for (code, commune) in [("75101", "75056"), ("75112", "75056"), ("75120", "75056")] {
        let r = t.resolve_code_detail(code).unwrap();
        assert_eq!((r.commune.code_insee.as_str(), r.kind), (commune, CodeKind::Arrondissement));
    }
    assert_eq!(code_of(t.resolve_code("69381")), Some("69123"));
    assert_eq!(code_of(t.resolve_code("13216")), Some("13055"));
    // Annecy-le-Vieux, commune déléguée of Annecy since 2017.
    let r = t.resolve_code_detail("74011").unwrap();
    assert_eq!(r.commune.code_insee, "74010");
    assert_eq!(r.kind, CodeKind::CommuneDeleguee);
    assert_eq!(r.name, Some("Annecy-le-Vieux"));
    // Escaufourt (02), commune associée of Saint-Souplet, across a département border.
    let r = t.resolve_code_detail("02285").unwrap();
    assert_eq!((r.commune.code_insee.as_str(), r.kind), ("59545", CodeKind::CommuneAssociee));
    // Merged away without a déléguée: 01018 is part of Valserhône.
    let r = t.resolve_code_detail("01018").unwrap();
    assert_eq!((r.commune.code_insee.as_str(), r.kind), ("01033", CodeKind::AncienCode));
    // La Neuville-Garnier: the COG attaches it to Les Hauts-Talican, whatever anciensCodes says.
    assert_eq!(code_of(t.resolve_code("60455")), Some("60694"));
    // A commune's own code, written as spreadsheets do.
    assert_eq!(code_of(t.resolve_code("1001")), Some("01001"));
    assert_eq!(code_of(t.resolve_code(" 2a004 ")), Some("2A004"));
    assert_eq!(t.resolve_code_detail("01015").unwrap().kind, CodeKind::Commune);
    assert!(t.resolve_code("99999").is_none());
    assert!(t.commune("75112").is_none(), "an arrondissement is not a commune");
}

#[test]
fn every_code_of_the_2023_fragility_index_resolves() {
    let path = repo().join("../shared/data/indicators/ifn-communes-2023.csv.gz");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: {} not found", path.display());
        return;
    };
    let t = territory();
    let text = String::from_utf8(gunzip(&bytes)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "code").unwrap();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut unresolved = Vec::new();
    for line in lines {
        // Names may hold commas inside quotes, codes never do: read from the end.
        let fields: Vec<&str> = line.rsplitn(header.len() - col, ',').collect();
        let code = fields[fields.len() - 1].rsplit(',').next().unwrap();
        match t.resolve_code_detail(code) {
            Some(r) => *kinds.entry(format!("{:?}", r.kind)).or_default() += 1,
            None => unresolved.push(code.to_string()),
        }
    }
    eprintln!("IFN 2023 codes: {kinds:?}");
    assert!(unresolved.is_empty(), "{unresolved:?}");
    assert_eq!(kinds.values().sum::<usize>(), 35_008);
}

// ---------------------------------------------------------------------------------------
// Points

#[test]
fn representative_points_fall_in_their_commune() {
    let t = territory();
    let mut elsewhere = Vec::new();
    for c in t.communes() {
        let Some(p) = c.point else { continue };
        let found = t.commune_at(p.lat, p.lon).map(|f| f.code_insee.clone());
        if found.as_deref() != Some(c.code_insee.as_str()) {
            elsewhere.push(format!("{} {} -> {:?}", c.code_insee, c.name, found));
        }
    }
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
    for code in RESTORED_2025 {
        assert!(!t.has_geometry(code));
    }
}

#[test]
fn hand_picked_places_are_in_the_right_commune() {
    let t = territory();
    let places = [
        ("Tour Eiffel", 48.8584, 2.2945, "75056"),
        ("Cathédrale de Bourges", 47.0822, 2.3997, "18033"),
        ("Place Bellecour", 45.7578, 4.8320, "69123"),
        ("Stade Vélodrome", 43.2698, 5.3959, "13055"),
        ("Cathédrale de Strasbourg", 48.5818, 7.7509, "67482"),
        ("Citadelle d'Ajaccio", 41.9192, 8.7386, "2A004"),
        ("Fort-de-France, La Savane", 14.6010, -61.0680, "97209"),
        ("Saint-Denis de La Réunion, Barachois", -20.8780, 55.4470, "97411"),
        ("Mamoudzou", -12.7806, 45.2279, "97611"),
        ("Cayenne, place des Palmistes", 4.9380, -52.3300, "97302"),
        ("Le Havre, hôtel de ville", 49.4938, 0.1077, "76351"),
    ];
    for (what, lat, lon, code) in places {
        assert_eq!(code_of(t.commune_at(lat, lon)), Some(code), "{what}");
        assert!(t.commune_contains(code, lat, lon), "{what}");
    }
    let arr = |lat, lon| t.arrondissement_at(lat, lon).map(|a| a.code_insee.as_str());
    assert_eq!(arr(48.8584, 2.2945), Some("75107"));
    assert_eq!(arr(45.7578, 4.8320), Some("69382"));
    assert_eq!(arr(43.2698, 5.3959), Some("13208"));
    assert_eq!(arr(47.0822, 2.3997), None);
    // The Bay of Biscay, the Channel, Geneva: no French commune.
    assert!(t.commune_at(46.0, -3.0).is_none());
    assert!(t.commune_at(50.2, 0.5).is_none());
    assert!(t.commune_at(46.2044, 6.1432).is_none());
    assert!(t.commune_at(f64::NAN, 2.0).is_none());
}

#[test]
fn points_just_off_the_simplified_coast_find_the_nearest_commune() {
    let t = territory();
    // The simplified polygon of Le Mont-Saint-Michel lost the island itself.
    let (lat, lon) = (48.6361, -1.5115);
    assert!(t.commune_at(lat, lon).is_none());
    let (c, d) = t.nearest_commune(lat, lon, 2.0).unwrap();
    assert_eq!(c.code_insee, "50353");
    assert!(d > 0.0 && d < 2.0, "{d}");
    // Inside is at distance zero; far out at sea is nothing.
    let (c, d) = t.nearest_commune(47.0822, 2.3997, 2.0).unwrap();
    assert_eq!((c.code_insee.as_str(), d), ("18033", 0.0));
    assert!(t.nearest_commune(46.0, -3.0, 5.0).is_none());
}

/// Coordinates of real places against the commune their file gives: they mostly agree, and
/// where they do not, the place's point is at most a border away (geocoding to the street,
/// communes merged since, simplified polygons).
#[test]
fn real_places_fall_in_the_commune_their_file_gives() {
    let Some(rows) = shared_json("lieux/data-inclusion-lieux-2023.json.gz") else {
        return;
    };
    let t = territory();
    let (mut checked, mut agree) = (0, 0);
    let mut disagree = Vec::new();
    for r in &rows {
        let (code, lat, lon) = (text(&r["code_insee"]), &r["latitude"], &r["longitude"]);
        let (Some(lat), Some(lon)) = (lat.as_f64(), lon.as_f64()) else { continue };
        let Some(expected) = t.resolve_code(&code) else { continue };
        let Some(found) = t.commune_at(lat, lon) else { continue };
        checked += 1;
        if found.code_insee == expected.code_insee {
            agree += 1;
        } else {
            disagree.push(format!("{code} -> {}", found.code_insee));
        }
    }
    eprintln!("data·inclusion 2023: {agree}/{checked} agree; e.g. {:?}", &disagree[..disagree.len().min(10)]);
    assert!(checked > 2_500, "{checked}");
    assert!(agree as f64 >= 0.97 * checked as f64, "{agree}/{checked}");
}

// ---------------------------------------------------------------------------------------
// Search box

fn first(query: &str) -> String {
    territory().search_communes(query, 10).first().map(|c| c.code_insee.clone()).unwrap_or_default()
}

#[test]
fn search_finds_what_people_type() {
    assert_eq!(first("st etienne"), "42218");
    assert_eq!(first("saint-étienne"), "42218");
    assert_eq!(first("SAINT ETIENNE"), "42218");
    assert_eq!(first("st eti"), "42218");
    assert_eq!(first("42000"), "42218");
    assert_eq!(first("le mans"), "72181");
    assert_eq!(first("mans"), "72181");
    assert_eq!(first("le man"), "72181");
    assert_eq!(first("paris"), "75056");
    assert_eq!(first("Paris 15"), "75056");
    assert_eq!(first("marseille"), "13055");
    assert_eq!(first("aix en p"), "13001");
    assert_eq!(first("aix prov"), "13001");
    assert_eq!(first("bourges"), "18033");
    assert_eq!(first("cherbourg oct"), "50129");
    assert_eq!(first("annecy-le-v"), "74010");
    assert_eq!(first("2A004"), "2A004");
    assert_eq!(first("74011"), "74010");
    // "st" alone may be the start of Strasbourg.
    assert_eq!(first("st"), "67482");
    let t = territory();
    let bourg: Vec<&str> = t.search_communes("bourg", 10).iter().map(|c| c.code_insee.as_str()).collect();
    assert!(bourg.contains(&"18033") && bourg.contains(&"01053"), "{bourg:?}");
    // "Sai" (61) is a commune: it comes first, then the others by population.
    assert_eq!(first("sai"), "61358");
    let pops: Vec<u32> = t.search_communes("sain", 20).iter().map(|c| c.population.unwrap_or(0)).collect();
    assert!(pops.windows(2).all(|w| w[0] >= w[1]), "ranked by population: {pops:?}");
    assert_eq!(t.search_communes("sai", 20).len(), 20);
    assert!(t.search_communes("", 10).is_empty());
    assert!(t.search_communes("zzzz", 10).is_empty());
    assert!(t.search_communes("paris", 0).is_empty());
    let in_18: Vec<_> = t.search_communes("18", 5);
    assert!(in_18.iter().all(|c| c.postcodes.iter().any(|p| p.starts_with("18"))));
}

/// Words anywhere in the name, accents and case aside, ranked by population: "etienne"
/// used to find only communes whose name starts with it.
#[test]
fn search_matches_words_anywhere_in_the_name() {
    let t = territory();
    let codes =
        |query: &str| -> Vec<String> { t.search_communes(query, 10).iter().map(|c| c.code_insee.clone()).collect() };
    assert_eq!(first("etienne"), "42218");
    assert_eq!(first("ÉTIENNE"), "42218");
    assert!(codes("etienne").contains(&"76575".to_owned()), "Saint-Étienne-du-Rouvray: {:?}", codes("etienne"));
    assert_eq!(first("dore"), first("mont dore"));
    assert_eq!(first("provence"), "13001");
    // Communes named exactly so come first (Rouvray), then the others.
    let rouvray = t.search_communes("rouvray", 10);
    assert_eq!(rouvray[0].name, "Rouvray");
    assert!(rouvray.iter().any(|c| c.code_insee == "76575"), "{:?}", codes("rouvray"));
    for query in ["etienne", "sur mer"] {
        let pops: Vec<u32> = t.search_communes(query, 10).iter().map(|c| c.population.unwrap_or(0)).collect();
        assert!(pops.windows(2).all(|w| w[0] >= w[1]), "{query}: ranked by population: {pops:?}");
    }
    // Communes named exactly "Mont" (or once so) first, then by population: Montpellier.
    let mont = t.search_communes("mont", 10);
    let first_other = mont.iter().position(|c| c.population.unwrap_or(0) > 100_000).unwrap();
    assert_eq!(mont[first_other].code_insee, "34172");
    let pops: Vec<u32> = mont[first_other..].iter().map(|c| c.population.unwrap_or(0)).collect();
    assert!(pops.windows(2).all(|w| w[0] >= w[1]), "mont: {pops:?}");
}

#[test]
fn exact_names_come_before_more_populous_prefixes() {
    // Bourg (33) is tiny, but it is what "bourg" names exactly.
    assert_eq!(first("bourg"), "33067");
    // Homonyms: the most populous first.
    let t = territory();
    let sd: Vec<&str> = t.search_communes("saint-denis", 3).iter().map(|c| c.code_insee.as_str()).collect();
    assert_eq!(sd[..2], ["97411", "93066"]);
}

// ---------------------------------------------------------------------------------------
// Importer

#[test]
fn file_spellings_find_their_commune() {
    let t = territory();
    let cases = [
        ("13011", "MARSEILLE 11", "13055", MatchKind::Exact),
        ("42000", "ST ETIENNE", "42218", MatchKind::Exact),
        ("23800", "Dun Le Palestel", "23075", MatchKind::Exact),
        ("18000", "BOURGES", "18033", MatchKind::Exact),
        ("13090", "Aix en Provence", "13001", MatchKind::Exact),
        ("75015", "PARIS 15EME", "75056", MatchKind::Exact),
        ("69003", "Lyon 3e arrondissement", "69123", MatchKind::Exact),
        ("13001", "Marseille 1er Arrondissement", "13055", MatchKind::Exact),
        ("72000", "MANS (LE)", "72181", MatchKind::Exact),
        ("72000", "Mans", "72181", MatchKind::Exact),
        ("97400", "SAINT DENIS", "97411", MatchKind::Exact),
        ("93200", "Saint-Denis", "93066", MatchKind::Exact),
        ("1000", "BOURG EN BRESSE", "01053", MatchKind::Exact),
        ("74940", "Annecy-le-Vieux", "74010", MatchKind::FormerName),
        ("69110", "STE FOY LES LYON", "69202", MatchKind::Exact),
        ("69110", "Sainte Foy Lyon", "69202", MatchKind::Loose),
        ("18020", "BOURGES CEDEX", "18033", MatchKind::SameDepartement),
        ("18000", "BOURGE", "18033", MatchKind::Fuzzy),
        ("04600", "Saint-Auban", "04049", MatchKind::Fuzzy),
        ("97355", "TONATE-MACOURIA", "97305", MatchKind::Fuzzy),
        ("97491", "SAINT-DENIS BP 40064", "97411", MatchKind::SameDepartement),
        ("45000", "ORLEANS", "45234", MatchKind::Exact),
        ("", "Châteauroux", "36044", MatchKind::Loose),
        ("36000", "", "36044", MatchKind::PostcodeOnly),
    ];
    for (pc, name, code, kind) in cases {
        let m = t.match_commune(pc, name).unwrap_or_else(|| panic!("{pc} {name}: no match"));
        assert_eq!((m.commune.code_insee.as_str(), m.kind), (code, kind), "{pc} {name}");
    }
    // Homonyms without a postcode, and names nowhere near the postcode, stay unmatched.
    assert!(t.find_commune_by_name("", "Saint-Denis").is_none());
    assert!(t.find_commune_by_name("18000", "Brest").is_none());
    assert!(t.find_commune_by_name("23800", "").is_none());
}

/// Every (postcode, commune) of a real file, against the INSEE code the file also gives.
fn check_file_names(what: &str, rows: &[(String, String, String)], min_rate: f64) {
    let t = territory();
    let (mut checked, mut right, mut wrong, mut none) = (0usize, 0usize, Vec::new(), Vec::new());
    for (pc, name, code) in rows {
        let Some(expected) = t.resolve_code(code) else { continue };
        checked += 1;
        match t.find_commune_by_name(pc, name) {
            Some(c) if c.code_insee == expected.code_insee => right += 1,
            Some(c) => wrong.push(format!("{pc} {name} -> {} (file: {code})", c.code_insee)),
            None => none.push(format!("{pc} {name} (file: {code})")),
        }
    }
    eprintln!(
        "{what}: {right}/{checked} right, {} wrong {:?}, {} unmatched {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)],
        none.len(),
        &none[..none.len().min(10)]
    );
    assert!(checked > 0);
    assert!(right as f64 >= min_rate * checked as f64, "{what}: {right}/{checked}");
}

#[test]
fn real_files_names_resolve() {
    if let Some(rows) = shared_json("lieux/data-inclusion-lieux-2023.json.gz") {
        let rows: Vec<_> =
            rows.iter().map(|r| (text(&r["code_postal"]), text(&r["commune"]), text(&r["code_insee"]))).collect();
        check_file_names("data·inclusion 2023", &rows, 0.97);
    }
    if let Some(rows) = shared_json("lieux/le-havre-2024.json.gz") {
        let rows: Vec<_> =
            rows.iter().map(|r| (text(&r["code_postal"]), text(&r["commune"]), text(&r["code_insee"]))).collect();
        check_file_names("Le Havre 2024", &rows, 1.0);
    }
}

#[test]
fn the_demo_file_places_resolve() {
    let bytes = std::fs::read(repo().join("data/demo/hub-lo-2023.json.gz")).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&gunzip(&bytes)).unwrap();
    let t = territory();
    let (mut by_name, mut by_point, mut both_agree, mut far, mut epci_found) = (0, 0, 0, 0, 0);
    let mut epci_missed: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        let named = t.find_commune_by_name(&text(&r["c_postcode"]), &text(&r["c_city"]));
        let (lat, lon) = (r["c_lat_coor1"].as_f64(), r["c_long_coor1"].as_f64());
        let located = lat.zip(lon).and_then(|(lat, lon)| t.commune_at(lat, lon));
        by_name += usize::from(named.is_some());
        by_point += usize::from(located.is_some());
        if let (Some(a), Some(b)) = (named, located) {
            both_agree += usize::from(a.code_insee == b.code_insee);
            let d = distance_km(a.point.unwrap(), LatLon::new(lat.unwrap(), lon.unwrap()));
            far += usize::from(d > 50.0);
        }
        let epci = text(&r["c_epci"]);
        let hint = named.map(|c| c.code_departement.as_str());
        match t.find_epci_by_name(&epci, hint) {
            Some(e) => {
                epci_found += 1;
                if let Some(c) = named {
                    // A 2023 EPCI may have merged since: only check the département.
                    assert!(e.departements.contains(&c.code_departement), "{epci} for {}", c.name);
                }
            }
            None => *epci_missed.entry(epci).or_default() += 1,
        }
    }
    eprintln!(
        "hub-lo: {} rows, {by_name} by name, {by_point} by point, {both_agree} agree, \
         {far} points over 50 km from the commune named, {epci_found} EPCI found, \
         missed {epci_missed:?}",
        rows.len()
    );
    assert_eq!(rows.len(), 426);
    assert!(by_name >= 420, "{by_name}");
    assert!(by_point >= 420, "{by_point}");
    // The file's own coordinates are wrong for a tenth of its places (geocoded in another
    // town, sometimes hundreds of km away): name and point agree for the rest.
    assert!(both_agree >= 375, "{both_agree}");
    // Three of its EPCI names are from before mergers and renamings, and 7 rows say
    // "Inconnu".
    assert!(epci_found >= 413, "{epci_found}");
}

#[test]
fn epci_names_are_found_however_written() {
    let t = territory();
    let siren = |name: &str, hint: Option<&str>| t.find_epci_by_name(name, hint).map(|e| e.siren.clone());
    let cases = [
        ("CA Bourges Plus", Some("18"), "241800507"),
        ("Communauté d'agglomération Bourges Plus", None, "241800507"),
        ("Bourges Plus", None, "241800507"),
        ("CC du Pays de Salars", Some("12"), "241200658"),
        ("Communauté de communes du Pays de Salars", None, "241200658"),
        ("CdC Pays de Salars", None, "241200658"),
        ("Métropole du Grand Paris", None, "200054781"),
        ("METROPOLE DE LYON", None, "200046977"),
        ("CC de l'Est Lyonnais", Some("69"), "246900575"),
        ("CCEL", None, "246900575"),
        ("CC Coeur de France", Some("18"), "200036135"),
        ("CC Cœur de France", Some("18"), "200036135"),
        ("CC Touraine Vallee de l Indre", Some("37"), "200072650"),
    ];
    for (name, hint, expected) in cases {
        assert_eq!(siren(name, hint).as_deref(), Some(expected), "{name}");
    }
    assert_eq!(siren("Communauté de communes", None), None);
    assert_eq!(siren("", None), None);
    assert_eq!(siren("Inconnu", None), None);
}

// ---------------------------------------------------------------------------------------
// Geometry out

#[test]
fn polygons_come_out_as_geojson_with_sensible_areas() {
    let t = territory();
    let mp = t.commune_geometry("18033").unwrap();
    assert!(mp.iter().flatten().all(|ring| ring.len() >= 4 && ring.first() == ring.last()));
    let [lon, lat] = mp[0][0][0];
    assert!((2.2..2.6).contains(&lon) && (47.0..47.2).contains(&lat));
    let paris = t.commune_area_km2("75056").unwrap();
    assert!((paris - 105.2).abs() < 1.0, "{paris}");
    let arles = t.commune_area_km2("13004").unwrap();
    assert!((arles - 758.0).abs() < 15.0, "{arles}");
    let arr_sum: f64 = t
        .arrondissements()
        .iter()
        .filter(|a| a.code_commune == "75056")
        .filter_map(|a| t.arrondissement_geometry(&a.code_insee))
        .count() as f64;
    assert_eq!(arr_sum, 20.0);
    assert!(t.commune_geometry("97501").is_none(), "the COM have no polygon");
    assert!(t.commune_area_km2("99999").is_none());
}

#[test]
fn distances_are_great_circle_km() {
    let t = territory();
    let p = |code: &str| t.commune(code).unwrap().point.unwrap();
    let d = distance_km(p("75056"), p("13055"));
    assert!((d - 661.0).abs() < 10.0, "Paris–Marseille {d}");
}

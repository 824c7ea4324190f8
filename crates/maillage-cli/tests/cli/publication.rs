//! The hub's open data through the binary: the data·inclusion export validated by the schema's
//! own package (`scripts/data-inclusion-check`, a Python venv under target/).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::{fixture, import, maillage, repo, stderr, stdout, temp_db};

/// Runs the data·inclusion schema's package on files; `None` when Python is absent (said on
/// the test's output), else whether they are valid and what it printed.
fn data_inclusion_check(files: &[&Path]) -> Option<(bool, String)> {
    let output = Command::new(repo().join("scripts/data-inclusion-check"))
        .args(files)
        .env("CARGO_TARGET_DIR", repo().join("target"))
        .output()
        .expect("the check script runs");
    if output.status.code() == Some(3) {
        eprintln!("IGNORÉ : python3 absent, fichiers data·inclusion non vérifiés par le schéma");
        return None;
    }
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Some((output.status.success(), text))
}

#[test]
fn data_inclusion_files_pass_the_schema_package() {
    let (dir, db) = temp_db();
    for name in ["data-inclusion-lieux-2023.json.gz", "mednum-hub-antilles-2023.json.gz", "le-havre-2024.json.gz"] {
        import(&db, &[fixture(name).to_str().unwrap()]);
    }
    let mapping = repo().join("mappings/hub-lo.toml");
    import(
        &db,
        &[repo().join("data/demo/hub-lo-2023.json.gz").to_str().unwrap(), "--mapping", mapping.to_str().unwrap()],
    );
    let folder = dir.path().join("di");
    let output = Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(&db)
        .args(["--no-demo", "export", "--format", "data-inclusion", "--out", folder.to_str().unwrap()])
        .env("MAILLAGE_PRODUCTEUR", "hub-lo")
        .env("MAILLAGE_BASE_URL", "https://hub.example")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let structures_path = folder.join("structures.json");
    let services_path = folder.join("services.json");
    let structures: Vec<Value> = serde_json::from_slice(&std::fs::read(&structures_path).unwrap()).unwrap();
    let services: Vec<Value> = serde_json::from_slice(&std::fs::read(&services_path).unwrap()).unwrap();
    let places: usize = stdout(&maillage(&db, &["places"])).lines().filter(|line| !line.trim().is_empty()).count();
    assert!(structures.len() > 4000 && structures.len() <= places, "{} structures, {places} lieux", structures.len());
    assert!(services.len() > structures.len(), "{} services", services.len());
    // Every service names a structure of the file, with the producer's prefix.
    let ids: std::collections::HashSet<&str> = structures.iter().map(|s| s["id"].as_str().unwrap()).collect();
    for service in &services {
        assert!(ids.contains(service["structure_id"].as_str().unwrap()), "{service}");
        assert_eq!(service["source"], "hub-lo");
        assert!(service.get("contact_nom_prenom").is_none());
    }
    assert!(structures[0]["lien_source"].as_str().unwrap().starts_with("https://hub.example/lieux/"));
    if let Some((valid, text)) = data_inclusion_check(&[&structures_path, &services_path]) {
        assert!(valid, "{}", text.lines().take(40).collect::<Vec<_>>().join("\n"));
        assert!(text.contains("\"valide\": true"), "{text}");
    }
    // A record the schema refuses is caught: the check is not blind.
    let broken = dir.path().join("broken.json");
    let mut first = services[0].clone();
    first["publics"] = serde_json::json!(["tous-publics", "jeunes"]);
    first["thematiques"] = serde_json::json!(["numerique--inconnue"]);
    std::fs::write(&broken, serde_json::to_vec(&vec![first]).unwrap()).unwrap();
    if let Some((valid, text)) = data_inclusion_check(&[&broken]) {
        assert!(!valid, "{text}");
        assert!(text.contains("publics") && text.contains("thematiques"), "{text}");
    }
}

#[test]
fn data_inclusion_export_needs_a_folder_and_a_clean_producer() {
    let (_dir, db) = temp_db();
    let output = maillage(&db, &["export", "--format", "data-inclusion"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--out"), "{}", stderr(&output));
    let output = Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(&db)
        .args(["--no-demo", "export", "--format", "data-inclusion-structures"])
        .env("MAILLAGE_PRODUCTEUR", "Hub Lo!")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("MAILLAGE_PRODUCTEUR"), "{}", stderr(&output));
}

/// `maillage publish` on the demo hub: the standard's names, files the standard's schema and
/// data·inclusion's package accept, a manifest whose hashes are the files', a catalogue.
#[test]
fn publish_writes_the_open_data_folder() {
    let (dir, db) = super::demo_db();
    let folder = dir.path().join("publication");
    let output = Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(&db)
        .args(["publish", "--dir", folder.to_str().unwrap()])
        .env("MAILLAGE_PRODUCTEUR", "hub-lo")
        .env("MAILLAGE_BASE_URL", "https://hub.example")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("lieux publiés"), "{}", stderr(&output));
    let manifest: Value = serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    let date = manifest["date"].as_str().unwrap().replace('-', "");
    let files = manifest["fichiers"].as_array().unwrap();
    assert_eq!(files.len(), 6);
    for file in files {
        let name = file["fichier"].as_str().unwrap();
        assert!(name.starts_with(&format!("{date}-hub-lo-")), "{name}");
        let bytes = std::fs::read(folder.join(name)).unwrap();
        use sha2::Digest;
        let digest: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(file["sha256"], digest.as_str(), "{name}");
        assert_eq!(file["octets"].as_u64(), Some(bytes.len() as u64));
    }
    let places = manifest["lieux"].as_u64().unwrap();
    assert!(places > 400, "{manifest}");
    let csv = folder.join(format!("{date}-hub-lo-lieux-de-mediation-numerique.csv"));
    let json = folder.join(format!("{date}-hub-lo-lieux-de-mediation-numerique.json"));
    for file in [&csv, &json] {
        let validation = maillage(&db, &["validate", file.to_str().unwrap()]);
        assert!(validation.status.success(), "{}: {}", file.display(), stdout(&validation));
    }
    let structures = folder.join(format!("{date}-hub-lo-data-inclusion-structures.json"));
    let services = folder.join(format!("{date}-hub-lo-data-inclusion-services.json"));
    if let Some((valid, text)) = data_inclusion_check(&[&structures, &services]) {
        assert!(valid, "{}", text.lines().take(40).collect::<Vec<_>>().join("\n"));
    }
    let catalog: Value = serde_json::from_slice(&std::fs::read(folder.join("catalog.json")).unwrap()).unwrap();
    assert_eq!(catalog["dcat:dataset"].as_array().unwrap().len(), 3);
    assert!(catalog.to_string().contains("https://hub.example/donnees/lieux-de-mediation-numerique.csv"));
    // No temporary file is left behind.
    let leftovers: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Without a folder: a clear message, nothing written.
    let output = maillage(&db, &["publish"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("MAILLAGE_PUBLICATION_DIR"), "{}", stderr(&output));
}

/// A GIS client (OWSLib) reads the OGC API of a running server on the demo hub: collections,
/// places in the Cher's box with a filter, paging, one item, bassins, coverage.
#[test]
fn owslib_reads_the_ogc_api() {
    let (_dir, db) = super::demo_db();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while ureq::get(&format!("{base}/api/v1/sante")).call().is_err() {
        assert!(std::time::Instant::now() < deadline, "the server did not answer");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let output = Command::new(repo().join("scripts/ogc-check"))
        .arg(format!("{base}/ogc"))
        .env("CARGO_TARGET_DIR", repo().join("target"))
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    if output.status.code() == Some(3) {
        eprintln!("IGNORÉ : python3 absent, OGC API non lue par OWSLib");
        return;
    }
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    let read: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(read["bassins"].as_u64(), Some(23), "{read}");
    assert!(read["lieux_cher_demarches"].as_u64().unwrap() > 5, "{read}");
}

/// Serves one file over HTTP on a local port, to as many requests as come: (address, server).
fn serve_file(bytes: Vec<u8>) -> String {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", bytes.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&bytes));
        }
    });
    address
}

/// The national map's file, served by a local HTTP server (the CnFS national file kept in
/// `data/fixtures/`), pulled for the demo hub's départements: only their places are imported,
/// as their own source, and reconciled with the hub's through the duplicates engine; pulling
/// the same file again changes nothing.
#[test]
fn the_national_map_is_pulled_for_the_hubs_departements() {
    let (_dir, db) = super::demo_db();
    let url = format!("{}/cnfs.json.gz", serve_file(std::fs::read(fixture("cnfs-lieux-2022-12.json.gz")).unwrap()));
    let output = maillage(&db, &["national", "--url", &url]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let numbers = |prefix: &str| -> Vec<u64> {
        let line = text.lines().find(|line| line.starts_with(prefix)).unwrap_or_else(|| panic!("{text}"));
        line.split(|c: char| !c.is_ascii_digit()).filter(|part| !part.is_empty()).map(|n| n.parse().unwrap()).collect()
    };
    let [read, kept] = numbers("Carte nationale")[..] else { panic!("{text}") };
    assert!(read > 4000 && kept > 50 && kept < read / 5, "{text}");
    let imported = numbers("Import");
    assert_eq!(imported[0] + imported[3], kept, "created + rejected = kept: {text}");
    let reconciled = numbers("Rapprochement");
    assert!(reconciled[0] + reconciled[1] > 0, "some national places are the hub's: {text}");
    assert!(reconciled[2] > 0 && reconciled[2] < imported[0], "some are not: {text}");
    // Every imported place is in one of the hub's départements.
    let places = stdout(&maillage(&db, &["places", "--source", "carte-nationale"]));
    assert!(places.lines().count() as u64 >= imported[0], "{places}");
    let again = maillage(&db, &["national", "--url", &url]);
    assert!(again.status.success(), "{}", stderr(&again));
    let second = stdout(&again);
    let line = second.lines().find(|line| line.starts_with("Import")).unwrap();
    assert!(line.contains(" 0 créés, 0 mis à jour") && line.contains("0 retirés"), "{second}");
    // Off by default: no address, a clear message.
    let output = maillage(&db, &["national"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("MAILLAGE_CARTE_NATIONALE_URL"), "{}", stderr(&output));
}

//! `maillage accounts` through the binary: the first administrator, and only one that way.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn maillage(db: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("MAILLAGE_ADMIN_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_first_administrator_is_created_once_without_the_demo_data() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("hub.db");
    let password = "un mot de passe assez long\n";
    let short = maillage(&db, &["accounts", "admin", "--courriel", "a@hub.example", "--nom", "A"], "court\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 caractères"));

    let created = maillage(&db, &["accounts", "admin", "--courriel", "Admin@Hub.example", "--nom", "Admin"], password);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("Administrateur créé : Admin (admin@hub.example)."));
    // The password never appears in what the command prints.
    let printed = format!("{}{}", String::from_utf8_lossy(&created.stdout), String::from_utf8_lossy(&created.stderr));
    assert!(!printed.contains("assez long"));

    let second = maillage(&db, &["accounts", "admin", "--courriel", "b@hub.example", "--nom", "B"], password);
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("déjà un administrateur"));

    let list = maillage(&db, &["accounts", "list"], "");
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.contains("administrateur\tactif\tadmin@hub.example"), "{list}");
    let places = maillage(&db, &["--no-demo", "places"], "");
    assert!(String::from_utf8_lossy(&places.stdout).trim().is_empty(), "no demo data was loaded");
}

//! The dependency rules of `ARCHITECTURE.md`, as data, checked against what Cargo resolves.
//!
//! The table is the single place a new crate is declared: a workspace crate missing from it
//! fails the test, so adding a crate means deciding where it sits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Each workspace crate and the workspace crates it may depend on (normal and build
/// dependencies; tests may use more, e.g. a concrete store backend to run a use case).
const ALLOWED: &[(&str, &[&str])] = &[
    ("maillage-domain", &[]),
    ("maillage-territory", &[]),
    ("maillage-formats", &["maillage-domain"]),
    ("maillage-documents", &[]),
    ("maillage-dedup", &["maillage-domain"]),
    ("maillage-coverage", &["maillage-domain", "maillage-territory"]),
    ("maillage-store", &["maillage-domain"]),
    ("maillage-store-sqlite", &["maillage-domain", "maillage-store"]),
    ("maillage-store-postgres", &["maillage-domain", "maillage-store"]),
    (
        "maillage-app",
        &[
            "maillage-domain",
            "maillage-formats",
            "maillage-territory",
            "maillage-coverage",
            "maillage-dedup",
            "maillage-documents",
            "maillage-store",
        ],
    ),
    ("maillage-mail", &["maillage-app", "maillage-store"]),
    (
        "maillage-web",
        &[
            "maillage-domain",
            "maillage-formats",
            "maillage-territory",
            "maillage-coverage",
            "maillage-documents",
            "maillage-store",
            "maillage-app",
            "maillage-mail",
        ],
    ),
    (
        "maillage-cli",
        &[
            "maillage-domain",
            "maillage-formats",
            "maillage-territory",
            "maillage-coverage",
            "maillage-dedup",
            "maillage-documents",
            "maillage-store",
            "maillage-store-sqlite",
            "maillage-store-postgres",
            "maillage-app",
            "maillage-mail",
            "maillage-web",
        ],
    ),
    ("xtask", &[]),
];

/// Crates that do no IO: their whole dependency tree (not only their direct dependencies)
/// must stay free of the crates in [`IO_CRATES`].
const PURE: &[&str] = &[
    "maillage-domain",
    "maillage-territory",
    "maillage-formats",
    "maillage-documents",
    "maillage-dedup",
    "maillage-coverage",
    "maillage-store",
];

/// Crates that reach a network, a database, an async runtime or a mail server.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "hyper",
    "axum",
    "tower",
    "tower-http",
    "rusqlite",
    "postgres",
    "lettre",
    "ureq",
    "reqwest",
    "socket2",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace root").to_path_buf()
}

/// The machine's own target triple: the graph is resolved for it only, so that crates of other
/// platforms (never built here) need not be downloaded.
fn host() -> String {
    let output = Command::new("rustc").arg("-vV").output().expect("rustc runs");
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines().find_map(|line| line.strip_prefix("host: ")).expect("rustc -vV names the host").to_string()
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--filter-platform", &host()])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// The workspace's packages by name, with their id and manifest path.
fn members(meta: &Value) -> BTreeMap<String, (String, PathBuf)> {
    let ids: BTreeSet<&str> =
        meta["workspace_members"].as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| ids.contains(p["id"].as_str().unwrap()))
        .map(|p| {
            let name = p["name"].as_str().unwrap().to_string();
            (name, (p["id"].as_str().unwrap().to_string(), PathBuf::from(p["manifest_path"].as_str().unwrap())))
        })
        .collect()
}

/// The resolved graph: package id → (name, ids of its normal and build dependencies).
fn resolved(meta: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            let id = node["id"].as_str().unwrap();
            let deps = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dep| {
                    dep["dep_kinds"].as_array().unwrap().iter().any(|kind| kind["kind"].as_str() != Some("dev"))
                })
                .map(|dep| dep["pkg"].as_str().unwrap().to_string())
                .collect();
            (id.to_string(), (names[id].to_string(), deps))
        })
        .collect()
}

#[test]
fn every_crate_depends_only_on_what_the_architecture_allows() {
    let meta = metadata();
    let members = members(&meta);
    let graph = resolved(&meta);
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut broken = Vec::new();
    for (name, (id, _)) in &members {
        let Some(may) = allowed.get(name.as_str()) else {
            broken.push(format!("{name} is not in the dependency table of xtask/src/tidy.rs and ARCHITECTURE.md"));
            continue;
        };
        for dep in &graph[id].1 {
            let dep_name = &graph[dep].0;
            if members.contains_key(dep_name) && !may.contains(&dep_name.as_str()) {
                broken.push(format!("{name} depends on {dep_name}, which ARCHITECTURE.md forbids"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn pure_crates_reach_no_io_crate_even_indirectly() {
    let meta = metadata();
    let members = members(&meta);
    let graph = resolved(&meta);
    let mut broken = Vec::new();
    for pure in PURE {
        let (id, _) = &members[*pure];
        let mut seen = BTreeSet::new();
        let mut stack = vec![(id.clone(), vec![pure.to_string()])];
        while let Some((at, path)) = stack.pop() {
            for dep in &graph[&at].1 {
                let dep_name = &graph[dep].0;
                if !seen.insert(dep.clone()) {
                    continue;
                }
                let mut path = path.clone();
                path.push(dep_name.clone());
                if IO_CRATES.contains(&dep_name.as_str()) {
                    broken.push(format!("{pure} is pure but reaches {dep_name}: {}", path.join(" → ")));
                } else {
                    stack.push((dep.clone(), path));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn every_crate_inherits_the_workspace_lints_and_says_its_role() {
    let meta = metadata();
    let mut broken = Vec::new();
    for (name, (_, manifest)) in members(&meta) {
        let text = std::fs::read_to_string(&manifest).unwrap();
        if !text.lines().any(|line| line.trim() == "[lints]") || !text.contains("workspace = true") {
            broken.push(format!("{name}: Cargo.toml lacks `[lints] workspace = true`"));
        }
        let dir = manifest.parent().unwrap();
        for root in ["src/lib.rs", "src/main.rs"] {
            let path = dir.join(root);
            if let Ok(source) = std::fs::read_to_string(&path) {
                if !source.trim_start().starts_with("//!") {
                    broken.push(format!("{name}: {root} does not start with a comment giving the crate's role"));
                }
            }
        }
    }
    let root = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    if !root.contains("unsafe_code = \"forbid\"") {
        broken.push("the workspace's Cargo.toml no longer forbids unsafe code".into());
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// Crates that may read the environment: the binary, which reads its configuration once and
/// passes it down, and this crate.
const READS_ENVIRONMENT: &[&str] = &["maillage-cli", "xtask"];

#[test]
fn only_the_binary_reads_the_environment() {
    let meta = metadata();
    let mut broken = Vec::new();
    for (name, (_, manifest)) in members(&meta) {
        if READS_ENVIRONMENT.contains(&name.as_str()) {
            continue;
        }
        let mut stack = vec![manifest.parent().unwrap().join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    let source = std::fs::read_to_string(&path).unwrap();
                    // Unit tests sit at the end of a file after `#[cfg(test)]` and may read
                    // the test server's address.
                    let lines = source.lines().take_while(|line| line.trim() != "#[cfg(test)]");
                    for (number, line) in lines.enumerate() {
                        if ["env::var(", "env::var_os(", "env::vars("].iter().any(|call| line.contains(call)) {
                            broken.push(format!("{}:{}: reads the environment", path.display(), number + 1));
                        }
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "configuration is read by the binary only:\n{}", broken.join("\n"));
}

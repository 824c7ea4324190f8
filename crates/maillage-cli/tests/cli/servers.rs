//! `maillage serve` processes on one database, driven over HTTP as a browser would: a change
//! made through one server is seen through another within the directory's sync interval;
//! concurrent edits of one place never overwrite each other silently; a server killed in the
//! middle of edits leaves every place in a version that was whole when committed.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{fixture, import, maillage, stdout, temp_db, ThrowawayPostgres};

const PASSWORD: &str = "un mot de passe de test assez long";
const ADMIN: &str = "admin@hub.example";
/// How often each server refreshes its in-memory directory from the database.
const SYNC_SECONDS: &str = "0.5";

/// A port free on the loopback interface when asked.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `maillage serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &Path) -> Server {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_maillage"));
        command
            .arg("--db")
            .arg(db)
            .args(["--no-demo", "serve", "--addr", &format!("127.0.0.1:{port}"), "--sync-interval", SYNC_SECONDS])
            .env("RUST_LOG", "warn");
        Server::spawn(command, port)
    }

    /// Spawns `command`, a `maillage serve` listening on `port`, and waits until it answers.
    fn spawn(mut command: Command, port: u16) -> Server {
        let child = command
            .stdout(Stdio::null())
            // Kept for `stop`, which reads it; a few warnings at most, never enough to block.
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if Browser::new(&server.base).get("/api/v1/sante").0 == 200 {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server at {} did not answer", server.base);
    }

    /// SIGTERM, as a service manager stops it: requests in flight finish, then a clean exit.
    /// Returns whether it exited successfully, and what it wrote on stderr.
    fn stop(mut self) -> (bool, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        (self.child.wait().unwrap().success(), stderr)
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser for one server: keeps its cookies, does not follow redirects.
struct Browser {
    agent: ureq::Agent,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        Browser { agent: config.into(), base: base.to_owned(), cookies: BTreeMap::new() }
    }

    /// The same person (same cookies) on another server.
    fn on(&self, base: &str) -> Browser {
        Browser { cookies: self.cookies.clone(), ..Browser::new(base) }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, response: ureq::http::Response<ureq::Body>) -> (u16, String) {
        for value in response.headers().get_all("set-cookie") {
            if let Some((name, rest)) = value.to_str().unwrap_or_default().split_once('=') {
                let value = rest.split(';').next().unwrap_or_default();
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let body = response.into_body().read_to_string().unwrap_or_default();
        (status, body)
    }

    fn get(&mut self, path: &str) -> (u16, String) {
        let response = self.agent.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).call();
        match response {
            Ok(response) => self.keep(response),
            Err(_) => (0, String::new()),
        }
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send_form(form.iter().copied());
        match response {
            Ok(response) => self.keep(response),
            Err(_) => (0, String::new()),
        }
    }

    /// A form with a file field, as the branding page sends it (no file chosen here).
    fn post_multipart(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let boundary = "maillage-test-boundary";
        let mut body = String::new();
        for (name, value) in form {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .send(body.as_bytes());
        match response {
            Ok(response) => self.keep(response),
            Err(_) => (0, String::new()),
        }
    }

    fn sign_in(&mut self) {
        let (_, page) = self.get("/connexion");
        let csrf = hidden(&page, "_csrf");
        let (status, body) =
            self.post("/connexion", &[("_csrf", &csrf), ("courriel", ADMIN), ("mot_de_passe", PASSWORD)]);
        assert_eq!(status, 303, "sign-in refused: {body}");
    }

    /// Opens the edit form of a place, then posts it with these values, naming the version the
    /// form showed (or `version` when given: a form opened earlier).
    fn edit(&mut self, id: &str, version: Option<&str>, values: &[(&str, &str)]) -> (u16, String) {
        let (status, form) = self.get(&format!("/admin/lieux/{id}/modifier"));
        if status != 200 {
            return (status, form);
        }
        let csrf = hidden(&form, "_csrf");
        let shown = hidden(&form, "version");
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("version", version.unwrap_or(&shown))];
        fields.extend_from_slice(values);
        self.post(&format!("/admin/lieux/{id}/modifier"), &fields)
    }
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no field {name} in the page")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

/// A registry with Le Havre's 79 places and its first administrator.
fn hub(db: &Path) {
    import(db, &[fixture("le-havre-2024.json.gz").to_str().unwrap(), "--source", "havre"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(db)
        .args(["--no-demo", "accounts", "admin", "--courriel", ADMIN, "--nom", "Admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn place_ids(server: &Server, count: usize) -> Vec<String> {
    let (_, body) = Browser::new(&server.base).get(&format!("/api/v1/lieux?limite={count}&tri=nom"));
    let list: Value = serde_json::from_str(&body).unwrap();
    list["lieux"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
}

/// The place as the public API of `server` shows it: (nom, adresse, version).
fn public_place(server: &Server, id: &str) -> (String, String, u64) {
    let (_, body) = Browser::new(&server.base).get(&format!("/api/v1/lieux/{id}"));
    let place: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    (
        place["lieu"]["nom"].as_str().unwrap_or_default().to_owned(),
        place["lieu"]["adresse"].as_str().unwrap_or_default().to_owned(),
        place["registre"]["version"].as_u64().unwrap_or(0),
    )
}

fn values<'a>(nom: &'a str, adresse: &'a str) -> [(&'a str, &'a str); 4] {
    [("nom", nom), ("adresse", adresse), ("commune", "Le Havre"), ("code_postal", "76600")]
}

#[test]
fn two_servers_on_one_postgres_stay_consistent() {
    let Some(database) = ThrowawayPostgres::create("two_servers") else { return };
    hub(&database.url);
    let (first, second) = (Server::start(&database.url), Server::start(&database.url));
    let id = place_ids(&first, 1).remove(0);
    let mut alice = Browser::new(&first.base);
    alice.sign_in();
    // Sessions live in the database: the same person is signed in on the other server too.
    let mut bob = alice.on(&second.base);

    // Both open the edit form at the same version.
    let (_, form) = bob.get(&format!("/admin/lieux/{id}/modifier"));
    let stale_version = hidden(&form, "version");

    // A change through the first server shows through the second within the sync interval.
    let written = Instant::now();
    let (status, body) = alice.edit(&id, None, &values("Médiathèque Oscar Niemeyer", "2 place Niemeyer"));
    assert_eq!(status, 200, "{body}");
    let seen = loop {
        if public_place(&second, &id).0 == "Médiathèque Oscar Niemeyer" {
            break written.elapsed();
        }
        assert!(written.elapsed() < Duration::from_secs(10), "the second server never showed the change");
        std::thread::sleep(Duration::from_millis(25));
    };
    eprintln!("change visible through the other server after {} ms", seen.as_millis());
    assert!(seen < Duration::from_secs(3), "visible after {seen:?}, more than the documented bound");

    // The second writer, whose form showed the old version, gets a conflict, not a lost update.
    let (status, body) = bob.edit(&id, Some(&stale_version), &values("Bibliothèque écrasée", "1 rue Perdue"));
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("modifié"), "the conflict is explained: {body}");
    std::thread::sleep(Duration::from_secs(1));
    for server in [&first, &second] {
        assert_eq!(public_place(server, &id).0, "Médiathèque Oscar Niemeyer");
    }
    // Reloading the form gives the current version, and then the edit goes through.
    let (status, _) = bob.edit(&id, None, &values("Bibliothèque Oscar Niemeyer", "2 place Niemeyer"));
    assert_eq!(status, 200);
    let history = stdout(&maillage(&database.url, &["show", &id]));
    assert_eq!(history.lines().filter(|l| l.trim_start().starts_with('v')).count(), 3, "{history}");
    // The branding set through one server reaches the other's pages too.
    let (_, page) = alice.get("/admin/marque");
    let csrf = hidden(&page, "_csrf");
    let (status, body) = alice
        .post_multipart("/admin/marque", &[("_csrf", &csrf), ("nom", "Hub des Deux Serveurs"), ("couleur", "#005a9c")]);
    assert!(status == 200 || status == 303, "{status}: {body}");
    let written = Instant::now();
    while !Browser::new(&second.base).get("/").1.contains("Hub des Deux Serveurs") {
        assert!(written.elapsed() < Duration::from_secs(20), "the second server never showed the new branding");
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("branding visible through the other server after {} ms", written.elapsed().as_millis());

    // Stopped as a service manager does, each server exits cleanly (its pooled connections
    // closed outside the async runtime).
    for server in [first, second] {
        let (success, stderr) = server.stop();
        assert!(success && !stderr.contains("panicked"), "{stderr}");
    }
}

/// Several people edit places through one server; it is killed (SIGKILL) mid-way, restarted,
/// and every place holds a whole version: the name and address written together, a version
/// number that counts every committed edit (at least those acknowledged), a history without
/// gaps.
fn kill_during_edits(db: &Path) {
    hub(db);
    let server = Server::start(db);
    let ids = place_ids(&server, 4);
    let mut browser = Browser::new(&server.base);
    browser.sign_in();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_millis() as u64;
    let kill_after = Duration::from_millis(400 + seed % 800);
    eprintln!("edit kill test: kill after {} ms", kill_after.as_millis());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = ids
        .iter()
        .map(|id| {
            let (id, mut person, stop) = (id.clone(), browser.on(&server.base), stop.clone());
            std::thread::spawn(move || {
                let mut acknowledged = 0u64;
                for round in 1.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let (nom, adresse) = (format!("Lieu édité {round}"), format!("{round} rue des Essais"));
                    match person.edit(&id, None, &values(&nom, &adresse)).0 {
                        200 => acknowledged = round,
                        0 => break,
                        status => panic!("edit {round} of {id}: status {status}"),
                    }
                }
                (id, acknowledged)
            })
        })
        .collect();
    std::thread::sleep(kill_after);
    server.kill();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acknowledged: Vec<(String, u64)> = writers.into_iter().map(|w| w.join().unwrap()).collect();

    let restarted = Server::start(db);
    let mut edits = 0;
    for (id, acknowledged) in acknowledged {
        let (nom, adresse, version) = public_place(&restarted, &id);
        let committed = version - 1;
        assert!(committed >= acknowledged, "{id}: version {version}, but {acknowledged} edits were acknowledged");
        if committed > 0 {
            assert_eq!(nom, format!("Lieu édité {committed}"), "{id}: torn or lost record");
            assert_eq!(adresse, format!("{committed} rue des Essais"), "{id}: torn record");
        }
        let history = stdout(&maillage(db, &["show", &id]));
        let versions: Vec<u64> = history
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix('v')?.split_whitespace().next()?.parse().ok())
            .collect();
        assert_eq!(versions, (1..=version).collect::<Vec<_>>(), "{id}: history with gaps\n{history}");
        edits += committed;
    }
    eprintln!("edit kill test: {edits} edits committed before the kill");
    assert!(edits > 0, "the server was killed before any edit: the test proved nothing");
}

#[test]
fn a_server_killed_during_edits_keeps_whole_versions_on_sqlite() {
    let (_dir, db) = temp_db();
    kill_during_edits(&db);
}

#[test]
fn a_server_killed_during_edits_keeps_whole_versions_on_postgres() {
    let Some(database) = ThrowawayPostgres::create("kill_edits") else { return };
    kill_during_edits(&database.url);
}

/// Started with a low soft limit of open files, the server raises it to the hard limit and
/// says so in its log (clients beyond 1,024 connections used to wait on "Too many open files").
#[cfg(target_os = "linux")]
#[test]
fn serve_raises_the_open_files_limit_to_the_hard_one() {
    let (_dir, db) = temp_db();
    let port = free_port();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -Sn 256 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(&db)
        .args(["--no-demo", "serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("MAILLAGE_LOG", "info");
    let server = Server::spawn(command, port);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id())).unwrap();
    let line = limits.lines().find(|line| line.starts_with("Max open files")).unwrap().to_owned();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers[0], numbers[1], "soft limit raised to the hard one: {line}");
    assert_ne!(numbers[0], "256", "{line}");
    let (_, stderr) = server.stop();
    assert!(stderr.contains("limite de fichiers ouverts relevée"), "{stderr}");
    assert!(stderr.contains("avant=256"), "{stderr}");
}

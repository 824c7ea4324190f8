//! `maillage serve`: the web server on the database, with the pages' and accounts' settings
//! from the configuration.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use maillage_store::Store;
use maillage_web::{AccountsConfig, SiteConfig, WebState};

use crate::config::Config;
use crate::database::{self, load_territory};
use crate::error::{CliError, CliResult};

#[derive(Args)]
pub struct ServeArgs {
    /// Adresse d'écoute.
    #[arg(long, env = "MAILLAGE_ADDR", default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Secondes entre deux lectures des lieux modifiés dans la base (annuaire en mémoire).
    #[arg(long, env = "MAILLAGE_SYNC_INTERVAL", default_value_t = 2.0)]
    sync_interval: f64,
    /// Modèle d'URL des tuiles de fond de carte (https://…/{z}/{x}/{y}.png) ; sans lui, la
    /// carte montre les lieux et les contours des territoires sur un fond uni.
    #[arg(long, env = "MAILLAGE_TILES_URL")]
    tiles_url: Option<String>,
    /// Mention exigée par le fournisseur de tuiles, affichée sur la carte.
    #[arg(long, env = "MAILLAGE_TILES_ATTRIBUTION")]
    tiles_attribution: Option<String>,
    /// URL de recherche de l'API Adresse nationale : active la recherche d'adresses dans les
    /// pages (désactivée par défaut).
    #[arg(long, env = "MAILLAGE_GEOCODER_URL")]
    geocoder_url: Option<String>,
    /// Masque de la carte, des listes et de la recherche publiques les lieux dont la fiche
    /// n'a pas été confirmée depuis ce nombre de mois (0 : aucun masquage). Ils restent
    /// dans la base et visibles des coordinateurs.
    #[arg(long, env = "MAILLAGE_MASQUER_APRES_MOIS", default_value_t = 0)]
    masquer_apres_mois: u32,
    /// Mandataires inverses (reverse proxies) de confiance : adresses IP ou réseaux CIDR,
    /// séparés par des virgules. Leurs en-têtes X-Forwarded-For (client des limites de débit)
    /// et X-Forwarded-Proto (https : cookies Secure et HSTS) sont crus, ceux des autres non.
    #[arg(long, env = "MAILLAGE_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
}

impl ServeArgs {
    /// The public pages' settings; a tile or geocoder address must be http(s).
    fn site(&self) -> CliResult<SiteConfig> {
        let given = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
        let site = SiteConfig {
            tiles_url: given(&self.tiles_url),
            tiles_attribution: given(&self.tiles_attribution),
            geocoder_url: given(&self.geocoder_url),
            branding: Default::default(),
        };
        for (option, url) in [("--tiles-url", &site.tiles_url), ("--geocoder-url", &site.geocoder_url)] {
            if url.as_deref().is_some_and(|u| !u.starts_with("https://") && !u.starts_with("http://")) {
                return Err(CliError::Usage(format!("{option} : une adresse http:// ou https:// est attendue")));
            }
        }
        Ok(site)
    }
}

/// Raises the soft limit of open files to the hard one: each connection holds a descriptor,
/// and a distribution's default soft limit (often 1,024) turns a busy hour into "Too many
/// open files" while the hard limit would allow far more. Says what it did in the log.
fn raise_open_files_limit() {
    let before = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft);
    match (before, rlimit::increase_nofile_limit(u64::MAX)) {
        (Ok(before), Ok(now)) => {
            tracing::info!(avant = before, maintenant = now, "limite de fichiers ouverts relevée au maximum permis")
        }
        (_, Err(err)) | (Err(err), _) => {
            tracing::warn!(erreur = %err, "limite de fichiers ouverts inchangée")
        }
    }
}

/// Pulls the national map's file once a day (the first a few minutes after the start), on a
/// thread of its own with its own connection to the database.
fn spawn_national_pull(config: &Config, url: String) -> CliResult<()> {
    let store = database::open(config, false)?;
    std::thread::spawn(move || {
        let territory = load_territory().0;
        std::thread::sleep(std::time::Duration::from_secs(300));
        loop {
            match crate::places::pull_national(store.as_ref(), &territory, &url) {
                Ok(pull) => tracing::info!(
                    lus = pull.read,
                    gardes = pull.kept,
                    a_examiner = pull.scan.queued,
                    sans_equivalent = pull.lacking,
                    "carte nationale rapprochée"
                ),
                Err(err) => tracing::warn!(erreur = %err.message(), "carte nationale non rapprochée"),
            }
            std::thread::sleep(std::time::Duration::from_secs(24 * 3600));
        }
    });
    Ok(())
}

pub fn run(config: &Config, args: &ServeArgs) -> CliResult<ExitCode> {
    raise_open_files_limit();
    let site = args.site()?;
    let proxies = maillage_web::TrustedProxies::parse(&args.trusted_proxies)
        .map_err(|err| CliError::Usage(format!("--trusted-proxies : {err}")))?;
    if !(args.sync_interval.is_finite() && (0.1..=3600.0).contains(&args.sync_interval)) {
        return Err(CliError::Usage("--sync-interval : nombre de secondes entre 0,1 et 3600 attendu".to_owned()));
    }
    // Refused before anything is loaded: a server that cannot mail its links is misconfigured.
    let accounts = Arc::new(AccountsConfig::new(config.mail_setup()?, config.link_signer()?, &config.base_url));
    let store: Arc<dyn Store> = Arc::from(database::open(config, true)?);
    let (territory, load_time) = load_territory();
    tracing::info!(ms = load_time.as_millis() as u64, "territoire chargé");
    let started = std::time::Instant::now();
    let cutoff = (args.masquer_apres_mois > 0).then_some(args.masquer_apres_mois);
    // Held here until the runtime is gone: the last reference to a PostgreSQL store must
    // not drop on a runtime thread, where closing its blocking connections would panic.
    let store_until_shutdown = store.clone();
    let state = WebState::with_cutoff(store, Arc::new(territory), cutoff).map_err(|err| {
        CliError::Usage(format!("chargement de l'annuaire impossible : {}", CliError::App(err).message()))
    })?;
    let mut state = state;
    if !proxies.is_empty() {
        tracing::info!(mandataires = %args.trusted_proxies.trim(), "en-têtes X-Forwarded-* crus de ces mandataires");
    }
    state.trusted_proxies = Arc::new(proxies);
    state.open_data = Arc::new(maillage_web::OpenData {
        producer: config.producer()?.to_owned(),
        base_url: Some(config.base_url.clone()),
        publication_dir: config.publication_dir.clone(),
    });
    let publication_every = config.publication_interval()?;
    if let Some(url) = config.national_url.clone() {
        spawn_national_pull(config, url)?;
    }
    let places = state.directory.current().len();
    tracing::info!(lieux = places, ms = started.elapsed().as_millis() as u64, "annuaire chargé");
    let runtime =
        tokio::runtime::Runtime::new().map_err(|err| CliError::System { what: "démarrage impossible", err })?;
    note!("Maillage : {places} lieux, http://{}/api/v1/sante (Ctrl-C pour arrêter)", args.addr);
    let every = std::time::Duration::from_secs_f64(args.sync_interval);
    let served = runtime.block_on(async {
        let sync = maillage_web::spawn_directory_sync(&state, every);
        let publication = maillage_web::spawn_publication(&state, accounts.clone(), publication_every);
        let served = maillage_web::serve(args.addr, state, site, accounts).await;
        sync.abort();
        if let Some(publication) = publication {
            publication.abort();
        }
        served
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    drop(store_until_shutdown);
    served.map_err(|err| CliError::System { what: "serveur arrêté", err })?;
    Ok(ExitCode::SUCCESS)
}

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
    /// Fond de carte : « ign » (par défaut : le Plan IGN de la Géoplateforme, public et
    /// sans clé), « non » (aucun fond : lieux et contours des territoires sur un fond uni,
    /// aucune requête vers l'extérieur) ou un modèle d'URL de tuiles (https://…/{z}/{x}/{y}.png).
    #[arg(long, env = "MAILLAGE_TILES")]
    tiles: Option<String>,
    /// Modèle d'URL des tuiles (ancienne forme de --tiles, prioritaire quand elle est donnée).
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
    /// Agenda : rappel envoyé aux inscrits ce nombre d'heures avant le début d'un événement.
    #[arg(long, env = "MAILLAGE_AGENDA_RAPPEL_HEURES", default_value_t = 48)]
    agenda_rappel_heures: u32,
    /// Agenda : données personnelles des inscrits effacées ce nombre de jours après la fin
    /// d'un événement (noms, courriels, réponses ; les organisations et les comptes restent).
    #[arg(long, env = "MAILLAGE_AGENDA_EFFACEMENT_JOURS", default_value_t = 90)]
    agenda_effacement_jours: u32,
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
        let (tiles_url, default_attribution) = match (given(&self.tiles_url), given(&self.tiles)) {
            (Some(url), _) => (Some(url), None),
            (None, None) => (Some(IGN_PLAN_TILES.to_owned()), Some(IGN_PLAN_ATTRIBUTION)),
            (None, Some(choice)) => match choice.trim().to_lowercase().as_str() {
                "ign" | "plan-ign" => (Some(IGN_PLAN_TILES.to_owned()), Some(IGN_PLAN_ATTRIBUTION)),
                "non" | "off" | "aucun" | "0" => (None, None),
                _ => (Some(choice), None),
            },
        };
        let site = SiteConfig {
            tiles_attribution: given(&self.tiles_attribution)
                .or_else(|| default_attribution.filter(|_| tiles_url.is_some()).map(str::to_owned)),
            tiles_url,
            geocoder_url: given(&self.geocoder_url),
            branding: Default::default(),
        };
        for (option, url) in [("--tiles", &site.tiles_url), ("--geocoder-url", &site.geocoder_url)] {
            if url.as_deref().is_some_and(|u| !u.starts_with("https://") && !u.starts_with("http://")) {
                return Err(CliError::Usage(format!("{option} : une adresse http:// ou https:// est attendue")));
            }
        }
        Ok(site)
    }
}

/// The IGN Géoplateforme's Plan IGN as WMTS tiles in Web Mercator: public, free, no key, and
/// made for French public-service sites.
const IGN_PLAN_TILES: &str = "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&FORMAT=image/png";
const IGN_PLAN_ATTRIBUTION: &str = "Fond de carte © IGN – Plan IGN (Géoplateforme)";

/// The address the server answers at, as links in mails write it when the hub gave none
/// (a server listening on every interface is reached at `localhost` on its machine).
fn served_url(addr: std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

const NATIONAL_FIRST: std::time::Duration = std::time::Duration::from_secs(300);
const NATIONAL_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

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

pub fn run(config: &Config, args: &ServeArgs) -> CliResult<ExitCode> {
    raise_open_files_limit();
    let site = args.site()?;
    let proxies = maillage_web::TrustedProxies::parse(&args.trusted_proxies)
        .map_err(|err| CliError::Usage(format!("--trusted-proxies : {err}")))?;
    if !(args.sync_interval.is_finite() && (0.1..=3600.0).contains(&args.sync_interval)) {
        return Err(CliError::Usage("--sync-interval : nombre de secondes entre 0,1 et 3600 attendu".to_owned()));
    }
    let base_url = if config.base_url_given {
        config.base_url.clone()
    } else {
        let served = served_url(args.addr);
        note!(
            "MAILLAGE_BASE_URL n'est pas donnée : les liens des courriels mèneront à {served}, l'adresse servie. \
             Donnez l'adresse publique du hub (https://…) par MAILLAGE_BASE_URL."
        );
        served
    };
    // Refused before anything is loaded: a server that cannot mail its links is misconfigured.
    let accounts = Arc::new(AccountsConfig::new(config.mail_setup()?, config.link_signer()?, &base_url));
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
    if !(1..=24 * 60).contains(&args.agenda_rappel_heures) || !(1..=3650).contains(&args.agenda_effacement_jours) {
        return Err(CliError::Usage(
            "--agenda-rappel-heures : de 1 à 1440 ; --agenda-effacement-jours : de 1 à 3650".to_owned(),
        ));
    }
    state.agenda = maillage_web::AgendaSettings::new(args.agenda_rappel_heures, args.agenda_effacement_jours);
    state.open_data = Arc::new(maillage_web::OpenData {
        producer: config.producer()?.to_owned(),
        base_url: Some(base_url.clone()),
        publication_dir: config.publication_dir.clone(),
        national_url: config.national_url.clone(),
    });
    let publication_every = config.publication_interval()?;
    let places = state.directory.current().len();
    tracing::info!(lieux = places, ms = started.elapsed().as_millis() as u64, "annuaire chargé");
    let runtime =
        tokio::runtime::Runtime::new().map_err(|err| CliError::System { what: "démarrage impossible", err })?;
    note!("Maillage : {places} lieux, http://{}/api/v1/sante (Ctrl-C pour arrêter)", args.addr);
    let every = std::time::Duration::from_secs_f64(args.sync_interval);
    let served = runtime.block_on(async {
        let sync = maillage_web::spawn_directory_sync(&state, every);
        let publication = maillage_web::spawn_publication(&state, accounts.clone(), publication_every);
        // The national map once a day, the first a few minutes after the start.
        let national = maillage_web::spawn_national_pull(&state, accounts.clone(), NATIONAL_FIRST, NATIONAL_EVERY);
        let served = maillage_web::serve(args.addr, state, site, accounts).await;
        sync.abort();
        for task in [publication, national].into_iter().flatten() {
            task.abort();
        }
        served
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    drop(store_until_shutdown);
    served.map_err(|err| CliError::System { what: "serveur arrêté", err })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tiles: Option<&str>, tiles_url: Option<&str>) -> ServeArgs {
        ServeArgs {
            addr: "127.0.0.1:8080".parse().unwrap(),
            sync_interval: 2.0,
            tiles: tiles.map(str::to_owned),
            tiles_url: tiles_url.map(str::to_owned),
            tiles_attribution: None,
            geocoder_url: None,
            masquer_apres_mois: 0,
            trusted_proxies: String::new(),
            agenda_rappel_heures: 48,
            agenda_effacement_jours: 90,
        }
    }

    #[test]
    fn the_plan_ign_by_default_with_its_attribution_or_none_or_the_hubs_own() {
        let default = args(None, None).site().unwrap();
        assert_eq!(default.tiles_url.as_deref(), Some(IGN_PLAN_TILES));
        assert_eq!(default.tiles_attribution.as_deref(), Some(IGN_PLAN_ATTRIBUTION));
        assert!(default.content_security_policy(false).contains("img-src 'self' data: https://data.geopf.fr"));
        let off = args(Some("non"), None).site().unwrap();
        assert_eq!((off.tiles_url, off.tiles_attribution), (None, None));
        let own = args(Some("https://tuiles.example.org/{z}/{x}/{y}.png"), None).site().unwrap();
        assert_eq!(own.tiles_url.as_deref(), Some("https://tuiles.example.org/{z}/{x}/{y}.png"));
        assert_eq!(own.tiles_attribution, None);
        let older = args(Some("non"), Some("http://127.0.0.1:9000/{z}/{x}/{y}.png")).site().unwrap();
        assert_eq!(older.tiles_url.as_deref(), Some("http://127.0.0.1:9000/{z}/{x}/{y}.png"));
        assert!(
            matches!(args(Some("ftp://tuiles"), None).site(), Err(CliError::Usage(message)) if message.starts_with("--tiles"))
        );
    }
}

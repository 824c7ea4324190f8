//! The guarded door, through the use cases alone (no HTTP): every use case that writes, or
//! reads what is not public, refuses every role that must not use it with
//! `AppError::Forbidden`, and then nothing is written (no change, no audit line, no mail).
//! Removing a check at an edge therefore cannot open a hole.
//!
//! One row per use case (or per way of calling it): adding a use case adds a row, and a test
//! reads the crate's sources to fail when a public function that takes an `&Actor` has none.

use std::collections::BTreeMap;

use maillage_app::accounts::{self, Actor};
use maillage_app::activity::bilan::{self as activity_bilan, BilanScope};
use maillage_app::activity::figures::{Period, Selector};
use maillage_app::activity::{self, past, ActorRef, EntryForm};
use maillage_app::actors::{self, StakeholderForm};
use maillage_app::agenda::{self, registration as agenda_registration, tasks as agenda_tasks, EventForm, Recurrence};
use maillage_app::context::Context;
use maillage_app::coverage::indicators::{self, IndicatorImport};
use maillage_app::duplicates::{self, Resolution, ScanOptions};
use maillage_app::hub::backup;
use maillage_app::hub::branding::{self, BrandingForm};
use maillage_app::mappings::{self, assistant, MappingToSave, SampleFile};
use maillage_app::moderation::{self, EditOutcome};
use maillage_app::monographie;
use maillage_app::places::{self, demo};
use maillage_app::pnt::{self, votes as pnt_votes};
use maillage_app::territory::bassins;
use maillage_app::{campaigns, AppError, AppResult, ImportOptions};
use maillage_dedup::Thresholds;
use maillage_domain::Place;
use maillage_store::contract::snapshot_items;
use maillage_store::{AccountStore, IndicatorLevel, PairStatus, Role, Store};

use crate::support::*;

/// Who tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// Nobody signed in.
    Public,
    /// The gestionnaire of the Bourges place the rows act on.
    Manager,
    /// A gestionnaire of another place (in Tours).
    OtherManager,
    /// The coordinator of the Cher, whose territory holds the Bourges places.
    Coordinator,
    /// The coordinator of Indre-et-Loire.
    OtherCoordinator,
    /// A disabled administrator.
    Inactive,
}

use Who::*;

/// Everyone but an administrator.
const NOT_ADMIN: &[Who] = &[Public, Manager, OtherManager, Coordinator, OtherCoordinator, Inactive];
/// Everyone but an administrator and a coordinator (whose territory holds the place or not).
const NOT_MODERATOR: &[Who] = &[Public, Manager, OtherManager, Inactive];
/// Everyone but an administrator and the gestionnaire of the Bourges place, which carries the
/// Cher's project.
const NOT_CARRIER: &[Who] = &[Public, OtherManager, Coordinator, OtherCoordinator, Inactive];
/// Everyone but an administrator and the coordinator of the Cher.
const NOT_IN_SCOPE: &[Who] = &[Public, Manager, OtherManager, OtherCoordinator, Inactive];
/// Everyone who may not edit the Bourges place (its gestionnaire and the Cher's coordinator may).
const NOT_EDITOR: &[Who] = &[Public, OtherManager, OtherCoordinator, Inactive];

/// A hub with something for every use case to act on, all in Bourges (Cher) unless said.
struct Fixture {
    hub: Hub,
    manager: Actor,
    other_manager: Actor,
    inactive: Actor,
    /// Managed by `manager`.
    place: Place,
    /// In Tours, managed by `other_manager`.
    other_place: Place,
    /// The gestionnaire's pending edit of `place`.
    proposal: String,
    /// A public report on `place`, not closed.
    report: String,
    campaign: String,
    /// A pair of two places in Bourges, waiting for review.
    pair: String,
    /// A merged place of two places in Bourges.
    group: String,
    batch: String,
    /// Two entries of the actors directory in the Cher, created by the administrator.
    stakeholder: maillage_store::Stakeholder,
    other_stakeholder: maillage_store::Stakeholder,
    /// A project of the Cher's PNT (département level), not published, carried by `place`
    /// (so by `manager`), with a pending proposal of `manager`; a room vote and an online vote
    /// of the Cher, open.
    pnt_project: String,
    pnt_proposal: String,
    room_vote: String,
    online_vote: String,
    /// An event in the Cher (created by the administrator) and a registration for it.
    event: maillage_store::Event,
    registration: String,
    /// A meeting in the Cher the administrator logged, with `stakeholder`.
    activity: maillage_store::ActivityEntry,
}

fn fixture() -> Fixture {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let operator = Actor::operator(None);
    let place = hub.place("Médiathèque");
    let tours = with(with(fields("Maison des services"), "commune", "Tours"), "code_postal", "37000");
    let other_place = moderation::create_place(&ctx, &hub.admin, &tours, t0()).unwrap();
    let manager = hub.manager("g@asso.example", &[&place], false);
    let other_manager = hub.manager("g2@asso.example", &[&other_place], false);
    let mut disabled = hub.admin.user().unwrap().clone();
    disabled.active = false;
    let inactive = Actor::User(disabled);

    let EditOutcome::Queued(proposal) =
        moderation::submit_edit(&ctx, &manager, &place.id, 1, &fields("Médiathèque centrale"), "", t0()).unwrap()
    else {
        panic!("a gestionnaire's edit waits")
    };
    let report = hub.report(&place);
    let (campaign, _) = campaigns::start_campaign(&ctx, &hub.coordinator, "Printemps", "18", 14, t0()).unwrap();

    // Two pairs of duplicates in Bourges, at two addresses: one merged, one left to review
    // (its names differ, so it never scores a sure merge).
    let at = |name: &str, address: &str| with(fields(name), "adresse", address);
    for (name, address) in [
        ("Espace numérique", "3 rue Jean Rameau"),
        ("Espace numérique", "3 rue Jean Rameau"),
        ("Point numérique", "40 avenue de Lattre"),
        ("Point numérique du centre", "40 avenue de Lattre"),
    ] {
        moderation::create_place(&ctx, &hub.admin, &at(name, address), t0()).unwrap();
    }
    let options = ScanOptions { sources: Vec::new(), thresholds: Thresholds { auto_merge: 1.0, review: 0.5 } };
    duplicates::scan(&ctx, &operator, &options).unwrap();
    let named = |pair: &maillage_store::DuplicatePair, prefix: &str| {
        [&pair.a, &pair.b].iter().all(|key| {
            let place = hub.store.place_by_source_id(&key.source, &key.source_id).unwrap();
            place.is_some_and(|place| place.record.nom.starts_with(prefix))
        })
    };
    let pairs = hub.store.duplicate_pairs().unwrap();
    let first = pairs.iter().find(|pair| named(pair, "Espace")).expect("a pair of the first two");
    let group = match first.status {
        PairStatus::Pending => duplicates::resolve(&ctx, &operator, &first.id, Resolution::Merge).unwrap().group_id,
        _ => first.group_id.clone(),
    }
    .expect("a merged place");
    let pending = pairs
        .iter()
        .find(|pair| pair.status == PairStatus::Pending && named(pair, "Point"))
        .expect("a pair of the other two, waiting for review");

    let batch = places::import_file(&ctx, &operator, CSV, "lieux.csv", &ImportOptions::default()).unwrap().batch.id;
    mappings::save_mapping(&ctx, &operator, &mapping_to_save(None), t0()).unwrap();
    let stakeholder = actors::create(&ctx, &hub.admin, &stakeholder_form("CAF du Cher"), t0()).unwrap();
    let other_stakeholder =
        actors::create(&ctx, &hub.admin, &stakeholder_form("Caisse d'allocations familiales"), t0()).unwrap();
    let carrier = actors::from_place(&ctx, &hub.admin, &place.id, t0()).unwrap();
    let carried = pnt::ProjectForm { carriers: format!("acteur:{}", carrier.id), ..pnt_form() };
    let pnt_project = pnt::create_project(&ctx, &hub.admin, &carried, maillage_store::Stage::Idee, t0()).unwrap().id;
    let pnt_proposal =
        pnt::carriers::propose_change(&ctx, &manager, &pnt_project, 1, &carrier_form(), t0()).unwrap().id;
    let room_vote = pnt_votes::create_room_vote(&ctx, &hub.admin, &vote_form(), t0()).unwrap().id;
    let online_vote = pnt_votes::create_online_vote(&ctx, &hub.admin, &online_vote_form(), t0()).unwrap().id;
    let event = agenda::create_event(&ctx, &hub.admin, &event_form(), t0()).unwrap();
    let registration = agenda_registration::register(
        &ctx,
        &event.id,
        &agenda_registration::RegistrationForm {
            name: "Ana".to_owned(),
            email: "ana@exemple.fr".to_owned(),
            ..Default::default()
        },
        t0(),
    )
    .unwrap()
    .id;
    let activity = activity::record(&ctx, &hub.admin, &activity_form(&stakeholder.id), t0()).unwrap();
    Fixture {
        pnt_project,
        pnt_proposal,
        room_vote,
        online_vote,
        event,
        registration,
        activity,
        stakeholder,
        other_stakeholder,
        manager,
        other_manager,
        inactive,
        place,
        other_place,
        proposal: proposal.id,
        report: report.id,
        campaign: campaign.id,
        pair: pending.id.clone(),
        group,
        batch,
        hub,
    }
}

const CSV: &[u8] = b"id,nom,commune,code_postal,adresse\nx1,Tiers-lieu,Bourges,18000,2 rue Moyenne\n";

/// A hub's own export, and the mapping the fixture saved for it (as "mediatheques").
const EXPORT: &[u8] = b"Ref;Nom;Rue;Ville;CP\nm1;M\xc3\xa9diath\xc3\xa8que;1 rue X;Bourges;18000\n";
const MAPPING: &str = "[source]\nname = \"mediatheques\"\n[fields]\nid = \"Ref\"\nnom = \"Nom\"\nadresse = \"Rue\"\n\
                       commune = \"Ville\"\ncode_postal = \"CP\"\n";

fn mapping_to_save(replaces: Option<u32>) -> MappingToSave<'static> {
    MappingToSave {
        toml: MAPPING,
        name: None,
        sample: Some(SampleFile { bytes: EXPORT, file_name: "export.csv" }),
        replaces,
    }
}

/// A meeting in the Cher naming one actor by id and one by a new name.
fn activity_form(actor: &str) -> EntryForm {
    EntryForm {
        kind: "animation".to_owned(),
        animation: "reunion_coordination".to_owned(),
        date: "2026-11-20".to_owned(),
        duration: "1h30".to_owned(),
        level: "departement".to_owned(),
        territory: "18".to_owned(),
        actors: vec![ActorRef::Id(actor.to_owned()), ActorRef::Name("Mairie de Vierzon".to_owned())],
        headcount: "4".to_owned(),
        ..EntryForm::default()
    }
}

fn period() -> Period {
    Period::year(2026).unwrap()
}

impl Fixture {
    fn actor(&self, who: Who) -> &Actor {
        static PUBLIC: Actor = Actor::Public;
        match who {
            Public => &PUBLIC,
            Manager => &self.manager,
            OtherManager => &self.other_manager,
            Coordinator => &self.hub.coordinator,
            OtherCoordinator => &self.hub.other_coordinator,
            Inactive => &self.inactive,
        }
    }
}

type Run = fn(&Fixture, &Context<'_>, &Actor) -> AppResult<()>;

/// A use case, and who must be refused it.
struct Row {
    /// `module::function`, then what the row tries when a use case has several rows.
    name: &'static str,
    refused: &'static [Who],
    run: Run,
}

const fn row(name: &'static str, refused: &'static [Who], run: Run) -> Row {
    Row { name, refused, run }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    t0()
}

fn pnt_form() -> pnt::ProjectForm {
    pnt::ProjectForm {
        title: "Bus numérique du Cher".to_owned(),
        territories: vec!["departement:18".to_owned()],
        ..pnt::ProjectForm::default()
    }
}

fn carrier_form() -> pnt::carriers::CarrierForm {
    pnt::carriers::CarrierForm { progress: "Local trouvé.".to_owned(), ..Default::default() }
}

fn vote_form() -> pnt_votes::VoteForm {
    pnt_votes::VoteForm {
        territory: "departement:18".to_owned(),
        title: "Priorités".to_owned(),
        items: "Animation\nFormation".to_owned(),
        meeting: "Rencontre départementale".to_owned(),
        held_on: "2026-03-02".to_owned(),
        ..pnt_votes::VoteForm::default()
    }
}

fn online_vote_form() -> pnt_votes::VoteForm {
    pnt_votes::VoteForm {
        points: "5".to_owned(),
        closes_at: "2030-01-01T18:00".to_owned(),
        invitations: "participant@asso.example".to_owned(),
        ..vote_form()
    }
}

fn pnt_plan() -> pnt::PlanForm {
    pnt::PlanForm {
        territory: "departement:18".to_owned(),
        title: "PNT du Cher".to_owned(),
        ..pnt::PlanForm::default()
    }
}

fn gestionnaire() -> Role {
    Role::Gestionnaire { places: Vec::new() }
}

fn indicator() -> IndicatorImport {
    IndicatorImport {
        name: "essai".to_owned(),
        level: IndicatorLevel::Commune,
        code_column: "code".to_owned(),
        value_column: None,
        description: None,
    }
}

/// A publication into a folder that lasts as long as the tests.
fn publication_settings() -> maillage_app::publication::PublicationSettings {
    static FOLDER: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    maillage_app::publication::PublicationSettings {
        dir: FOLDER.get_or_init(|| tempfile::tempdir().unwrap()).path().to_owned(),
        producer: "hub".to_owned(),
        base_url: None,
        publisher: "Hub".to_owned(),
        visible: maillage_app::directory::Visibility::all(),
    }
}

fn branding_form() -> BrandingForm {
    BrandingForm { name: "Hub".to_owned(), colour: "#1f4e79".to_owned(), ..BrandingForm::default() }
}

fn bassins_csv() -> &'static [u8] {
    b"bassin,departement,type,code\nBourges,18,epci,241800507\n"
}

fn stakeholder_form(name: &str) -> StakeholderForm {
    StakeholderForm {
        name: name.to_owned(),
        kind: "institution".to_owned(),
        commune: "18033".to_owned(),
        ..StakeholderForm::default()
    }
}

/// A meeting in Bourges (Cher) in December 2026.
fn event_form() -> EventForm {
    EventForm {
        title: "Réunion de bassin".to_owned(),
        kind: "reunion_bassin".to_owned(),
        scale: "commune".to_owned(),
        territory: "18033".to_owned(),
        address: "Bourges".to_owned(),
        date: "2026-12-18".to_owned(),
        start: "09:30".to_owned(),
        end: "12:00".to_owned(),
        registration: "on".to_owned(),
        capacity: "10".to_owned(),
        ..EventForm::default()
    }
}

fn edited() -> BTreeMap<String, String> {
    fields("Médiathèque des Gibjoncs")
}

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Accounts.
    row("accounts::invite (administrateur)", NOT_ADMIN, |_, ctx, actor| {
        accounts::invite(ctx, actor, "x@hub.example", "X", Role::Administrateur, now()).map(drop)
    }),
    row("accounts::invite (gestionnaire)", NOT_MODERATOR, |_, ctx, actor| {
        accounts::invite(ctx, actor, "y@hub.example", "Y", gestionnaire(), now()).map(drop)
    }),
    row("accounts::invite (gestionnaire d'un lieu du Cher)", NOT_IN_SCOPE, |f, ctx, actor| {
        let role = Role::Gestionnaire { places: vec![f.place.id.clone()] };
        accounts::invite(ctx, actor, "w@hub.example", "W", role, now()).map(drop)
    }),
    row("accounts::invite (gestionnaire d'un lieu du Cher et d'un lieu de Tours)", NOT_ADMIN, |f, ctx, actor| {
        let role = Role::Gestionnaire { places: vec![f.place.id.clone(), f.other_place.id.clone()] };
        accounts::invite(ctx, actor, "v@hub.example", "V", role, now()).map(drop)
    }),
    // An id that names no place is refused to a coordinator as a place elsewhere (the
    // administrator is told the id is unknown).
    row("accounts::invite (lieu inconnu)", NOT_ADMIN, |_, ctx, actor| {
        let role = Role::Gestionnaire { places: vec![maillage_store::new_place_id()] };
        accounts::invite(ctx, actor, "u@hub.example", "U", role, now()).map(drop)
    }),
    row("accounts::update_user", NOT_ADMIN, |f, ctx, actor| {
        accounts::update_user(ctx, actor, f.manager.id().unwrap(), Role::Administrateur, true, now()).map(drop)
    }),
    row("accounts::set_trusted", NOT_IN_SCOPE, |f, ctx, actor| {
        accounts::set_trusted(ctx, actor, f.manager.id().unwrap(), true, now()).map(drop)
    }),
    row("accounts::users", NOT_MODERATOR, |_, ctx, actor| accounts::users(ctx, actor).map(drop)),
    row("accounts::audit_log", NOT_ADMIN, |_, ctx, actor| accounts::audit_log(ctx, actor, 10).map(drop)),
    row("accounts::bootstrap_admin", NOT_ADMIN, |_, ctx, actor| {
        accounts::bootstrap_admin(ctx, actor, "z@hub.example", "Z", PASSWORD, now()).map(drop)
    }),
    // Moderation.
    row("moderation::queue", NOT_MODERATOR, |_, ctx, actor| moderation::queue(ctx, actor).map(drop)),
    row("moderation::edit_form", NOT_EDITOR, |f, ctx, actor| moderation::edit_form(ctx, actor, &f.place.id).map(drop)),
    row("moderation::edit_form (another place)", &[Manager], |f, ctx, actor| {
        moderation::edit_form(ctx, actor, &f.other_place.id).map(drop)
    }),
    row("moderation::preview_edit", NOT_EDITOR, |f, ctx, actor| {
        moderation::preview_edit(ctx, actor, &f.place.id, &edited(), now()).map(drop)
    }),
    row("moderation::submit_edit", NOT_EDITOR, |f, ctx, actor| {
        moderation::submit_edit(ctx, actor, &f.place.id, 1, &edited(), "", now()).map(drop)
    }),
    row("moderation::submit_edit (another place)", &[Manager], |f, ctx, actor| {
        moderation::submit_edit(ctx, actor, &f.other_place.id, 1, &edited(), "", now()).map(drop)
    }),
    row("moderation::claim", &[Public, Coordinator, OtherCoordinator, Inactive], |f, ctx, actor| {
        moderation::claim(ctx, actor, &f.other_place.id, "", now()).map(drop)
    }),
    row("moderation::editable_places", &[Public, Inactive], |_, ctx, actor| {
        moderation::editable_places(ctx, actor, &Default::default()).map(drop)
    }),
    row("moderation::proposal_to_correct", NOT_IN_SCOPE, |f, ctx, actor| {
        moderation::proposal_to_correct(ctx, actor, &f.proposal).map(drop)
    }),
    row("moderation::approve", NOT_IN_SCOPE, |f, ctx, actor| {
        moderation::approve(ctx, actor, &f.proposal, 1, None, now())
    }),
    row("moderation::reject", NOT_IN_SCOPE, |f, ctx, actor| moderation::reject(ctx, actor, &f.proposal, "non", now())),
    row("moderation::resolve_report", NOT_IN_SCOPE, |f, ctx, actor| {
        moderation::resolve_report(ctx, actor, &f.report, "corrigé", now())
    }),
    row("moderation::create_place", NOT_IN_SCOPE, |_, ctx, actor| {
        moderation::create_place(ctx, actor, &fields("Nouveau lieu"), now()).map(drop)
    }),
    row("moderation::history", NOT_EDITOR, |f, ctx, actor| moderation::history(ctx, actor, &f.place.id).map(drop)),
    row("moderation::revert", NOT_IN_SCOPE, |f, ctx, actor| {
        moderation::revert(ctx, actor, &f.place.id, 1, 1, now()).map(drop)
    }),
    // Campaigns.
    row("campaigns::freshness_counts", NOT_MODERATOR, |_, ctx, actor| {
        campaigns::freshness_counts(ctx, actor, now().date_naive()).map(drop)
    }),
    row("campaigns::preview_campaign", NOT_IN_SCOPE, |_, ctx, actor| {
        campaigns::preview_campaign(ctx, actor, "Automne", "18").map(drop)
    }),
    row("campaigns::start_campaign", NOT_IN_SCOPE, |_, ctx, actor| {
        campaigns::start_campaign(ctx, actor, "Automne", "18", 14, now()).map(drop)
    }),
    row("campaigns::campaigns", NOT_MODERATOR, |_, ctx, actor| campaigns::campaigns(ctx, actor).map(drop)),
    row("campaigns::dashboard", NOT_IN_SCOPE, |f, ctx, actor| campaigns::dashboard(ctx, actor, &f.campaign).map(drop)),
    row("campaigns::send_reminders", NOT_IN_SCOPE, |f, ctx, actor| {
        campaigns::send_reminders(ctx, actor, &f.campaign, now() + chrono::TimeDelta::days(30)).map(drop)
    }),
    row("campaigns::send_due_reminders", NOT_ADMIN, |_, ctx, actor| {
        campaigns::send_due_reminders(ctx, actor, now() + chrono::TimeDelta::days(30)).map(drop)
    }),
    // Duplicates.
    row("duplicates::scan", NOT_ADMIN, |_, ctx, actor| duplicates::scan(ctx, actor, &ScanOptions::default()).map(drop)),
    row("duplicates::review_queue", NOT_MODERATOR, |_, ctx, actor| duplicates::review_queue(ctx, actor).map(drop)),
    row("duplicates::review_queue_in", NOT_MODERATOR, |_, ctx, actor| {
        duplicates::review_queue_in(ctx, actor, "18").map(drop)
    }),
    row("duplicates::resolve (fusion)", NOT_IN_SCOPE, |f, ctx, actor| {
        duplicates::resolve(ctx, actor, &f.pair, Resolution::Merge).map(drop)
    }),
    row("duplicates::resolve (distincts)", NOT_IN_SCOPE, |f, ctx, actor| {
        duplicates::resolve(ctx, actor, &f.pair, Resolution::Distinct).map(drop)
    }),
    row("duplicates::reopen", NOT_IN_SCOPE, |f, ctx, actor| duplicates::reopen(ctx, actor, &f.pair).map(drop)),
    row("duplicates::undo", NOT_IN_SCOPE, |f, ctx, actor| duplicates::undo(ctx, actor, &f.group).map(drop)),
    row("duplicates::merged_places", NOT_MODERATOR, |_, ctx, actor| duplicates::merged_places(ctx, actor).map(drop)),
    // Places and imports.
    row("places::import_file", NOT_ADMIN, |_, ctx, actor| {
        places::import_file(ctx, actor, CSV, "autre.csv", &ImportOptions::default()).map(drop)
    }),
    row("places::imports", NOT_ADMIN, |_, ctx, actor| places::imports(ctx, actor).map(drop)),
    row("places::import_report", NOT_ADMIN, |f, ctx, actor| places::import_report(ctx, actor, &f.batch).map(drop)),
    row("demo::load_if_empty", NOT_ADMIN, |_, ctx, actor| demo::load_if_empty(ctx, actor, &territory()).map(drop)),
    // Territory.
    row("bassins::bassins", NOT_ADMIN, |_, ctx, actor| bassins::bassins(ctx, actor, &territory()).map(drop)),
    row("bassins::import_bassins", NOT_ADMIN, |_, ctx, actor| {
        bassins::import_bassins(ctx, actor, &territory(), "bassins.csv", bassins_csv()).map(drop)
    }),
    row("bassins::save_bassins", NOT_ADMIN, |_, ctx, actor| {
        let members = maillage_app::territory::read_bassins_csv(&territory(), bassins_csv()).unwrap();
        bassins::save_bassins(ctx, actor, &members, "essai").map(drop)
    }),
    // Coverage indicators.
    row("indicators::import_indicator", NOT_ADMIN, |_, ctx, actor| {
        indicators::import_indicator(ctx, actor, &territory(), b"code,valeur\n18033,3\n", "i.csv", &indicator()).map(drop)
    }),
    row("indicators::indicators", NOT_ADMIN, |_, ctx, actor| indicators::indicators(ctx, actor).map(drop)),
    // The hub.
    row("branding::save_branding", NOT_ADMIN, |_, ctx, actor| branding::save_branding(ctx, actor, &branding_form()).map(drop)),
    row("publication::publish", NOT_ADMIN, |_, ctx, actor| {
        maillage_app::publication::publish(ctx, actor, &territory(), &publication_settings()).map(drop)
    }),
    row("national::pull_national", NOT_ADMIN, |_, ctx, actor| {
        let file = b"id,nom,commune,code_postal,adresse\nn1,Espace,Bourges,18000,1 rue X\n";
        maillage_app::national::pull_national(ctx, actor, &territory(), file, "n.csv").map(drop)
    }),
    row("backup::backup", NOT_ADMIN, |_, ctx, actor| backup::backup(ctx, actor, std::io::sink()).map(drop)),
    row("backup::restore", NOT_ADMIN, |_, ctx, actor| backup::restore(ctx, actor, &b""[..]).map(drop)),
    // Saved mappings and the assistant: the hub's configuration, administrators only.
    row("mappings::save_mapping", NOT_ADMIN, |_, ctx, actor| {
        mappings::save_mapping(ctx, actor, &mapping_to_save(Some(1)), now()).map(drop)
    }),
    row("mappings::saved_mappings", NOT_ADMIN, |_, ctx, actor| mappings::saved_mappings(ctx, actor).map(drop)),
    row("mappings::saved_mapping", NOT_ADMIN, |_, ctx, actor| mappings::saved_mapping(ctx, actor, "mediatheques").map(drop)),
    row("mappings::export_mapping", NOT_ADMIN, |_, ctx, actor| mappings::export_mapping(ctx, actor, "mediatheques").map(drop)),
    row("mappings::delete_mapping", NOT_ADMIN, |_, ctx, actor| mappings::delete_mapping(ctx, actor, "mediatheques", 1)),
    row("assistant::propose", NOT_ADMIN, |_, ctx, actor| {
        let file = SampleFile { bytes: EXPORT, file_name: "export.csv" };
        assistant::propose(ctx, actor, &file, &assistant::Corrections::default(), None, 1).map(drop)
    }),
    // The actors directory: the hub's team reads it; changes stay within a coordinator's
    // départements.
    row("actors::search", NOT_MODERATOR, |_, ctx, actor| actors::search(ctx, actor, None, "caf", 10).map(drop)),
    row("actors::create", NOT_MODERATOR, |_, ctx, actor| {
        actors::create(ctx, actor, &stakeholder_form("Mission locale"), now()).map(drop)
    }),
    row("actors::from_place", NOT_MODERATOR, |f, ctx, actor| actors::from_place(ctx, actor, &f.place.id, now()).map(drop)),
    row("actors::stakeholder", NOT_MODERATOR, |f, ctx, actor| {
        actors::stakeholder(ctx, actor, &f.stakeholder.id).map(drop)
    }),
    row("actors::resolve", NOT_MODERATOR, |f, ctx, actor| {
        actors::resolve(ctx, actor, std::slice::from_ref(&f.stakeholder.id)).map(drop)
    }),
    row("actors::stakeholders", NOT_MODERATOR, |_, ctx, actor| {
        actors::stakeholders(ctx, actor, &actors::StakeholderFilter::default()).map(drop)
    }),
    row("actors::check_change", NOT_IN_SCOPE, |f, ctx, actor| actors::check_change(ctx, actor, &f.stakeholder)),
    row("actors::update", NOT_IN_SCOPE, |f, ctx, actor| {
        actors::update(ctx, actor, &f.stakeholder.id, 1, &stakeholder_form("CAF"), now()).map(drop)
    }),
    row("actors::forget_person", NOT_IN_SCOPE, |f, ctx, actor| {
        actors::forget_person(ctx, actor, &f.stakeholder.id, 1, now()).map(drop)
    }),
    row("actors::merge", NOT_IN_SCOPE, |f, ctx, actor| {
        actors::merge(ctx, actor, (&f.other_stakeholder.id, 1), (&f.stakeholder.id, 1), now()).map(drop)
    }),
    row("pnt::save_plan", NOT_IN_SCOPE, |_, ctx, actor| pnt::save_plan(ctx, actor, &pnt_plan(), 0, now()).map(drop)),
    row("pnt::create_project", NOT_IN_SCOPE, |_, ctx, actor| {
        pnt::create_project(ctx, actor, &pnt_form(), maillage_store::Stage::Idee, now()).map(drop)
    }),
    row("pnt::update_project", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt::update_project(ctx, actor, &f.pnt_project, 1, &pnt_form(), now()).map(drop)
    }),
    row("pnt::change_stage", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt::change_stage(ctx, actor, &f.pnt_project, 1, "proposition", "", now()).map(drop)
    }),
    row("pnt::add_incubator_step", NOT_IN_SCOPE, |f, ctx, actor| {
        let form = pnt::IncubatorForm { stage: "coaching".to_owned(), date: "2026-02-01".to_owned(), ..Default::default() };
        pnt::add_incubator_step(ctx, actor, &f.pnt_project, 1, &form, now()).map(drop)
    }),
    row("pnt::set_published", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt::set_published(ctx, actor, &f.pnt_project, 1, true, now()).map(drop)
    }),
    row("pnt::may_manage", NOT_IN_SCOPE, |_, ctx, actor| {
        let cher = [maillage_store::PntTerritory::departement("18")];
        if pnt::may_manage(ctx, actor, &cher) { Ok(()) } else { Err(AppError::Forbidden("hors territoire".to_owned())) }
    }),
    row("pnt::project (unpublished)", NOT_MODERATOR, |f, ctx, actor| pnt::project(ctx, actor, &f.pnt_project).map(drop)),
    row("pnt::actor_suggestions", NOT_MODERATOR, |_, ctx, actor| pnt::actor_suggestions(ctx, actor, 10).map(drop)),
    row("pnt::event_suggestions", NOT_MODERATOR, |_, ctx, actor| {
        pnt::event_suggestions(ctx, actor, now(), 10).map(drop)
    }),
    row("pnt::history", NOT_MODERATOR, |f, ctx, actor| pnt::history(ctx, actor, &f.pnt_project).map(drop)),
    row("pnt::projects", NOT_MODERATOR, |_, ctx, actor| {
        pnt::projects(ctx, actor, &pnt::ProjectFilter::default(), None, 10).map(drop)
    }),
    row("pnt_demo::load_if_empty", NOT_ADMIN, |_, ctx, actor| pnt::demo::load_if_empty(ctx, actor).map(drop)),
    row("votes::create_room_vote", NOT_IN_SCOPE, |_, ctx, actor| {
        pnt_votes::create_room_vote(ctx, actor, &vote_form(), now()).map(drop)
    }),
    row("votes::record_room_vote", NOT_IN_SCOPE, |f, ctx, actor| {
        let counts = ["3".to_owned(), "4".to_owned()];
        pnt_votes::record_room_vote(ctx, actor, &f.room_vote, 1, &counts, "7", now()).map(drop)
    }),
    row("votes::create_online_vote", NOT_IN_SCOPE, |_, ctx, actor| {
        pnt_votes::create_online_vote(ctx, actor, &online_vote_form(), now()).map(drop)
    }),
    row("votes::invite_voters", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt_votes::invite_voters(ctx, actor, &f.online_vote, "autre@asso.example", now()).map(drop)
    }),
    row("votes::close_vote", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt_votes::close_vote(ctx, actor, &f.online_vote, 1, now()).map(drop)
    }),
    row("carriers::carried_projects", &[Public, Inactive], |_, ctx, actor| {
        pnt::carriers::carried_projects(ctx, actor).map(drop)
    }),
    row("carriers::carried_project", NOT_CARRIER, |f, ctx, actor| {
        pnt::carriers::carried_project(ctx, actor, &f.pnt_project).map(drop)
    }),
    row("carriers::propose_change", NOT_CARRIER, |f, ctx, actor| {
        pnt::carriers::propose_change(ctx, actor, &f.pnt_project, 1, &carrier_form(), now()).map(drop)
    }),
    row("carriers::pending_proposals", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt::carriers::pending_proposals(ctx, actor, &f.pnt_project).map(drop)
    }),
    row("carriers::approve_proposal", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt::carriers::approve_proposal(ctx, actor, &f.pnt_proposal, 1, now()).map(drop)
    }),
    row("carriers::reject_proposal", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt::carriers::reject_proposal(ctx, actor, &f.pnt_proposal, "déjà fait", now()).map(drop)
    }),
    row("carriers::invite_carrier", NOT_IN_SCOPE, |f, ctx, actor| {
        pnt::carriers::invite_carrier(ctx, actor, &f.pnt_project, 1, "porteur@asso.example", "Porteur", now()).map(drop)
    }),
    row("votes::votes", NOT_MODERATOR, |_, ctx, actor| {
        pnt_votes::votes(ctx, actor, &maillage_store::PntTerritory::departement("18"), now()).map(drop)
    }),
    row("votes::vote", NOT_MODERATOR, |f, ctx, actor| pnt_votes::vote(ctx, actor, &f.online_vote, now()).map(drop)),
    // The agenda.
    row("agenda::check_manage", NOT_IN_SCOPE, |f, ctx, actor| agenda::check_manage(ctx, actor, &f.event)),
    row("agenda::create_event", NOT_IN_SCOPE, |_, ctx, actor| agenda::create_event(ctx, actor, &event_form(), now()).map(drop)),
    row("agenda::create_series", NOT_IN_SCOPE, |_, ctx, actor| {
        agenda::create_series(ctx, actor, &event_form(), Recurrence::Weekly, 2, now()).map(drop)
    }),
    row("agenda::propose_event", NOT_EDITOR, |f, ctx, actor| {
        agenda::propose_event(ctx, actor, &f.place.id, &event_form(), now()).map(drop)
    }),
    row("agenda::moderate_event", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda::moderate_event(ctx, actor, &f.event.id, f.event.sequence, true, now()).map(drop)
    }),
    row("agenda::update_event", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda::update_event(ctx, actor, &f.event.id, f.event.sequence, &event_form(), now()).map(drop)
    }),
    row("agenda::update_series", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda::update_series(ctx, actor, &f.event.id, f.event.sequence, &event_form(), now()).map(drop)
    }),
    row("agenda::close_event", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda::close_event(ctx, actor, &f.event.id, f.event.sequence, "notes", "suites", now()).map(drop)
    }),
    row("agenda::managed_events", NOT_MODERATOR, |_, ctx, actor| {
        agenda::managed_events(ctx, actor, &Default::default()).map(drop)
    }),
    row("agenda::event_with_registrations", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda::event_with_registrations(ctx, actor, &f.event.id).map(drop)
    }),
    row("registration::decide", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda_registration::decide(ctx, actor, &f.registration, true, now()).map(drop)
    }),
    row("registration::cancel_for", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda_registration::cancel_for(ctx, actor, &f.registration, now()).map(drop)
    }),
    row("registration::check_in", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda_registration::check_in(ctx, actor, &f.registration, true, now()).map(drop)
    }),
    row("registration::add_walk_in", NOT_IN_SCOPE, |f, ctx, actor| {
        let form = agenda_registration::WalkInForm { name: "Eve".to_owned(), ..Default::default() };
        agenda_registration::add_walk_in(ctx, actor, &f.event.id, &form, now()).map(drop)
    }),
    row("registration::attendees", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda_registration::attendees(ctx, actor, &f.event.id).map(drop)
    }),
    row("registration::registrants_csv", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda_registration::registrants_csv(ctx, actor, &f.event.id).map(drop)
    }),
    row("registration::registrants_ods", NOT_IN_SCOPE, |f, ctx, actor| {
        agenda_registration::registrants_ods(ctx, actor, &f.event.id).map(drop)
    }),
    row("tasks::send_reminders", NOT_ADMIN, |_, ctx, actor| {
        agenda_tasks::send_reminders(ctx, actor, now(), chrono::TimeDelta::days(30)).map(drop)
    }),
    row("tasks::purge_registrations", NOT_ADMIN, |_, ctx, actor| {
        agenda_tasks::purge_registrations(ctx, actor, now() + chrono::TimeDelta::days(400), chrono::TimeDelta::days(90)).map(drop)
    }),
    // The activity log: the team logs; an entry is its author's, its territory's
    // coordinators' and the administrators'.
    row("activity::record", NOT_MODERATOR, |f, ctx, actor| {
        activity::record(ctx, actor, &activity_form(&f.stakeholder.id), now()).map(drop)
    }),
    row("activity::entries", NOT_MODERATOR, |_, ctx, actor| {
        activity::entries(ctx, actor, &activity::LogFilter::default()).map(drop)
    }),
    row("activity::entry", NOT_IN_SCOPE, |f, ctx, actor| activity::entry(ctx, actor, &f.activity.id).map(drop)),
    row("activity::check_change", NOT_IN_SCOPE, |f, ctx, actor| activity::check_change(ctx, actor, &f.activity)),
    row("activity::update", NOT_IN_SCOPE, |f, ctx, actor| {
        activity::update(ctx, actor, &f.activity.id, 1, &activity_form(&f.stakeholder.id), now()).map(drop)
    }),
    row("activity::flag", NOT_IN_SCOPE, |f, ctx, actor| {
        activity::flag(ctx, actor, &f.activity.id, 1, Some("Action notable"), now()).map(drop)
    }),
    row("activity::delete", NOT_IN_SCOPE, |f, ctx, actor| activity::delete(ctx, actor, &f.activity.id, 1, now())),
    // An agenda event into the log: its organisers only (the Cher's event of the fixture).
    row("activity::from_event", NOT_IN_SCOPE, |f, ctx, actor| {
        activity::agenda::from_event(ctx, actor, &f.event.id, now()).map(drop)
    }),
    row("activity::event_entry", NOT_IN_SCOPE, |f, ctx, actor| {
        activity::agenda::event_entry(ctx, actor, &f.event.id).map(drop)
    }),
    row("bilan::dashboard", NOT_MODERATOR, |_, ctx, actor| {
        activity_bilan::dashboard(ctx, actor, &Selector::Departement("18".to_owned()), &period()).map(drop)
    }),
    row("bilan::dashboard of another member", NOT_ADMIN, |_, ctx, actor| {
        let other = Selector::Member("quelqu-un".to_owned());
        activity_bilan::dashboard(ctx, actor, &other, &period()).map(drop)
    }),
    row("bilan::bilan", NOT_IN_SCOPE, |_, ctx, actor| {
        activity_bilan::bilan(ctx, actor, &BilanScope::Departement("18".to_owned()), &period()).map(drop)
    }),
    row("bilan::save_introduction", NOT_IN_SCOPE, |_, ctx, actor| {
        let scope = BilanScope::Departement("18".to_owned());
        activity_bilan::save_introduction(ctx, actor, &scope, &period(), "Introduction", 0, now()).map(drop)
    }),
    row("bilan::save_introduction of the hub", NOT_ADMIN, |_, ctx, actor| {
        activity_bilan::save_introduction(ctx, actor, &BilanScope::Hub, &period(), "Introduction", 0, now()).map(drop)
    }),
    row("past::import_past", NOT_IN_SCOPE, |_, ctx, actor| {
        let file = b"departement;debut;fin;reunions\n18;2022-01-01;2022-12-31;10\n";
        past::import_past(ctx, actor, file, now()).map(drop)
    }),
    row("activity_demo::load_if_empty", NOT_ADMIN, |_, ctx, actor| {
        activity::demo::load_if_empty(ctx, actor).map(drop)
    }),
    row("monographie::bassins", NOT_MODERATOR, |_, ctx, actor| monographie::bassins(ctx, actor).map(drop)),
    row("monographie::draft", NOT_IN_SCOPE, |_, ctx, actor| {
        monographie::draft(ctx, actor, &territory(), "Bourges", now()).map(drop)
    }),
    row("monographie::save_section", NOT_IN_SCOPE, |_, ctx, actor| {
        monographie::save_section(ctx, actor, "Bourges", "synthese", "Texte", 0, now()).map(drop)
    }),
    row("monographie::publish", NOT_IN_SCOPE, |_, ctx, actor| {
        monographie::publish(ctx, actor, &territory(), "Bourges", now()).map(drop)
    }),
    row("monographie::publish_all", NOT_ADMIN, |_, ctx, actor| {
        monographie::publish_all(ctx, actor, &territory(), now()).map(drop)
    }),
    row("monographie::set_public_editions", NOT_ADMIN, |_, ctx, actor| {
        monographie::set_public_editions(ctx, actor, true, now())
    }),
    row("monographie::edition", NOT_MODERATOR, |_, ctx, actor| monographie::edition(ctx, actor, "absente").map(drop)),
    row("monographie::compare_editions", NOT_MODERATOR, |_, ctx, actor| {
        monographie::compare_editions(ctx, actor, "a", "b").map(drop)
    }),
];

#[test]
fn every_guarded_use_case_refuses_every_role_that_must_not_use_it_and_writes_nothing() {
    let fixture = fixture();
    let ctx = fixture.hub.ctx();
    let mut failures = Vec::new();
    for row in ROWS {
        for &who in row.refused {
            let before = snapshot_items(&fixture.hub.store);
            let mails = fixture.hub.mails().len();
            let result = (row.run)(&fixture, &ctx, fixture.actor(who));
            if !matches!(result, Err(AppError::Forbidden(_))) {
                failures.push(format!("{} by {who:?}: {result:?}", row.name));
            }
            if snapshot_items(&fixture.hub.store) != before || fixture.hub.mails().len() != mails {
                failures.push(format!("{} by {who:?} changed something", row.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The rows are not vacuous: an administrator passes every check but the claim, which only
/// a gestionnaire may make.
#[test]
fn an_administrator_passes_every_check() {
    let fixture = fixture();
    let ctx = fixture.hub.ctx();
    for row in ROWS {
        let actor = if row.name.starts_with("moderation::claim") { &fixture.manager } else { &fixture.hub.admin };
        let result = (row.run)(&fixture, &ctx, actor);
        assert!(!matches!(result, Err(AppError::Forbidden(_))), "{}: {result:?}", row.name);
    }
}

/// Lists filtered to a scope show an out-of-scope coordinator nothing of the Cher.
#[test]
fn scoped_lists_show_nothing_outside_the_territory() {
    let fixture = fixture();
    let ctx = fixture.hub.ctx();
    let outsider = &fixture.hub.other_coordinator;
    let (proposals, reports) = moderation::queue(&ctx, outsider).unwrap();
    assert!(proposals.is_empty() && reports.is_empty());
    assert!(duplicates::review_queue(&ctx, outsider).unwrap().is_empty());
    assert!(duplicates::merged_places(&ctx, outsider).unwrap().is_empty());
    assert!(campaigns::campaigns(&ctx, outsider).unwrap().is_empty());
    // Gestionnaires only, and only those of a place in the territory: the Indre-et-Loire's
    // coordinator sees the gestionnaire of Tours, not the one of Bourges, and the reverse.
    let emails = |actor: &Actor| -> Vec<String> {
        let users = accounts::users(&ctx, actor).unwrap();
        assert!(users.iter().all(|user| matches!(user.role, Role::Gestionnaire { .. })), "{users:?}");
        users.into_iter().map(|user| user.email).collect()
    };
    assert_eq!(emails(outsider), ["g2@asso.example"]);
    assert_eq!(emails(&fixture.hub.coordinator), ["g@asso.example"]);
    assert_eq!(accounts::users(&ctx, &fixture.hub.admin).unwrap().len(), 5);
    // The same lists are not empty for the Cher's coordinator.
    let coordinator = &fixture.hub.coordinator;
    assert_eq!(moderation::queue(&ctx, coordinator).unwrap().0.len(), 1);
    assert_eq!(duplicates::review_queue(&ctx, coordinator).unwrap().len(), 1);
    assert_eq!(duplicates::merged_places(&ctx, coordinator).unwrap().len(), 1);
    assert_eq!(campaigns::campaigns(&ctx, coordinator).unwrap().len(), 1);
}

/// The operator's command line may do what an administrator may, but not what only a person
/// can (claim a place); its audit entries name no account.
#[test]
fn the_operator_acts_as_the_hub_itself() {
    let fixture = fixture();
    let ctx = fixture.hub.ctx();
    let operator = Actor::operator(Some("Camille"));
    assert!(matches!(moderation::claim(&ctx, &operator, &fixture.place.id, "", now()), Err(AppError::Forbidden(_))));
    let resolved = duplicates::resolve(&ctx, &operator, &fixture.pair, Resolution::Distinct).unwrap();
    let pair = fixture.hub.store.duplicate_pairs().unwrap().into_iter().find(|p| p.id == resolved.pair_id).unwrap();
    assert_eq!(pair.decided_by.as_deref(), Some("Camille"));
    let entry = fixture.hub.store.audit_log(1).unwrap().remove(0);
    assert_eq!((entry.action.as_str(), entry.actor), ("doublons_distincts", None));
    // Without a locator, a coordinator's scope fails closed; the operator needs none.
    let bare = Context::new(&fixture.hub.store);
    assert!(matches!(moderation::queue(&bare, &fixture.hub.coordinator), Ok((items, _)) if items.is_empty()));
    assert!(matches!(
        moderation::approve(&bare, &fixture.hub.coordinator, &fixture.proposal, 1, None, now()),
        Err(AppError::Forbidden(_))
    ));
    assert!(duplicates::merged_places(&bare, &operator).is_ok());
}

/// Every public function of the crate that takes an `&Actor` has a row: a use case added
/// without one fails here.
#[test]
fn every_use_case_taking_an_actor_has_a_row() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut folders = vec![root];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (_, rest) in text.match_indices("\npub fn ").map(|(at, _)| text.split_at(at + 8)) {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
                    if signature.contains(": &Actor") {
                        found.push(name);
                    }
                }
            }
        }
    }
    assert!(found.len() > 30, "the scan finds the use cases: {found:?}");
    let covered: Vec<&str> =
        ROWS.iter().map(|row| row.name.split([' ', ':']).filter(|part| !part.is_empty()).nth(1).unwrap()).collect();
    let missing: Vec<&String> = found.iter().filter(|name| !covered.contains(&name.as_str())).collect();
    assert!(missing.is_empty(), "use cases taking an actor without a row in the table: {missing:?}");
}

//! The accounts half of the store contract: cases run by
//! [`store_contract_tests!`](crate::store_contract_tests) beside those of [`crate::contract`].

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use maillage_domain::*;

use crate::contract::snapshot_items;
use crate::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

pub fn user(email: &str, role: Role) -> User {
    User {
        id: new_id(),
        email: email.to_owned(),
        name: format!("Personne {email}"),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        role,
        trusted: false,
        active: true,
        failed_sign_ins: 0,
        locked_until: None,
        created_at: at(0),
    }
}

/// A place written by a person (version 1), as a coordinator creates one.
fn created(source_id: &str, author: &str) -> PlaceWrite {
    PlaceWrite {
        place: Place::first_version(
            new_place_id(),
            "maillage",
            source_id,
            PlaceRecord {
                id: source_id.to_owned(),
                nom: "Médiathèque".to_owned(),
                commune: "Vierzon".to_owned(),
                code_postal: "18100".to_owned(),
                adresse: "2 place Foch".to_owned(),
                ..PlaceRecord::default()
            },
            at(0),
        ),
        change: ChangeKind::Created,
        author: author.to_owned(),
        reason: "création".to_owned(),
        content_hash: Some("h1".to_owned()),
    }
}

/// The next version of a written place, with a new name.
fn edited(previous: &PlaceWrite, name: &str, author: &str) -> PlaceWrite {
    let mut place = previous.place.clone();
    place.version += 1;
    place.updated_at += TimeDelta::seconds(1);
    place.record.nom = name.to_owned();
    PlaceWrite {
        place,
        change: ChangeKind::Updated,
        author: author.to_owned(),
        reason: format!("nom : {name}"),
        content_hash: None,
    }
}

pub fn users_round_trip_and_emails_are_unique(store: &dyn Store) {
    let mut admin = user("admin@hub.example", Role::Administrateur);
    let coordinator = user(
        "coord@hub.example",
        Role::Coordinateur { departements: vec!["18".to_owned()], bassins: vec!["Vierzon".to_owned()] },
    );
    store.insert_user(&admin).unwrap();
    store.insert_user(&coordinator).unwrap();
    assert_eq!(store.user(&admin.id).unwrap(), Some(admin.clone()));
    assert_eq!(store.user_by_email("coord@hub.example").unwrap(), Some(coordinator.clone()));
    assert_eq!(store.user_by_email("personne@hub.example").unwrap(), None);

    let twin = user("admin@hub.example", Role::Gestionnaire { places: Vec::new() });
    assert!(matches!(store.insert_user(&twin), Err(StoreError::Conflict(_))));
    assert_eq!(store.users().unwrap(), vec![admin.clone(), coordinator.clone()]);

    admin.failed_sign_ins = 3;
    admin.locked_until = Some(at(60));
    store.update_user(&admin).unwrap();
    assert_eq!(store.user(&admin.id).unwrap(), Some(admin.clone()));
    let mut clash = coordinator.clone();
    clash.email = admin.email.clone();
    assert!(matches!(store.update_user(&clash), Err(StoreError::Conflict(_))));
    assert!(matches!(store.update_user(&twin), Err(StoreError::NotFound(_))));
    assert_eq!(store.user(&coordinator.id).unwrap(), Some(coordinator));

    // A store holding only accounts is not empty: a restore is refused.
    let refused = store.restore(&mut std::iter::empty());
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
}

pub fn sessions_are_found_by_hash_and_deleted(store: &dyn Store) {
    let person = user("a@hub.example", Role::Administrateur);
    store.insert_user(&person).unwrap();
    let session = |hash: &str| Session {
        token_hash: hash.to_owned(),
        user_id: person.id.clone(),
        csrf_token: format!("csrf-{hash}"),
        created_at: at(0),
        expires_at: at(3600),
    };
    store.insert_session(&session("s1")).unwrap();
    store.insert_session(&session("s2")).unwrap();
    assert_eq!(store.session("s1").unwrap(), Some(session("s1")));
    store.delete_session("s1").unwrap();
    assert_eq!(store.session("s1").unwrap(), None);
    assert_eq!(store.session("s2").unwrap(), Some(session("s2")));
    store.delete_user_sessions(&person.id).unwrap();
    assert_eq!(store.session("s2").unwrap(), None);

    let mut stray = session("s3");
    stray.user_id = "inconnu".to_owned();
    assert!(store.insert_session(&stray).is_err());

    // Expired sessions are forgotten; the others stay.
    let mut old = session("s4");
    old.expires_at = at(10);
    store.insert_session(&old).unwrap();
    store.insert_session(&session("s5")).unwrap();
    assert_eq!(store.delete_expired_sessions(at(11)).unwrap(), 1);
    assert_eq!(store.session("s4").unwrap(), None);
    assert_eq!(store.session("s5").unwrap(), Some(session("s5")));
    assert_eq!(store.delete_expired_sessions(at(11)).unwrap(), 0);
}

pub fn a_token_is_used_once_and_expires(store: &dyn Store) {
    let person = user("a@hub.example", Role::Administrateur);
    store.insert_user(&person).unwrap();
    let token = |hash: &str, purpose| OneTimeToken {
        token_hash: hash.to_owned(),
        purpose,
        user_id: Some(person.id.clone()),
        subject: None,
        created_at: at(0),
        expires_at: at(3600),
        used_at: None,
    };
    store.insert_token(&token("t1", TokenPurpose::Invitation)).unwrap();
    store.insert_token(&token("t2", TokenPurpose::PasswordReset)).unwrap();

    // Another purpose does not open it, and does not spend it.
    assert_eq!(store.use_token("t1", TokenPurpose::PasswordReset, at(10)).unwrap(), TokenUse::Unknown);
    let mut used = token("t1", TokenPurpose::Invitation);
    used.used_at = Some(at(10));
    assert_eq!(store.use_token("t1", TokenPurpose::Invitation, at(10)).unwrap(), TokenUse::Accepted(used));
    assert_eq!(store.use_token("t1", TokenPurpose::Invitation, at(11)).unwrap(), TokenUse::AlreadyUsed);
    assert_eq!(store.use_token("t2", TokenPurpose::PasswordReset, at(3600)).unwrap(), TokenUse::Expired);
    assert_eq!(store.use_token("nope", TokenPurpose::PasswordReset, at(1)).unwrap(), TokenUse::Unknown);

    // Tokens that expired before the date are forgotten, used or not; the others stay.
    let mut later = token("t3", TokenPurpose::Invitation);
    later.expires_at = at(7200);
    store.insert_token(&later).unwrap();
    assert_eq!(store.delete_expired_tokens(at(3600)).unwrap(), 0);
    assert_eq!(store.delete_expired_tokens(at(3601)).unwrap(), 2);
    assert_eq!(store.use_token("t2", TokenPurpose::PasswordReset, at(3600)).unwrap(), TokenUse::Unknown);
    assert!(matches!(store.use_token("t3", TokenPurpose::Invitation, at(3601)).unwrap(), TokenUse::Accepted(_)));
    assert_eq!(store.delete_expired_tokens(at(3601)).unwrap(), 0);
}

/// Spending an account's tokens of one purpose voids its earlier links of that purpose, and
/// nothing else: not another purpose, not another account's, not what is used or expired.
pub fn an_accounts_earlier_tokens_are_spent_together(store: &dyn Store) {
    let person = user("a@hub.example", Role::Administrateur);
    let other = user("b@hub.example", Role::Administrateur);
    store.insert_user(&person).unwrap();
    store.insert_user(&other).unwrap();
    let token = |hash: &str, owner: &User, purpose, expires| OneTimeToken {
        token_hash: hash.to_owned(),
        purpose,
        user_id: Some(owner.id.clone()),
        subject: None,
        created_at: at(0),
        expires_at: at(expires),
        used_at: None,
    };
    for token in [
        token("r1", &person, TokenPurpose::PasswordReset, 3600),
        token("r2", &person, TokenPurpose::PasswordReset, 3600),
        token("r3", &person, TokenPurpose::PasswordReset, 3600),
        token("old", &person, TokenPurpose::PasswordReset, 10),
        token("inv", &person, TokenPurpose::Invitation, 3600),
        token("theirs", &other, TokenPurpose::PasswordReset, 3600),
    ] {
        store.insert_token(&token).unwrap();
    }
    assert!(matches!(store.use_token("r3", TokenPurpose::PasswordReset, at(15)).unwrap(), TokenUse::Accepted(_)));
    assert_eq!(store.spend_user_tokens(&person.id, TokenPurpose::PasswordReset, at(20)).unwrap(), 2);
    assert_eq!(store.use_token("r1", TokenPurpose::PasswordReset, at(30)).unwrap(), TokenUse::AlreadyUsed);
    assert_eq!(store.use_token("r2", TokenPurpose::PasswordReset, at(30)).unwrap(), TokenUse::AlreadyUsed);
    assert_eq!(store.use_token("old", TokenPurpose::PasswordReset, at(30)).unwrap(), TokenUse::Expired);
    let mut spent = token("r1", &person, TokenPurpose::PasswordReset, 3600);
    spent.used_at = Some(at(20));
    let tokens = tokens(store);
    assert!(tokens.contains(&spent), "{tokens:?}");
    assert!(matches!(store.use_token("inv", TokenPurpose::Invitation, at(30)).unwrap(), TokenUse::Accepted(_)));
    assert!(matches!(store.use_token("theirs", TokenPurpose::PasswordReset, at(30)).unwrap(), TokenUse::Accepted(_)));
    assert_eq!(store.spend_user_tokens(&person.id, TokenPurpose::PasswordReset, at(40)).unwrap(), 0);
}

/// Every token, as a backup holds them.
fn tokens(store: &dyn Store) -> Vec<OneTimeToken> {
    snapshot_items(store)
        .into_iter()
        .filter_map(|item| match item {
            SnapshotItem::Token(token) => Some(token),
            _ => None,
        })
        .collect()
}

pub fn audit_log_is_newest_first(store: &dyn Store) {
    let entries: Vec<AuditEntry> = (0..5)
        .map(|index| AuditEntry {
            id: new_id(),
            at: at(index),
            actor: (index % 2 == 0).then(|| "u1".to_owned()),
            action: "connexion".to_owned(),
            target: Some(format!("utilisateur:{index}")),
            detail: format!("essai {index}"),
        })
        .collect();
    for entry in &entries {
        store.append_audit(entry).unwrap();
    }
    let latest = store.audit_log(3).unwrap();
    assert_eq!(latest, entries.iter().rev().take(3).cloned().collect::<Vec<_>>());
}

pub fn a_person_edit_writes_a_version_with_its_note(store: &dyn Store) {
    let first = created("m-1", "u-coord");
    store.save_place(&first).unwrap();
    let second = edited(&first, "Médiathèque Paul-Éluard", "u-gest");
    store.save_place(&second).unwrap();

    assert_eq!(store.place(&first.place.id).unwrap(), Some(second.place.clone()));
    let history = store.place_history(&first.place.id).unwrap();
    assert_eq!(history.iter().map(|version| version.version).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(history[0].record, first.place.record);
    assert_eq!(history[1].record, second.place.record);
    assert_eq!(history[1].change, ChangeKind::Updated);
    assert_eq!(store.version_notes(&first.place.id).unwrap(), vec![first.note(), second.note()]);

    // An edit keeps the fingerprint imports compare, so an unchanged source file does not
    // undo it.
    let batch = ImportBatch {
        id: new_batch_id(),
        source: "maillage".to_owned(),
        file_name: "x.csv".to_owned(),
        started_at: at(5),
        finished_at: None,
        counts: ImportCounts::default(),
    };
    let existing = store.begin_import(&batch).unwrap().existing().unwrap();
    assert_eq!(existing.len(), 1);
    assert_eq!((existing[0].version, existing[0].content_hash.as_str()), (2, "h1"));
}

pub fn a_stale_place_edit_is_a_conflict_and_writes_nothing(store: &dyn Store) {
    let first = created("m-1", "u1");
    store.save_place(&first).unwrap();
    let winner = edited(&first, "Premier", "u1");
    let loser = edited(&first, "Second", "u2");
    store.save_place(&winner).unwrap();
    assert!(matches!(store.save_place(&loser), Err(StoreError::Conflict(_))));
    assert_eq!(store.place(&first.place.id).unwrap().unwrap().record.nom, "Premier");
    assert_eq!(store.place_history(&first.place.id).unwrap().len(), 2);
    assert_eq!(store.version_notes(&first.place.id).unwrap().len(), 2);

    // Creating the same place twice, or editing an unknown one, writes nothing either.
    assert!(matches!(store.save_place(&first), Err(StoreError::Conflict(_))));
    let mut unknown = edited(&first, "x", "u1");
    unknown.place.id = new_place_id();
    assert!(matches!(store.save_place(&unknown), Err(StoreError::NotFound(_))));
    assert_eq!(store.places(&PlaceQuery::default()).unwrap().len(), 1);
}

fn proposal(place: &Place, author: &str, kind: ProposalKind) -> Proposal {
    Proposal {
        id: new_id(),
        place_id: place.id.clone(),
        kind,
        author: author.to_owned(),
        created_at: at(1),
        status: ProposalStatus::Pending,
        reviewer: None,
        reviewed_at: None,
        reason: None,
    }
}

fn decided(mut proposal: Proposal, status: ProposalStatus, reviewer: &str) -> Proposal {
    proposal.status = status;
    proposal.reviewer = Some(reviewer.to_owned());
    proposal.reviewed_at = Some(at(100));
    proposal.reason = Some("vu".to_owned());
    proposal
}

pub fn proposals_are_decided_once_with_their_writes(store: &dyn Store) {
    let first = created("m-1", "u-coord");
    store.save_place(&first).unwrap();
    let mut manager = user("g@asso.example", Role::Gestionnaire { places: Vec::new() });
    store.insert_user(&manager).unwrap();

    let claim = proposal(&first.place, &manager.id, ProposalKind::Claim { message: "c'est nous".to_owned() });
    let change = edited(&first, "Nouveau nom", &manager.id);
    let edit = proposal(
        &first.place,
        &manager.id,
        ProposalKind::Edit { base_version: 1, record: Box::new(change.place.record.clone()) },
    );
    store.insert_proposal(&claim).unwrap();
    store.insert_proposal(&edit).unwrap();
    assert_eq!(store.proposals(Some(ProposalStatus::Pending)).unwrap(), vec![claim.clone(), edit.clone()]);
    assert_eq!(store.proposal(&edit.id).unwrap(), Some(edit.clone()));
    let mut stray = proposal(&first.place, "x", ProposalKind::Claim { message: String::new() });
    stray.place_id = PlaceId("inconnu".to_owned());
    assert!(store.insert_proposal(&stray).is_err());

    // Approving the claim grants the place, in the same transaction.
    manager.role = Role::Gestionnaire { places: vec![first.place.id.clone()] };
    let approved_claim = decided(claim.clone(), ProposalStatus::Approved, "u-coord");
    store
        .decide_proposal(&ProposalDecision {
            proposal: approved_claim.clone(),
            place: None,
            user: Some(manager.clone()),
        })
        .unwrap();
    assert_eq!(store.user(&manager.id).unwrap(), Some(manager.clone()));
    assert!(matches!(
        store.decide_proposal(&ProposalDecision { proposal: approved_claim.clone(), place: None, user: None }),
        Err(StoreError::Conflict(_))
    ));

    // A decision whose place write is stale writes nothing: the edit stays pending.
    store.save_place(&edited(&first, "Entre-temps", "u-coord")).unwrap();
    let approved_edit = decided(edit.clone(), ProposalStatus::Approved, "u-coord");
    let refused = store.decide_proposal(&ProposalDecision {
        proposal: approved_edit.clone(),
        place: Some(change.clone()),
        user: None,
    });
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(store.proposal(&edit.id).unwrap(), Some(edit.clone()));
    assert_eq!(store.place(&first.place.id).unwrap().unwrap().record.nom, "Entre-temps");

    let mut rebased = change.clone();
    rebased.place.version = 3;
    store
        .decide_proposal(&ProposalDecision { proposal: approved_edit.clone(), place: Some(rebased), user: None })
        .unwrap();
    assert_eq!(store.place(&first.place.id).unwrap().unwrap().record.nom, "Nouveau nom");
    assert!(store.proposals(Some(ProposalStatus::Pending)).unwrap().is_empty());
    assert_eq!(store.proposals(None).unwrap(), vec![approved_claim, approved_edit]);
}

pub fn campaigns_round_trip(store: &dyn Store) {
    let a = created("m-1", "u");
    let b = created("m-2", "u");
    store.save_place(&a).unwrap();
    store.save_place(&b).unwrap();
    let campaign = |id: &str, seconds| Campaign {
        id: id.to_owned(),
        name: format!("Printemps {id}"),
        territory: "18".to_owned(),
        created_by: "u".to_owned(),
        created_at: at(seconds),
        reminder_days: 14,
    };
    let entry = |campaign: &str, place: &Place| CampaignEntry {
        campaign_id: campaign.to_owned(),
        place_id: place.id.clone(),
        status: CampaignPlaceStatus::Sent,
        sent_at: Some(at(2)),
        reminded_at: None,
        answered_at: None,
    };
    let entries = vec![entry("c1", &a.place), entry("c1", &b.place)];
    store.insert_campaign(&campaign("c1", 0), &entries).unwrap();
    store.insert_campaign(&campaign("c2", 10), &[]).unwrap();
    assert_eq!(store.campaigns().unwrap(), vec![campaign("c2", 10), campaign("c1", 0)]);
    assert_eq!(store.campaign("c1").unwrap(), Some(campaign("c1", 0)));
    assert_eq!(store.campaign_entries("c1").unwrap(), entries);

    let mut confirmed = entries[1].clone();
    confirmed.status = CampaignPlaceStatus::Confirmed;
    confirmed.answered_at = Some(at(50));
    store.update_campaign_entry(&confirmed).unwrap();
    assert_eq!(store.campaign_entries("c1").unwrap(), vec![entries[0].clone(), confirmed.clone()]);
    store.insert_campaign(&campaign("c0", 5), &[entry("c0", &b.place)]).unwrap();
    assert_eq!(store.place_campaign_entries(&b.place.id).unwrap(), vec![entry("c0", &b.place), confirmed]);
    assert!(store.place_campaign_entries(&PlaceId("inconnu".to_owned())).unwrap().is_empty());
    assert!(matches!(store.update_campaign_entry(&entry("c2", &a.place)), Err(StoreError::NotFound(_))));

    // A place twice, or an unknown place, refuses the whole campaign.
    let twice = vec![entry("c3", &a.place), entry("c3", &a.place)];
    assert!(store.insert_campaign(&campaign("c3", 20), &twice).is_err());
    assert_eq!(store.campaign("c3").unwrap(), None);
}

fn public_report(place: &Place, message: &str) -> PlaceReport {
    PlaceReport {
        id: new_report_id(),
        place_id: place.id.clone(),
        category: "horaires".to_owned(),
        message: message.to_owned(),
        created_at: at(1),
    }
}

fn resolution(report: &PlaceReport) -> ReportResolution {
    ReportResolution {
        report_id: report.id.clone(),
        resolved_by: "u-coord".to_owned(),
        resolved_at: at(30),
        note: "fiche corrigée".to_owned(),
    }
}

pub fn reports_are_resolved_once(store: &dyn Store) {
    let first = created("m-1", "u");
    store.save_place(&first).unwrap();
    let (a, b) = (public_report(&first.place, "a"), public_report(&first.place, "b"));
    store.add_place_report(&a).unwrap();
    store.add_place_report(&b).unwrap();
    store.resolve_report(&resolution(&b)).unwrap();
    assert_eq!(store.report_resolutions().unwrap(), vec![resolution(&b)]);
    let mut again = resolution(&b);
    again.note = "autre".to_owned();
    assert!(matches!(store.resolve_report(&again), Err(StoreError::Conflict(_))));
    let mut unknown = resolution(&a);
    unknown.report_id = "inconnu".to_owned();
    assert!(matches!(store.resolve_report(&unknown), Err(StoreError::NotFound(_))));
    assert_eq!(store.report_resolutions().unwrap(), vec![resolution(&b)]);
    // The report itself is kept.
    assert_eq!(store.place_reports(None).unwrap().len(), 2);
}

pub fn settings_are_replaced_by_key(store: &dyn Store) {
    assert_eq!(store.setting("nom").unwrap(), None);
    store.set_setting("nom", "Hub du Cher").unwrap();
    store.set_setting("couleur", "#123456").unwrap();
    store.set_setting("nom", "Hub du Berry").unwrap();
    assert_eq!(store.setting("nom").unwrap().as_deref(), Some("Hub du Berry"));
    assert_eq!(store.setting("couleur").unwrap().as_deref(), Some("#123456"));
    assert_eq!(store.setting("logo").unwrap(), None);
}

/// Something of every accounts table.
pub fn fill_accounts(store: &dyn Store) {
    let first = created("m-1", "u-coord");
    store.save_place(&first).unwrap();
    store.save_place(&edited(&first, "Renommée", "u-coord")).unwrap();
    let person = user("g@asso.example", Role::Gestionnaire { places: vec![first.place.id.clone()] });
    store.insert_user(&person).unwrap();
    store
        .insert_session(&Session {
            token_hash: "s".to_owned(),
            user_id: person.id.clone(),
            csrf_token: "c".to_owned(),
            created_at: at(0),
            expires_at: at(10),
        })
        .unwrap();
    store
        .insert_token(&OneTimeToken {
            token_hash: "t".to_owned(),
            purpose: TokenPurpose::CampaignConfirmation,
            user_id: None,
            subject: Some(format!("c1/{}", first.place.id)),
            created_at: at(0),
            expires_at: at(10),
            used_at: Some(at(5)),
        })
        .unwrap();
    store
        .append_audit(&AuditEntry {
            id: new_id(),
            at: at(3),
            actor: Some(person.id.clone()),
            action: "connexion".to_owned(),
            target: None,
            detail: String::new(),
        })
        .unwrap();
    store
        .insert_proposal(&proposal(
            &first.place,
            &person.id,
            ProposalKind::Edit { base_version: 2, record: Box::new(first.place.record.clone()) },
        ))
        .unwrap();
    let campaign = Campaign {
        id: "c1".to_owned(),
        name: "Printemps".to_owned(),
        territory: "bassin:Vierzon".to_owned(),
        created_by: person.id.clone(),
        created_at: at(0),
        reminder_days: 7,
    };
    let entry = CampaignEntry {
        campaign_id: "c1".to_owned(),
        place_id: first.place.id.clone(),
        status: CampaignPlaceStatus::Confirmed,
        sent_at: Some(at(1)),
        reminded_at: Some(at(2)),
        answered_at: Some(at(3)),
    };
    store.insert_campaign(&campaign, &[entry]).unwrap();
    let report = public_report(&first.place, "fermé le lundi");
    store.add_place_report(&report).unwrap();
    store.resolve_report(&resolution(&report)).unwrap();
}

pub fn accounts_snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    fill_accounts(source);
    source.set_setting("marque.nom", "Hub du Centre").unwrap();
    let items = snapshot_items(source);
    let kinds: Vec<&str> = items.iter().map(SnapshotItem::kind).collect();
    for kind in
        ["user", "session", "token", "audit", "version_note", "proposal", "campaign", "report_resolution", "setting"]
    {
        assert!(kinds.contains(&kind), "{kind} absent de {kinds:?}");
    }
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
    assert_eq!(target.setting("marque.nom").unwrap().as_deref(), Some("Hub du Centre"));
    for place in source.places(&PlaceQuery::default()).unwrap() {
        assert_eq!(target.version_notes(&place.id).unwrap(), source.version_notes(&place.id).unwrap());
    }
}

/// What each refusal of the accounts half says, word for word (see
/// [`crate::contract::refusals_name_what_they_refuse`]).
pub fn account_refusals_name_what_they_refuse(store: &dyn Store) {
    let refusal = |result: StoreResult<()>| result.expect_err("a refusal").to_string();
    let admin = user("a@hub.example", Role::Administrateur);
    store.insert_user(&admin).unwrap();
    let twin = User { id: "u-twin".to_owned(), ..admin.clone() };
    assert_eq!(refusal(store.insert_user(&twin)), "conflit : un compte existe déjà avec cette adresse");
    assert_eq!(refusal(store.update_user(&twin)), "introuvable : utilisateur u-twin");
    let session = Session {
        token_hash: "s".to_owned(),
        user_id: "personne".to_owned(),
        csrf_token: "c".to_owned(),
        created_at: at(0),
        expires_at: at(60),
    };
    assert_eq!(refusal(store.insert_session(&session)), "introuvable : utilisateur personne");
    let token = OneTimeToken {
        token_hash: "t".to_owned(),
        purpose: TokenPurpose::Invitation,
        user_id: Some(admin.id.clone()),
        subject: None,
        created_at: at(0),
        expires_at: at(60),
        used_at: None,
    };
    store.insert_token(&token).unwrap();
    assert_eq!(refusal(store.insert_token(&token)), "conflit : jeton déjà enregistré ou compte inconnu");

    let first = created("m-1", "u");
    store.save_place(&first).unwrap();
    let id = first.place.id.clone();
    assert_eq!(refusal(store.save_place(&first)), "conflit : le lieu m-1 de la source maillage existe déjà");
    let second = edited(&first, "Autre nom", "u");
    store.save_place(&second).unwrap();
    assert_eq!(refusal(store.save_place(&second)), format!("conflit : le lieu {id} a été modifié entre-temps"));
    let mut unknown = edited(&first, "x", "u");
    unknown.place.id = PlaceId("inconnu".to_owned());
    assert_eq!(refusal(store.save_place(&unknown)), "introuvable : lieu inconnu");

    let claim = Proposal {
        id: "pr1".to_owned(),
        place_id: PlaceId("inconnu".to_owned()),
        kind: ProposalKind::Claim { message: String::new() },
        author: admin.id.clone(),
        created_at: at(1),
        status: ProposalStatus::Pending,
        reviewer: None,
        reviewed_at: None,
        reason: None,
    };
    assert_eq!(refusal(store.insert_proposal(&claim)), "introuvable : lieu inconnu");
    let claim = Proposal { place_id: id.clone(), ..claim };
    store.insert_proposal(&claim).unwrap();
    let decision = |proposal: Proposal| ProposalDecision {
        proposal: Proposal { status: ProposalStatus::Rejected, ..proposal },
        place: None,
        user: None,
    };
    store.decide_proposal(&decision(claim.clone())).unwrap();
    assert_eq!(
        refusal(store.decide_proposal(&decision(claim.clone()))),
        "conflit : la proposition pr1 a déjà été traitée"
    );
    let stray = Proposal { id: "pr2".to_owned(), ..claim };
    assert_eq!(refusal(store.decide_proposal(&decision(stray))), "introuvable : proposition pr2");

    let campaign = Campaign {
        id: "c1".to_owned(),
        name: "Printemps".to_owned(),
        territory: "18".to_owned(),
        created_by: admin.id.clone(),
        created_at: at(2),
        reminder_days: 14,
    };
    let entry = |campaign_id: &str, place_id: &PlaceId| CampaignEntry {
        campaign_id: campaign_id.to_owned(),
        place_id: place_id.clone(),
        status: CampaignPlaceStatus::Sent,
        sent_at: None,
        reminded_at: None,
        answered_at: None,
    };
    let elsewhere = [entry("c0", &id)];
    assert_eq!(
        refusal(store.insert_campaign(&campaign, &elsewhere)),
        format!("conflit : le lieu {id} est rattaché à une autre campagne")
    );
    let stray = [entry("c1", &PlaceId("inconnu".to_owned()))];
    assert_eq!(
        refusal(store.insert_campaign(&campaign, &stray)),
        "conflit : le lieu inconnu (inconnu, ou deux fois dans la campagne)"
    );
    store.insert_campaign(&campaign, &[]).unwrap();
    assert_eq!(refusal(store.insert_campaign(&campaign, &[])), "conflit : la campagne c1 existe déjà");
    assert_eq!(
        refusal(store.update_campaign_entry(&entry("c1", &id))),
        format!("introuvable : lieu {id} de la campagne c1")
    );

    let report = public_report(&first.place, "fermé");
    store.add_place_report(&report).unwrap();
    store.resolve_report(&resolution(&report)).unwrap();
    assert_eq!(
        refusal(store.resolve_report(&resolution(&report))),
        format!("conflit : le signalement {} est déjà traité", report.id)
    );
    let unknown = ReportResolution { report_id: "inconnu".to_owned(), ..resolution(&report) };
    assert_eq!(refusal(store.resolve_report(&unknown)), "introuvable : signalement inconnu");
}

//! Accounts, moderation, history and campaigns through their use cases, on a real SQLite
//! store, the real territory and the mails kept in memory.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use maillage_app::accounts::*;
use maillage_app::campaigns::*;
use maillage_app::moderation::*;
use maillage_app::territory::Locator;
use maillage_app::AppError;
use maillage_domain::Place;
use maillage_store::*;
use maillage_store_sqlite::SqliteStore;

use crate::support::*;

#[test]
fn sign_in_locks_after_repeated_failures_then_lets_in_after_the_delay() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let email = "coord18@hub.example";
    for _ in 0..LOCK_AFTER_FAILURES - 1 {
        refused(sign_in(&ctx, email, "mauvais", t0()), "incorrect");
    }
    refused(sign_in(&ctx, email, "mauvais", t0()), "incorrect");
    let locked = hub.store.user_by_email(email).unwrap().unwrap().locked_until;
    assert_eq!(locked, Some(t0() + TimeDelta::minutes(FIRST_LOCK_MINUTES)));
    // Locked: even the right password is refused until the delay has passed.
    refused(sign_in(&ctx, email, PASSWORD, t0() + TimeDelta::seconds(30)), "incorrect");
    let signed = sign_in(&ctx, " Coord18@HUB.example ", PASSWORD, t0() + TimeDelta::minutes(2)).unwrap();
    assert_eq!(signed.user.failed_sign_ins, 0);
    assert_eq!(hub.store.user(&signed.user.id).unwrap().unwrap().locked_until, None);
    let (session, user) = session_user(&hub.store, &signed.token, t0() + TimeDelta::minutes(3)).unwrap().unwrap();
    assert_eq!((session.user_id, user.email), (signed.user.id.clone(), email.to_owned()));
    // The store never holds the token itself.
    assert!(hub.store.session(&signed.token).unwrap().is_none());
    // Expired, then signed out.
    assert!(session_user(&hub.store, &signed.token, t0() + TimeDelta::hours(SESSION_HOURS + 1)).unwrap().is_none());
    assert!(hub.store.session(&hash_token(&signed.token)).unwrap().is_none());

    // Each further failure doubles the delay, to a ceiling.
    assert_eq!(lockout(LOCK_AFTER_FAILURES - 1), None);
    assert_eq!(lockout(LOCK_AFTER_FAILURES), Some(TimeDelta::minutes(1)));
    assert_eq!(lockout(LOCK_AFTER_FAILURES + 2), Some(TimeDelta::minutes(4)));
    assert_eq!(lockout(LOCK_AFTER_FAILURES + 30), Some(TimeDelta::minutes(MAX_LOCK_MINUTES)));
}

#[test]
fn unknown_accounts_and_wrong_passwords_get_the_same_answer() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let unknown = sign_in(&ctx, "personne@hub.example", PASSWORD, t0()).unwrap_err().to_string();
    let wrong = sign_in(&ctx, "admin@hub.example", "mauvais", t0()).unwrap_err().to_string();
    assert_eq!(unknown, wrong);
    let log = hub.store.audit_log(10).unwrap();
    assert_eq!(log.iter().filter(|entry| entry.action == "connexion_refusee").count(), 2);
}

/// Whether an address has an account shows neither in the answer nor in the work done: a
/// locked account, a wrong password, an unknown or disabled address all get the same words
/// after exactly one password verification (timing itself is too noisy to test).
#[test]
fn a_locked_account_answers_like_an_unknown_address_after_the_same_work() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let mut disabled = new_user("partie@hub.example", "Partie", Role::Administrateur, t0()).unwrap();
    disabled.password_hash = Some(hash_password(PASSWORD).unwrap());
    disabled.active = false;
    hub.store.insert_user(&disabled).unwrap();
    let email = "coord18@hub.example";
    for _ in 0..LOCK_AFTER_FAILURES {
        let _ = sign_in(&ctx, email, "mauvais", t0());
    }
    let attempts: [(&str, &str); 6] = [
        ("personne@hub.example", PASSWORD),
        ("personne@hub.example", "mauvais"),
        ("partie@hub.example", PASSWORD),
        ("admin@hub.example", "mauvais"),
        (email, "mauvais"),
        // Locked: the right password gets the same refusal.
        (email, PASSWORD),
    ];
    for (address, password) in attempts {
        let before = password_verifications();
        let result = sign_in(&ctx, address, password, t0() + TimeDelta::seconds(10));
        assert_eq!(password_verifications() - before, 1, "{address}");
        match result {
            Err(AppError::Refused(message)) => assert_eq!(message, SIGN_IN_REFUSED, "{address}"),
            other => panic!("{address}: {other:?}"),
        }
    }
    assert!(!SIGN_IN_REFUSED.contains("jusqu"));
}

/// A reset asked for an unknown address draws, signs and stores a link token as for a known
/// one (a token that names no account, so it sets no password) and writes one audit line;
/// only the mail differs.
#[test]
fn a_reset_request_does_the_same_work_for_known_and_unknown_addresses() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let rows = |kind: &str| {
        let items = maillage_store::contract::snapshot_items(&hub.store);
        items.iter().filter(|item| item.kind() == kind).count()
    };
    let (tokens, audit) = (rows("token"), rows("audit"));
    request_password_reset(&ctx, "personne@hub.example", t0()).unwrap();
    assert_eq!((rows("token"), rows("audit")), (tokens + 1, audit + 1));
    request_password_reset(&ctx, "admin@hub.example", t0()).unwrap();
    assert_eq!((rows("token"), rows("audit")), (tokens + 2, audit + 2));
    assert_eq!(hub.mails().len(), 1);
    let log = hub.store.audit_log(2).unwrap();
    assert!(log.iter().all(|entry| !entry.detail.contains("personne") && !entry.detail.contains('@')), "{log:?}");
}

#[test]
fn invitations_open_once_and_expire() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let invited = invite(&ctx, &hub.admin, "Nouvelle@Hub.example", "Nouvelle", Role::Administrateur, t0()).unwrap();
    assert_eq!(invited.email, "nouvelle@hub.example");
    refused(sign_in(&ctx, "nouvelle@hub.example", PASSWORD, t0()), "incorrect");
    let token = hub.link_token("https://hub.example/compte/invitation?jeton=");

    // A short password is refused and does not spend the link.
    assert!(matches!(accept_invitation(&ctx, &token, "court", t0()), Err(AppError::Invalid(_))));
    // A forged signature or another purpose's link is refused.
    let (raw, _) = token.split_once('.').unwrap();
    refused(accept_invitation(&ctx, &format!("{raw}.00"), PASSWORD, t0()), "n'est pas valide");
    refused(reset_password(&ctx, &token, PASSWORD, t0()), "n'est pas valide");

    let signed = accept_invitation(&ctx, &token, PASSWORD, t0() + TimeDelta::hours(1)).unwrap();
    assert_eq!(signed.user.id, invited.id);
    sign_in(&ctx, "nouvelle@hub.example", PASSWORD, t0() + TimeDelta::hours(2)).unwrap();
    refused(accept_invitation(&ctx, &token, "un autre mot de passe long", t0() + TimeDelta::hours(3)), "déjà servi");

    invite(&ctx, &hub.admin, "tard@hub.example", "Tard", Role::Administrateur, t0()).unwrap();
    let late = hub.link_token("https://hub.example/compte/invitation?jeton=");
    assert_ne!(late, token);
    refused(accept_invitation(&ctx, &late, PASSWORD, t0() + TimeDelta::days(INVITATION_DAYS)), "a expiré");
}

#[test]
fn a_password_reset_signs_out_everywhere_and_reveals_no_account() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let before = sign_in(&ctx, "admin@hub.example", PASSWORD, t0()).unwrap();
    request_password_reset(&ctx, "personne@hub.example", t0()).unwrap();
    assert!(hub.mails().is_empty());
    request_password_reset(&ctx, "admin@hub.example", t0()).unwrap();
    let token = hub.link_token("https://hub.example/compte/reinitialisation?jeton=");
    refused(reset_password(&ctx, &token, "encore un mot de passe", t0() + TimeDelta::hours(RESET_HOURS)), "a expiré");

    request_password_reset(&ctx, "admin@hub.example", t0()).unwrap();
    let token = hub.link_token("https://hub.example/compte/reinitialisation?jeton=");
    reset_password(&ctx, &token, "encore un mot de passe", t0() + TimeDelta::minutes(5)).unwrap();
    assert!(session_user(&hub.store, &before.token, t0() + TimeDelta::minutes(6)).unwrap().is_none());
    refused(sign_in(&ctx, "admin@hub.example", PASSWORD, t0() + TimeDelta::minutes(7)), "incorrect");
    sign_in(&ctx, "admin@hub.example", "encore un mot de passe", t0() + TimeDelta::minutes(8)).unwrap();
    refused(reset_password(&ctx, &token, "encore un autre mot de passe", t0() + TimeDelta::minutes(9)), "déjà servi");
}

/// A reset voids every reset link mailed to the account before it, used or not.
#[test]
fn a_password_reset_voids_every_earlier_reset_link() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let link = "https://hub.example/compte/reinitialisation?jeton=";
    request_password_reset(&ctx, "admin@hub.example", t0()).unwrap();
    let first = hub.link_token(link);
    request_password_reset(&ctx, "admin@hub.example", t0() + TimeDelta::minutes(1)).unwrap();
    let second = hub.link_token(link);
    request_password_reset(&ctx, "coord18@hub.example", t0() + TimeDelta::minutes(1)).unwrap();
    let someone_elses = hub.link_token(link);
    assert_ne!(first, second);
    reset_password(&ctx, &second, "un nouveau mot de passe", t0() + TimeDelta::minutes(2)).unwrap();
    refused(reset_password(&ctx, &first, "celui de l'attaquant", t0() + TimeDelta::minutes(3)), "déjà servi");
    sign_in(&ctx, "admin@hub.example", "un nouveau mot de passe", t0() + TimeDelta::minutes(4)).unwrap();
    // Another account's link is untouched.
    reset_password(&ctx, &someone_elses, "un autre mot de passe", t0() + TimeDelta::minutes(5)).unwrap();
}

#[test]
fn forms_are_validated_as_imports_are_with_a_message_per_field() {
    let hub = Hub::new();
    let bad = with(with(fields("Lieu"), "code_postal", "180"), "courriels", "pas-une-adresse");
    let Err(AppError::Invalid(errors)) = create_place(&hub.ctx(), &hub.admin, &bad, t0()) else { panic!() };
    let by_field: BTreeMap<&str, &str> = errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
    assert_eq!(by_field.get("code_postal"), Some(&"code postal invalide (5 chiffres attendus)"));
    assert!(by_field.contains_key("courriels"), "{errors:?}");
    let missing = with(fields("Lieu"), "nom", " ");
    let Err(AppError::Invalid(errors)) = create_place(&hub.ctx(), &hub.admin, &missing, t0()) else { panic!() };
    assert_eq!(errors[0].field, "nom");
    assert!(hub.store.places(&PlaceQuery::default()).unwrap().is_empty());
}

#[test]
fn a_managers_edit_waits_for_approval_and_a_trusted_one_is_published() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let place = hub.place("Médiathèque");
    let manager = hub.manager("g@asso.example", &[&place], false);
    let edit = with(fields("Médiathèque"), "horaires", "Mo-Sa 09:00-18:00");
    let EditOutcome::Queued(proposal) = submit_edit(&ctx, &manager, &place.id, 1, &edit, "samedi", t0()).unwrap()
    else {
        panic!("queued expected")
    };
    assert_eq!(hub.store.place(&place.id).unwrap().unwrap().version, 1);

    let (items, _) = queue(&ctx, &hub.coordinator).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].changes.iter().map(|c| c.field).collect::<Vec<_>>(), vec!["horaires"]);
    assert_eq!(items[0].changes[0].after, "Mo-Sa 09:00-18:00");
    assert!(queue(&ctx, &hub.other_coordinator).unwrap().0.is_empty());

    // Approved with a correction: the reviewer's version is published, authored by the
    // gestionnaire, with the reviewer in the reason.
    let corrected = with(edit.clone(), "horaires", "Mo-Sa 09:30-18:00");
    approve(&ctx, &hub.coordinator, &proposal.id, 1, Some(&corrected), t0()).unwrap();
    let now = hub.store.place(&place.id).unwrap().unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(now.record.horaires.as_ref().unwrap().as_str(), "Mo-Sa 09:30-18:00");
    let history = history(&ctx, &manager, &place.id).unwrap();
    assert_eq!(history[1].author, manager.id().unwrap());
    assert!(history[1].reason.contains("approuvée avec corrections"), "{}", history[1].reason);
    assert!(matches!(
        approve(&ctx, &hub.coordinator, &proposal.id, 2, None, t0()),
        Err(AppError::Store(StoreError::Conflict(_)))
    ));

    let trusted = hub.manager("confiance@asso.example", &[&place], true);
    let EditOutcome::Published(published) =
        submit_edit(&ctx, &trusted, &place.id, 2, &with(edit, "telephone", "02 48 00 00 00"), "", t0()).unwrap()
    else {
        panic!("published expected")
    };
    assert_eq!(published.version, 3);
    assert_eq!(published.record.telephone.as_deref(), Some("+33248000000"));
    // Editing on a stale version is a conflict, never a lost update.
    assert!(matches!(
        submit_edit(&ctx, &trusted, &place.id, 2, &fields("Autre"), "", t0()),
        Err(AppError::Store(StoreError::Conflict(_)))
    ));
}

#[test]
fn public_reports_join_the_queue_until_a_coordinator_closes_them() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let place = hub.place("Médiathèque");
    let report = hub.report(&place);
    assert_eq!(queue(&ctx, &hub.coordinator).unwrap().1.len(), 1);
    assert!(queue(&ctx, &hub.other_coordinator).unwrap().1.is_empty());
    forbidden(resolve_report(&ctx, &hub.other_coordinator, &report.id, "vu", t0()));
    assert!(matches!(resolve_report(&ctx, &hub.coordinator, &report.id, " ", t0()), Err(AppError::Invalid(_))));
    resolve_report(&ctx, &hub.coordinator, &report.id, "horaires corrigés", t0()).unwrap();
    assert!(queue(&ctx, &hub.coordinator).unwrap().1.is_empty());
    assert!(matches!(
        resolve_report(&ctx, &hub.coordinator, &report.id, "encore", t0()),
        Err(AppError::Store(StoreError::Conflict(_)))
    ));
}

/// The public's report is bounded in length and throttled per client: a flood from one
/// client stops after its allowance and writes nothing more; other clients still report.
#[test]
fn public_reports_are_bounded_and_throttled_per_client() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let place = hub.place("Médiathèque");
    let throttle = maillage_app::moderation::report_throttle();
    let stored = || hub.store.place_reports(None).unwrap().len();
    let report =
        |client: &str, message: &str, at| report_problem(&ctx, &throttle, client, &place.id, "horaires", message, at);

    let long = "x".repeat(REPORT_MAX_CHARS + 1);
    let Err(AppError::Invalid(errors)) = report("a", &long, t0()) else { panic!("a long report is refused") };
    assert_eq!(errors[0].field, "message");
    assert!(errors[0].message.contains("2001 caractères : 2000 au plus"), "{errors:?}");
    assert!(matches!(report("a", "abc", t0()), Err(AppError::Invalid(_))));
    let Err(AppError::Invalid(errors)) = report_problem(&ctx, &throttle, "a", &place.id, "autre?", "Fermé", t0())
    else {
        panic!("an unknown category is refused")
    };
    assert_eq!(errors[0].field, "categorie");
    assert_eq!(stored(), 0);

    // Refused forms did not count: the allowance is whole.
    let longest = "é".repeat(REPORT_MAX_CHARS);
    for index in 0..300 {
        let _ = report("a", &longest, t0() + TimeDelta::milliseconds(index));
    }
    assert_eq!(stored(), REPORTS_PER_CLIENT);
    let Err(AppError::Refused(message)) = report("a", "Fermé le lundi", t0() + TimeDelta::minutes(1)) else {
        panic!("throttled")
    };
    assert!(message.contains("réessayez dans 9 minutes"), "{message}");
    report("b", "Fermé le lundi", t0() + TimeDelta::minutes(1)).unwrap();
    report("a", "Fermé le lundi", t0() + TimeDelta::minutes(REPORT_WINDOW_MINUTES)).unwrap();
    assert_eq!(stored(), REPORTS_PER_CLIENT + 2);

    // An unknown or withdrawn place is not found, and nothing is written.
    let unknown = maillage_store::new_place_id();
    let result = report_problem(&ctx, &throttle, "c", &unknown, "horaires", "Fermé le lundi", t0());
    assert!(matches!(result, Err(AppError::Store(StoreError::NotFound(_)))), "{result:?}");
    assert_eq!(stored(), REPORTS_PER_CLIENT + 2);
}

#[test]
fn a_rejection_needs_a_reason_and_mails_it() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let place = hub.place("Médiathèque");
    let manager = hub.manager("g@asso.example", &[&place], false);
    let EditOutcome::Queued(proposal) =
        submit_edit(&ctx, &manager, &place.id, 1, &fields("Nom farfelu"), "", t0()).unwrap()
    else {
        panic!()
    };
    assert!(matches!(reject(&ctx, &hub.coordinator, &proposal.id, "  ", t0()), Err(AppError::Invalid(_))));
    reject(&ctx, &hub.coordinator, &proposal.id, "Le nom officiel est « Médiathèque ».", t0()).unwrap();
    let mail = &hub.mails()[0];
    assert_eq!(mail.to, "g@asso.example");
    assert!(mail.body.contains("Le nom officiel est « Médiathèque »."), "{}", mail.body);
    assert_eq!(hub.store.proposal(&proposal.id).unwrap().unwrap().status, ProposalStatus::Rejected);
    assert_eq!(hub.store.place(&place.id).unwrap().unwrap().record.nom, "Médiathèque");
}

#[test]
fn a_structure_claims_a_place_and_gets_its_invitation_on_approval() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let place = hub.place("Espace numérique");
    let claim =
        request_access(&ctx, &place.id, "Resp@Asso.example", "Responsable", "Je dirige l'EPN.", t0()).unwrap().unwrap();
    // Asking twice queues one claim; the coordinators of the place's territory are told once.
    assert_eq!(
        request_access(&ctx, &place.id, "resp@asso.example", "Responsable", "", t0()).unwrap(),
        Some(claim.clone())
    );
    let told: Vec<String> = hub.mails().into_iter().map(|mail| mail.to).collect();
    assert_eq!(told, vec!["coord18@hub.example".to_owned()]);
    // The address of an account that cannot claim queues nothing, and the answer says nothing.
    assert_eq!(request_access(&ctx, &place.id, "coord37@hub.example", "X", "", t0()).unwrap(), None);
    assert_eq!(hub.store.proposals(None).unwrap().len(), 1);
    forbidden(approve(&ctx, &hub.other_coordinator, &claim.id, 1, None, t0()));

    approve(&ctx, &hub.coordinator, &claim.id, 1, None, t0()).unwrap();
    let user = hub.store.user_by_email("resp@asso.example").unwrap().unwrap();
    assert_eq!(user.role, Role::Gestionnaire { places: vec![place.id.clone()] });
    let token = hub.link_token("https://hub.example/compte/invitation?jeton=");
    let signed = accept_invitation(&ctx, &token, PASSWORD, t0()).unwrap();
    let manager = Actor::User(signed.user);
    assert!(manager.manages(&place.id));
    assert!(matches!(
        submit_edit(&ctx, &manager, &place.id, 1, &fields("Espace numérique"), "", t0()).unwrap(),
        EditOutcome::Queued(_)
    ));
}

#[test]
fn a_coordinator_scoped_to_a_bassin_moderates_its_places_only() {
    let mut hub = Hub::new();
    // Bourges Plus (the agglomeration of Bourges) makes the bassin « Bourges ».
    let member = BassinMember {
        bassin: "Bourges".to_owned(),
        departement: "18".to_owned(),
        kind: MemberKind::Epci,
        code: "241800507".to_owned(),
    };
    hub.store.replace_bassins(&[member]).unwrap();
    hub.locator = Locator::load(&hub.store, territory()).unwrap();
    let mut user = new_user(
        "bassin@hub.example",
        "Bassin",
        Role::Coordinateur { departements: Vec::new(), bassins: vec!["Bourges".to_owned()] },
        t0(),
    )
    .unwrap();
    user.password_hash = Some(hash_password(PASSWORD).unwrap());
    hub.store.insert_user(&user).unwrap();
    let scoped = Actor::User(user);
    let ctx = hub.ctx();
    let bourges = hub.place("Médiathèque");
    let vierzon = create_place(
        &ctx,
        &hub.admin,
        &with(with(fields("Vierzon"), "commune", "Vierzon"), "code_postal", "18100"),
        t0(),
    )
    .unwrap();
    assert!(scoped.covers(&ctx, &bourges.record));
    assert!(!scoped.covers(&ctx, &vierzon.record));
    assert!(matches!(
        submit_edit(&ctx, &scoped, &bourges.id, 1, &fields("Médiathèque"), "", t0()).unwrap(),
        EditOutcome::Published(_)
    ));
    forbidden(submit_edit(&ctx, &scoped, &vierzon.id, 1, &fields("Vierzon"), "", t0()));
    let (campaign, _) = start_campaign(&ctx, &scoped, "Bassin", "bassin:Bourges", 7, t0()).unwrap();
    assert_eq!(hub.store.campaign_entries(&campaign.id).unwrap().len(), 1);
    forbidden(start_campaign(&ctx, &scoped, "Département", "18", 7, t0()));
}

#[test]
fn history_diffs_any_two_versions_and_a_revert_is_a_new_version() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let place = hub.place("Médiathèque");
    submit_edit(
        &ctx,
        &hub.coordinator,
        &place.id,
        1,
        &with(fields("Médiathèque"), "telephone", "0248000000"),
        "tél",
        t0(),
    )
    .unwrap();
    submit_edit(&ctx, &hub.coordinator, &place.id, 2, &fields("Médiathèque Jean-Renoir"), "nom", t0()).unwrap();
    let entries = history(&ctx, &hub.coordinator, &place.id).unwrap();
    assert_eq!(entries.len(), 3);
    let fields_of = |changes: Vec<FieldChange>| changes.into_iter().map(|change| change.field).collect::<Vec<_>>();
    assert_eq!(fields_of(diff_versions(&entries, 1, 2).unwrap()), vec!["telephone"]);
    assert_eq!(fields_of(diff_versions(&entries, 1, 3).unwrap()), vec!["nom"]);
    assert_eq!(fields_of(diff_versions(&entries, 2, 3).unwrap()), vec!["nom", "telephone"]);

    assert!(matches!(
        revert(&ctx, &hub.coordinator, &place.id, 1, 2, t0()),
        Err(AppError::Store(StoreError::Conflict(_)))
    ));
    let reverted = revert(&ctx, &hub.coordinator, &place.id, 1, 3, t0()).unwrap();
    assert_eq!(reverted.version, 4);
    assert_eq!(reverted.record, entries[0].version.record);
    let entries = history(&ctx, &hub.coordinator, &place.id).unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[3].reason, "retour à la version 1");
    assert_eq!(entries[0].author, hub.admin.id().unwrap());
}

#[test]
fn a_campaign_mails_contacts_confirms_in_one_click_and_reminds_the_others() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let first = hub.place("Médiathèque");
    let second = hub.place("Centre social");
    let silent = create_place(&ctx, &hub.admin, &with(fields("Sans courriel"), "courriels", ""), t0()).unwrap();
    let elsewhere =
        create_place(&ctx, &hub.admin, &with(with(fields("Tours"), "commune", "Tours"), "code_postal", "37000"), t0())
            .unwrap();

    // The preview counts and lists what the campaign would do, and writes and sends nothing.
    let before = maillage_store::contract::snapshot_items(&hub.store);
    let preview = preview_campaign(&ctx, &hub.coordinator, "Printemps 2027", "18").unwrap();
    assert_eq!((preview.places.len(), preview.mailed, preview.no_contact, preview.mails), (3, 2, 1, 2));
    assert!(preview.places.iter().all(|place| place.id != elsewhere.id));
    let (subject, body) = preview.first_mail.unwrap();
    assert!(subject.contains("est-elle toujours juste"), "{subject}");
    assert!(body.contains("lien personnel, créé à l'envoi") && body.contains("- Adresse :"), "{body}");
    assert_eq!(maillage_store::contract::snapshot_items(&hub.store), before);
    assert!(hub.mails().is_empty());
    let unnamed = preview_campaign(&ctx, &hub.coordinator, " ", "18");
    assert!(matches!(&unnamed, Err(AppError::Invalid(errors)) if errors[0].field == "nom"), "{unnamed:?}");
    forbidden(preview_campaign(&ctx, &hub.other_coordinator, "Printemps 2027", "18"));

    let (campaign, counts) = start_campaign(&ctx, &hub.coordinator, "Printemps 2027", "18", 14, t0()).unwrap();
    assert_eq!(counts, CampaignCounts { sent: 2, no_answer: 2, no_contact: 1, ..CampaignCounts::default() });
    let entries = hub.store.campaign_entries(&campaign.id).unwrap();
    assert!(entries.iter().all(|entry| entry.place_id != elsewhere.id));
    assert!(entries.iter().any(|entry| entry.place_id == silent.id && entry.sent_at.is_none()));
    assert_eq!(hub.mails().len(), 2);

    let mail = hub.mails().into_iter().find(|mail| mail.subject.contains("Médiathèque")).unwrap();
    let start = mail.body.find("/confirmer?jeton=").unwrap() + "/confirmer?jeton=".len();
    let token = mail.body[start..].split_whitespace().next().unwrap().to_owned();
    // 23:30 UTC on 26 November is already the 27th in France: the day of the click there.
    let later = t0() + TimeDelta::days(3) + TimeDelta::minutes(13 * 60 + 30);
    let confirmed = confirm_unchanged(&ctx, &token, later).unwrap();
    assert_eq!(confirmed.id, first.id);
    assert_eq!(confirmed.record.date_maj, chrono::NaiveDate::from_ymd_opt(2026, 11, 27));
    assert_eq!(history(&ctx, &hub.coordinator, &first.id).unwrap()[1].author, format!("campagne {}", campaign.id));
    refused(confirm_unchanged(&ctx, &token, later), "déjà servi");

    // Too early for reminders; then only the place without an answer is reminded, once.
    assert_eq!(send_reminders(&ctx, &hub.coordinator, &campaign.id, t0() + TimeDelta::days(13)).unwrap(), 0);
    assert_eq!(send_reminders(&ctx, &hub.coordinator, &campaign.id, t0() + TimeDelta::days(14)).unwrap(), 1);
    assert_eq!(send_reminders(&ctx, &hub.coordinator, &campaign.id, t0() + TimeDelta::days(20)).unwrap(), 0);
    let reminder = &hub.mails()[0];
    assert!(reminder.subject.starts_with("Rappel") && reminder.subject.contains("Centre social"), "{reminder:?}");
    forbidden(send_reminders(&ctx, &hub.other_coordinator, &campaign.id, t0()));

    let manager = hub.manager("g@asso.example", &[&second], false);
    submit_edit(&ctx, &manager, &second.id, 1, &fields("Centre social"), "", t0()).unwrap();
    let (_, counts, places) = dashboard(&ctx, &hub.coordinator, &campaign.id).unwrap();
    assert_eq!(counts, CampaignCounts { sent: 2, confirmed: 1, edited: 1, no_answer: 0, no_contact: 1, reminded: 1 });
    let named = |id: &maillage_domain::PlaceId| places.iter().find(|place| &place.entry.place_id == id).unwrap();
    assert_eq!(named(&first.id).name, "Médiathèque");
    assert_eq!(named(&first.id).entry.status, CampaignPlaceStatus::Confirmed);
    assert_eq!(named(&silent.id).entry.sent_at, None);
}

#[test]
fn the_hub_sends_due_reminders_by_itself_once() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    hub.place("Médiathèque");
    start_campaign(&ctx, &hub.coordinator, "Automne", "18", 7, t0()).unwrap();
    let hub_itself = Actor::System("relances automatiques".to_owned());
    assert_eq!(send_due_reminders(&ctx, &hub_itself, t0() + TimeDelta::days(6)).unwrap(), 0);
    assert_eq!(send_due_reminders(&ctx, &hub_itself, t0() + TimeDelta::days(7)).unwrap(), 1);
    assert_eq!(send_due_reminders(&ctx, &hub_itself, t0() + TimeDelta::days(8)).unwrap(), 0);
    assert_eq!(hub.mails().len(), 2);
    assert!(hub.mails()[0].subject.starts_with("Rappel"));
}

#[test]
fn an_old_confirmation_link_expires() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    hub.place("Médiathèque");
    start_campaign(&ctx, &hub.admin, "Automne", "18", 7, t0()).unwrap();
    let token = hub.link_token("https://hub.example/confirmer?jeton=");
    refused(confirm_unchanged(&ctx, &token, t0() + TimeDelta::days(LINK_DAYS)), "a expiré");
    refused(confirm_unchanged(&ctx, "n-importe-quoi", t0()), "n'est pas valide");
}

#[test]
fn no_password_token_or_email_reaches_the_logs() {
    let captured = captured_logs();
    let (secrets, mails) = {
        let hub = Hub::new();
        let ctx = hub.ctx();
        let mut secrets = vec![PASSWORD.to_owned(), "mauvais-mot-de-passe".to_owned()];
        for _ in 0..LOCK_AFTER_FAILURES + 1 {
            let _ = sign_in(&ctx, "admin@hub.example", "mauvais-mot-de-passe", t0());
        }
        let _ = sign_in(&ctx, "inconnu@hub.example", PASSWORD, t0());
        let signed = sign_in(&ctx, "coord18@hub.example", PASSWORD, t0()).unwrap();
        secrets.push(signed.token.clone());
        secrets.push(signed.session.csrf_token.clone());
        invite(&ctx, &hub.admin, "invitee@hub.example", "Invitée", Role::Administrateur, t0()).unwrap();
        let token = hub.link_token("/compte/invitation?jeton=");
        let _ = accept_invitation(&ctx, &token, PASSWORD, t0());
        let _ = accept_invitation(&ctx, &token, PASSWORD, t0());
        secrets.push(token);
        request_password_reset(&ctx, "coord18@hub.example", t0()).unwrap();
        secrets.push(hub.link_token("/compte/reinitialisation?jeton="));
        hub.place("Médiathèque");
        start_campaign(&ctx, &hub.coordinator, "Printemps", "18", 7, t0()).unwrap();
        let confirm = hub.link_token("/confirmer?jeton=");
        confirm_unchanged(&ctx, &confirm, t0()).unwrap();
        let _ = confirm_unchanged(&ctx, &confirm, t0());
        secrets.push(confirm);
        forbidden(queue(&ctx, &Actor::Public));
        (secrets, hub.mails())
    };
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("action refusée"), "the capture works: {log}");
    let mut needles = secrets;
    for mail in mails {
        needles.push(mail.to.clone());
        // Any part of a signed token (its random half, its signature) counts.
        needles.extend(mail.body.split_whitespace().filter(|w| w.starts_with("https://")).flat_map(|link| {
            link.rsplit(['/', '=']).next().unwrap().split('.').map(str::to_owned).collect::<Vec<_>>()
        }));
    }
    for needle in needles.iter().filter(|needle| needle.len() >= 8) {
        assert!(!log.contains(needle.as_str()), "« {needle} » appears in the logs");
    }
    for address in ["admin@hub.example", "coord18@hub.example", "inconnu@hub.example", "invitee@hub.example"] {
        assert!(!log.contains(address), "{address} appears in the logs");
    }
}

mod replay {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Step {
        /// Rename the place (one of a few names, so reverts often land on equal records).
        Edit(u8),
        /// Revert to the version at this index of the history (modulo its length).
        Revert(u8),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![(0u8..4).prop_map(Step::Edit), any::<u8>().prop_map(Step::Revert)]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Any sequence of edits and reverts leaves a history that replays to the place as
        /// it is: versions 1..n without gaps, each version's record the one its step wrote,
        /// the current place the last version.
        #[test]
        fn edits_and_reverts_replay_to_the_same_final_state(steps in proptest::collection::vec(step(), 1..12)) {
            let hub = Hub::new();
            let ctx = hub.ctx();
            let place = hub.place("Lieu 0");
            let mut model = vec![place.record.clone()];
            for (index, step) in steps.iter().enumerate() {
                let at = t0() + TimeDelta::minutes(index as i64 + 1);
                let seen = model.len() as u32;
                match step {
                    Step::Edit(name) => {
                        let EditOutcome::Published(written) =
                            submit_edit(&ctx, &hub.coordinator, &place.id, seen, &fields(&format!("Lieu {name}")), "", at).unwrap()
                        else { panic!("a coordinator publishes") };
                        model.push(written.record);
                    }
                    Step::Revert(to) => {
                        let to = u32::from(*to) % seen + 1;
                        let written = revert(&ctx, &hub.coordinator, &place.id, to, seen, at).unwrap();
                        prop_assert_eq!(&written.record, &model[to as usize - 1]);
                        model.push(written.record);
                    }
                }
            }
            let entries = history(&ctx, &hub.coordinator, &place.id).unwrap();
            prop_assert_eq!(entries.iter().map(|e| e.version.version).collect::<Vec<_>>(), (1..=model.len() as u32).collect::<Vec<_>>());
            prop_assert_eq!(entries.iter().map(|e| e.version.record.clone()).collect::<Vec<_>>(), model.clone());
            let current: Place = hub.store.place(&place.id).unwrap().unwrap();
            prop_assert_eq!(&current.record, model.last().unwrap());
            // Replaying every version's record onto a fresh place reaches the same state.
            let replay = SqliteStore::in_memory().unwrap();
            let mut replayed = place.clone();
            for (index, entry) in entries.iter().enumerate() {
                replayed.version = index as u32 + 1;
                replayed.record = entry.version.record.clone();
                replay.save_place(&PlaceWrite {
                    place: replayed.clone(),
                    change: entry.version.change,
                    author: entry.author.clone(),
                    reason: entry.reason.clone(),
                    content_hash: Some("h".to_owned()),
                }).unwrap();
            }
            prop_assert_eq!(replay.place(&place.id).unwrap().unwrap().record, current.record);
        }
    }
}

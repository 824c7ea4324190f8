//! Accounts: who may do what on which place, sign-in with a lockout delay, sessions,
//! invitations and password resets by single-use expiring links.
//!
//! Role checks live here ([`Actor`], [`Permission`]), not at the edges: every use case that
//! changes data, or reads what is not public, takes an [`Actor`] and calls [`Actor::require`]
//! before it reads anything else, so a forgotten check in a handler cannot open a write.
//!
//! Secrets: passwords are argon2 hashes (default parameters); sessions and links carry a
//! random 256-bit token whose SHA-256 only is stored; links are also signed (HMAC-SHA-256
//! with the hub's key and the link's purpose), so a forged or mistyped link is refused
//! before the database is asked. No password, token or e-mail address is ever logged.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use maillage_domain::{PlaceId, PlaceRecord};
use maillage_store::*;
use sha2::{Digest, Sha256};

mod actor;

pub use actor::{Actor, Permission, OPERATOR};

use crate::context::Context;
use crate::mail::Mail;
use crate::{AppError, AppResult, FieldError};

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;
/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;
/// How long a password-reset link stays valid.
pub const RESET_HOURS: i64 = 2;
/// How long a single-use token is kept past its expiry: a month of "ce lien a expiré" for a
/// late click, then the row (which names an account or a place) is forgotten.
pub const KEEP_EXPIRED_TOKENS_DAYS: i64 = 30;
/// Failed sign-ins allowed before the account is locked for a while.
pub const LOCK_AFTER_FAILURES: u32 = 5;
/// The first lockout; each further failure doubles it, up to [`MAX_LOCK_MINUTES`].
pub const FIRST_LOCK_MINUTES: i64 = 1;
pub const MAX_LOCK_MINUTES: i64 = 60;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Shortest secret key accepted for signing links.
pub const MIN_SECRET_CHARS: usize = 32;

/// Every refused sign-in says this, whether the address has an account, the password is
/// wrong or the account is locked: which addresses have accounts is nobody's business, so a
/// lockout is mentioned as a possibility, never as a fact about one address.
pub const SIGN_IN_REFUSED: &str = "Adresse ou mot de passe incorrect. Après plusieurs essais infructueux, la connexion est suspendue quelques minutes : réessayez plus tard, ou réinitialisez votre mot de passe.";

/// Random bytes from the operating system, as lower-case hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system always provides random bytes");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What the store keeps of a session or link token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Signs and checks the tokens of mailed links, with the hub's secret key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

impl LinkSigner {
    pub fn new(key: &[u8]) -> Self {
        LinkSigner { key: key.to_vec() }
    }

    /// The hub's secret key, as configured: at least [`MIN_SECRET_CHARS`] characters.
    pub fn from_secret(secret: &str) -> AppResult<Self> {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(AppError::Input(format!(
                "la clé de signature des liens doit compter au moins {MIN_SECRET_CHARS} caractères"
            )));
        }
        Ok(LinkSigner::new(secret.as_bytes()))
    }

    /// A random key, when the hub configured none: links mailed before a restart then stop
    /// working (the edge that chose it says so in its log).
    pub fn random() -> Self {
        LinkSigner::new(random_token().as_bytes())
    }

    fn mac(&self, purpose: TokenPurpose, token: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(purpose.as_str().as_bytes());
        mac.update(b":");
        mac.update(token.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// `<token>.<signature>`, as it goes into a link.
    pub fn sign(&self, purpose: TokenPurpose, token: &str) -> String {
        format!("{token}.{}", self.mac(purpose, token))
    }

    /// The token of a signed link, when the signature is right for this purpose.
    pub fn verify(&self, purpose: TokenPurpose, signed: &str) -> Option<String> {
        let (token, signature) = signed.split_once('.')?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(purpose.as_str().as_bytes());
        mac.update(b":");
        mac.update(token.as_bytes());
        let bytes = decode_hex(signature)?;
        // Constant-time comparison.
        mac.verify_slice(&bytes).ok()?;
        Some(token.to_owned())
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok()).collect()
}

/// Addresses are compared trimmed and in lower case.
pub fn normalise_email(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no space.
pub fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system always provides random bytes");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| AppError::Input(format!("mot de passe impossible à chiffrer : {err}")))
}

thread_local! {
    static VERIFICATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many password hashes this thread has verified: what shows, without timing anything,
/// that every sign-in does the same work whatever the address.
pub fn password_verifications() -> u64 {
    VERIFICATIONS.with(std::cell::Cell::get)
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    VERIFICATIONS.with(|count| count.set(count.get() + 1));
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that an unknown address
/// takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

fn check_new_password(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::Invalid(vec![FieldError {
            field: "mot_de_passe".to_owned(),
            message: format!("au moins {MIN_PASSWORD_CHARS} caractères"),
        }]));
    }
    Ok(())
}

/// The lockout after `failures` failed sign-ins in a row, if any.
pub fn lockout(failures: u32) -> Option<TimeDelta> {
    if failures < LOCK_AFTER_FAILURES {
        return None;
    }
    let doublings = (failures - LOCK_AFTER_FAILURES).min(10);
    Some(TimeDelta::minutes((FIRST_LOCK_MINUTES << doublings).min(MAX_LOCK_MINUTES)))
}

/// A new session: the token goes into the cookie, only its hash into the store.
pub struct SignedIn {
    pub token: String,
    pub session: Session,
    pub user: User,
}

/// Debug output names the account, never the token.
impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn").field("user", &self.user.id).finish_non_exhaustive()
    }
}

fn user_target(id: &str) -> Option<String> {
    Some(format!("utilisateur:{id}"))
}

/// Signs in with an address and a password. Every refusal says the same thing
/// ([`SIGN_IN_REFUSED`]) after the same work: one password verification (against a decoy hash
/// when the address has no usable account), whether the account exists, is locked or not.
pub fn sign_in(ctx: &Context<'_>, email: &str, password: &str, now: DateTime<Utc>) -> AppResult<SignedIn> {
    let email = normalise_email(email);
    let user = ctx.store.user_by_email(&email)?.filter(|user| user.active && user.password_hash.is_some());
    // Verified before anything is decided, so that no refusal comes sooner than another.
    let hash = user.as_ref().and_then(|user| user.password_hash.as_deref()).unwrap_or_else(|| decoy_hash());
    let right_password = verify_password(hash, password);
    let refused = || AppError::Refused(SIGN_IN_REFUSED.to_owned());
    let Some(mut user) = user else {
        ctx.audit(None, "connexion_refusee", None, "compte inconnu, inactif ou sans mot de passe", now)?;
        return Err(refused());
    };
    if user.locked_until.is_some_and(|until| until > now) {
        // Even the right password waits for the end of the delay.
        ctx.audit(Some(&user.id), "connexion_refusee", user_target(&user.id), "compte verrouillé", now)?;
        return Err(refused());
    }
    if !right_password {
        user.failed_sign_ins = user.failed_sign_ins.saturating_add(1);
        user.locked_until = lockout(user.failed_sign_ins).map(|delay| now + delay);
        ctx.store.update_user(&user)?;
        let detail = format!("mot de passe incorrect ({} échec(s) de suite)", user.failed_sign_ins);
        ctx.audit(Some(&user.id), "connexion_refusee", user_target(&user.id), detail, now)?;
        return Err(refused());
    }
    if user.failed_sign_ins > 0 || user.locked_until.is_some() {
        user.failed_sign_ins = 0;
        user.locked_until = None;
        ctx.store.update_user(&user)?;
    }
    let signed_in = open_session(ctx.store, &user, now)?;
    ctx.audit(Some(&user.id), "connexion", user_target(&user.id), "", now)?;
    Ok(signed_in)
}

fn open_session(store: &dyn Store, user: &User, now: DateTime<Utc>) -> AppResult<SignedIn> {
    let token = random_token();
    let session = Session {
        token_hash: hash_token(&token),
        user_id: user.id.clone(),
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + TimeDelta::hours(SESSION_HOURS),
    };
    store.insert_session(&session)?;
    Ok(SignedIn { token, session, user: user.clone() })
}

/// The session and user of a session cookie, if it is still valid (an expired session is
/// removed; a disabled account has none).
pub fn session_user(store: &dyn Store, token: &str, now: DateTime<Utc>) -> AppResult<Option<(Session, User)>> {
    let hash = hash_token(token);
    let Some(session) = store.session(&hash)? else { return Ok(None) };
    if session.expires_at <= now {
        store.delete_session(&hash)?;
        return Ok(None);
    }
    Ok(store.user(&session.user_id)?.filter(|user| user.active).map(|user| (session, user)))
}

pub fn sign_out(ctx: &Context<'_>, token: &str, now: DateTime<Utc>) -> AppResult<()> {
    let hash = hash_token(token);
    if let Some(session) = ctx.store.session(&hash)? {
        ctx.store.delete_session(&hash)?;
        ctx.audit(Some(&session.user_id), "deconnexion", user_target(&session.user_id), "", now)?;
    }
    Ok(())
}

/// Issues a single-use link token and returns the signed token for the link.
pub fn issue_token(
    store: &dyn Store,
    signer: &LinkSigner,
    purpose: TokenPurpose,
    user_id: Option<&str>,
    subject: Option<String>,
    now: DateTime<Utc>,
    valid_for: TimeDelta,
) -> AppResult<String> {
    let token = random_token();
    store.insert_token(&OneTimeToken {
        token_hash: hash_token(&token),
        purpose,
        user_id: user_id.map(str::to_owned),
        subject,
        created_at: now,
        expires_at: now + valid_for,
        used_at: None,
    })?;
    Ok(signer.sign(purpose, &token))
}

/// Spends a signed link token: refused (with a French message) when forged, unknown,
/// expired or already used.
pub fn spend_token(
    ctx: &Context<'_>,
    purpose: TokenPurpose,
    signed: &str,
    now: DateTime<Utc>,
) -> AppResult<OneTimeToken> {
    let refused = |why: &str| AppError::Refused(format!("Ce lien {why}. Demandez-en un nouveau si besoin."));
    let Some(token) = ctx.mailing()?.signer.verify(purpose, signed) else {
        tracing::info!(usage = purpose.as_str(), "lien à la signature invalide");
        return Err(refused("n'est pas valide"));
    };
    match ctx.store.use_token(&hash_token(&token), purpose, now)? {
        TokenUse::Accepted(token) => Ok(token),
        TokenUse::AlreadyUsed => Err(refused("a déjà servi")),
        TokenUse::Expired => Err(refused("a expiré")),
        TokenUse::Unknown => Err(refused("n'est pas valide")),
    }
}

/// A new account, without a password until its invitation is accepted.
pub fn new_user(email: &str, name: &str, role: Role, now: DateTime<Utc>) -> AppResult<User> {
    let email = normalise_email(email);
    let mut errors = Vec::new();
    if !valid_email(&email) {
        errors.push(FieldError { field: "courriel".to_owned(), message: "adresse invalide".to_owned() });
    }
    if name.trim().is_empty() {
        errors.push(FieldError { field: "nom".to_owned(), message: "champ obligatoire".to_owned() });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(User {
        id: new_id(),
        email,
        name: name.trim().to_owned(),
        password_hash: None,
        role,
        trusted: false,
        active: true,
        failed_sign_ins: 0,
        locked_until: None,
        created_at: now,
    })
}

/// Mails an invitation link (valid [`INVITATION_DAYS`]) to an account.
pub fn send_invitation(ctx: &Context<'_>, user: &User, now: DateTime<Utc>) -> AppResult<()> {
    let signed = issue_token(
        ctx.store,
        ctx.mailing()?.signer,
        TokenPurpose::Invitation,
        Some(&user.id),
        None,
        now,
        TimeDelta::days(INVITATION_DAYS),
    )?;
    let link = ctx.link(&format!("/compte/invitation?jeton={signed}"))?;
    // A gestionnaire learns which places it is invited for, so it can tell a mistake at once.
    let mut places = String::new();
    if let Role::Gestionnaire { places: ids } = &user.role {
        for id in ids {
            if let Some(place) = ctx.store.place(id)? {
                places.push_str(&format!("  - {} ({})\n", place.record.nom, place.record.commune));
            }
        }
    }
    let places =
        if places.is_empty() { String::new() } else { format!("Vous pourrez tenir à jour la fiche de :\n{places}\n") };
    ctx.send(
        &Mail {
            to: user.email.clone(),
            subject: "Votre compte Maillage".to_owned(),
            body: format!(
                "Bonjour {},\n\nUn compte de {} a été créé pour vous. {places}Pour choisir votre mot de passe, ouvrez ce lien (valable {INVITATION_DAYS} jours, une seule fois) :\n\n{link}\n\nSi vous n'attendiez pas ce message, ignorez-le.\n",
                user.name,
                user.role.label()
            ),
        },
        "invitation",
    )
}

/// Invites someone: administrators invite any role, coordinators invite gestionnaires of
/// places their territory holds (at least one, every one of them).
pub fn invite(
    ctx: &Context<'_>,
    actor: &Actor,
    email: &str,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<User> {
    match &role {
        Role::Gestionnaire { places } => {
            actor.require(ctx, Permission::InviteManager)?;
            check_managed_places(ctx, actor, places)?;
        }
        _ => actor.require(ctx, Permission::Administer)?,
    }
    let user = new_user(email, name, role, now)?;
    ctx.store.insert_user(&user)?;
    send_invitation(ctx, &user, now)?;
    ctx.audit(actor.id(), "invitation", user_target(&user.id), format!("rôle {}", user.role.label()), now)?;
    Ok(user)
}

/// A place as the users' page shows a managed place, and reads it back: "Nom (Commune) [id]".
pub fn place_label(place: &maillage_domain::Place) -> String {
    format!("{} ({}) [{}]", place.record.nom, place.record.commune, place.id)
}

/// The places a gestionnaire is given, as a person types them: an id, a label of
/// [`place_label`] (its id in brackets), or a name, whole or in part, that one active place
/// alone bears. Every entry that names no place, or several, is refused in one message naming
/// the field, with the candidates' labels to copy.
pub fn find_places(ctx: &Context<'_>, entries: &[String]) -> AppResult<Vec<PlaceId>> {
    let mut found = Vec::new();
    let mut active: Option<Vec<maillage_domain::Place>> = None;
    let mut errors = Vec::new();
    for entry in entries {
        let bracketed = entry.rsplit_once('[').and_then(|(_, rest)| rest.trim().strip_suffix(']')).map(str::trim);
        let id = PlaceId(bracketed.unwrap_or(entry).to_owned());
        if bracketed.is_some() || ctx.store.place(&id)?.is_some() {
            found.push(id);
            continue;
        }
        if active.is_none() {
            active = Some(ctx.store.places(&PlaceQuery::active())?);
        }
        let places = active.as_deref().unwrap_or_default();
        let wanted = maillage_domain::text::fold(entry);
        let named = |exact: bool| -> Vec<&maillage_domain::Place> {
            let matches = |name: String| if exact { name == wanted } else { name.contains(&wanted) };
            places.iter().filter(|place| matches(maillage_domain::text::fold(&place.record.nom))).collect()
        };
        let exact = named(true);
        let candidates = if exact.is_empty() { named(false) } else { exact };
        match candidates.as_slice() {
            [one] => found.push(one.id.clone()),
            [] => errors.push(format!("« {entry} » : aucun lieu de ce nom ni de cet identifiant")),
            many => errors.push(format!(
                "« {entry} » désigne {} lieux : recopiez celui voulu, nom et identifiant entre crochets ({}{})",
                many.len(),
                many.iter().take(5).map(|place| place_label(place)).collect::<Vec<_>>().join(" ; "),
                if many.len() > 5 { " ; …" } else { "" }
            )),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(AppError::Invalid(vec![FieldError::new("lieux", errors.join(" ; "))]))
    }
}

/// Whether the actor may give a gestionnaire these places: an administrator any place that
/// exists, a coordinator at least one place and only places its territory holds. A place
/// unknown to a coordinator is refused as one outside its territory, so the refusal tells
/// nothing about which ids exist.
fn check_managed_places(ctx: &Context<'_>, actor: &Actor, places: &[PlaceId]) -> AppResult<()> {
    let administrator = actor.may(ctx, Permission::Administer);
    if !administrator && places.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new("lieux", "au moins un lieu de votre territoire")]));
    }
    for id in places {
        match ctx.store.place(id)? {
            Some(place) => actor.require(ctx, Permission::Moderate(&place.record))?,
            None if administrator => {
                return Err(AppError::Invalid(vec![FieldError::new("lieux", format!("lieu inconnu : {id}"))]))
            }
            // A record located nowhere: the very refusal a place elsewhere gets.
            None => actor.require(ctx, Permission::Moderate(&PlaceRecord::default()))?,
        }
    }
    Ok(())
}

/// Sets the password of an invited account from its link, and signs it in.
pub fn accept_invitation(ctx: &Context<'_>, signed: &str, password: &str, now: DateTime<Utc>) -> AppResult<SignedIn> {
    check_new_password(password)?;
    let token = spend_token(ctx, TokenPurpose::Invitation, signed, now)?;
    set_password_from_token(ctx, &token, password, "invitation_acceptee", now)
}

fn set_password_from_token(
    ctx: &Context<'_>,
    token: &OneTimeToken,
    password: &str,
    action: &str,
    now: DateTime<Utc>,
) -> AppResult<SignedIn> {
    let user = token.user_id.as_deref().map(|id| ctx.store.user(id)).transpose()?.flatten();
    let Some(mut user) = user.filter(|user| user.active) else {
        return Err(AppError::Refused("Ce compte n'existe plus ou a été désactivé.".to_owned()));
    };
    user.password_hash = Some(hash_password(password)?);
    user.failed_sign_ins = 0;
    user.locked_until = None;
    ctx.store.update_user(&user)?;
    // Whoever held the old password is signed out everywhere, and every link mailed before
    // that could set a password is void.
    ctx.store.delete_user_sessions(&user.id)?;
    for purpose in [TokenPurpose::PasswordReset, TokenPurpose::Invitation] {
        ctx.store.spend_user_tokens(&user.id, purpose, now)?;
    }
    ctx.audit(Some(&user.id), action, user_target(&user.id), "", now)?;
    open_session(ctx.store, &user, now)
}

/// Mails a reset link when the address has an active account; says nothing either way (the
/// caller shows the same message), so the form reveals no account.
///
/// Known and unknown addresses cost the same here: a link token is drawn, signed and stored
/// in both cases (for an unknown address it names no account, so it can never set a
/// password, and expires like any other), and the audit log gets one line. What remains is
/// handing the mail to the [`Mailer`](crate::mail::Mailer): an edge that answers before the
/// mail has left gives it a [`QueuedMailer`](crate::mail::QueuedMailer).
pub fn request_password_reset(ctx: &Context<'_>, email: &str, now: DateTime<Utc>) -> AppResult<()> {
    let user = ctx.store.user_by_email(&normalise_email(email))?.filter(|user| user.active);
    let signed = issue_token(
        ctx.store,
        ctx.mailing()?.signer,
        TokenPurpose::PasswordReset,
        user.as_ref().map(|user| user.id.as_str()),
        None,
        now,
        TimeDelta::hours(RESET_HOURS),
    )?;
    let link = ctx.link(&format!("/compte/reinitialisation?jeton={signed}"))?;
    let Some(user) = user else {
        ctx.audit(None, "reinitialisation_demandee", None, "adresse sans compte actif", now)?;
        return Ok(());
    };
    ctx.send(
        &Mail {
            to: user.email.clone(),
            subject: "Réinitialisation de votre mot de passe Maillage".to_owned(),
            body: format!(
                "Bonjour {},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable {RESET_HOURS} heures, une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.\n",
                user.name
            ),
        },
        "reinitialisation",
    )?;
    ctx.audit(Some(&user.id), "reinitialisation_demandee", user_target(&user.id), "", now)
}

pub fn reset_password(ctx: &Context<'_>, signed: &str, password: &str, now: DateTime<Utc>) -> AppResult<SignedIn> {
    check_new_password(password)?;
    let token = spend_token(ctx, TokenPurpose::PasswordReset, signed, now)?;
    set_password_from_token(ctx, &token, password, "mot_de_passe_reinitialise", now)
}

/// Changes an account's role and whether it is active (administrators only); the account
/// is signed out everywhere so the new role applies at once.
pub fn update_user(
    ctx: &Context<'_>,
    actor: &Actor,
    user_id: &str,
    role: Role,
    active: bool,
    now: DateTime<Utc>,
) -> AppResult<User> {
    actor.require(ctx, Permission::Administer)?;
    let mut user = ctx.store.user(user_id)?.ok_or_else(|| StoreError::NotFound(format!("utilisateur {user_id}")))?;
    if actor.id() == Some(user_id) && (!active || role != Role::Administrateur) {
        return Err(AppError::Input("Vous ne pouvez pas retirer vos propres droits d'administration.".to_owned()));
    }
    user.role = role;
    user.active = active;
    ctx.store.update_user(&user)?;
    ctx.store.delete_user_sessions(&user.id)?;
    let detail = format!("rôle {}{}", user.role.label(), if active { "" } else { ", désactivé" });
    ctx.audit(actor.id(), "utilisateur_modifie", user_target(&user.id), detail, now)?;
    Ok(user)
}

/// Marks a gestionnaire as trusted (its edits are published without moderation), or not:
/// administrators, and coordinators whose territory holds every place it manages.
pub fn set_trusted(
    ctx: &Context<'_>,
    actor: &Actor,
    user_id: &str,
    trusted: bool,
    now: DateTime<Utc>,
) -> AppResult<User> {
    actor.require(ctx, Permission::SeeQueue)?;
    let mut user = ctx.store.user(user_id)?.ok_or_else(|| StoreError::NotFound(format!("utilisateur {user_id}")))?;
    let Role::Gestionnaire { places } = &user.role else {
        return Err(AppError::Input("Seul un gestionnaire de lieu peut être marqué « de confiance ».".to_owned()));
    };
    for id in places {
        if let Some(place) = ctx.store.place(id)? {
            actor.require(ctx, Permission::Moderate(&place.record))?;
        }
    }
    user.trusted = trusted;
    ctx.store.update_user(&user)?;
    let detail = if trusted { "marqué de confiance" } else { "confiance retirée" };
    ctx.audit(actor.id(), "confiance", user_target(&user.id), detail, now)?;
    Ok(user)
}

/// Creates the first administrator of a hub that has none: the operator's command line
/// (`maillage accounts admin`), since nobody can sign in to invite anyone yet.
pub fn bootstrap_admin(
    ctx: &Context<'_>,
    actor: &Actor,
    email: &str,
    name: &str,
    password: &str,
    now: DateTime<Utc>,
) -> AppResult<User> {
    actor.require(ctx, Permission::Administer)?;
    if ctx.store.users()?.iter().any(|user| user.role == Role::Administrateur) {
        return Err(AppError::Input("Ce hub a déjà un administrateur.".to_owned()));
    }
    check_new_password(password)?;
    let mut user = new_user(email, name, Role::Administrateur, now)?;
    user.password_hash = Some(hash_password(password)?);
    ctx.store.insert_user(&user)?;
    ctx.audit(None, "administrateur_initial", user_target(&user.id), "", now)?;
    Ok(user)
}

/// The accounts an actor manages: every account for administrators; for coordinators (who
/// invite gestionnaires and mark them trusted), the gestionnaires of at least one place their
/// territory holds, so that names and addresses stay within the territory they work for.
pub fn users(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<User>> {
    actor.require(ctx, Permission::InviteManager)?;
    if actor.may(ctx, Permission::Administer) {
        return Ok(ctx.store.users()?);
    }
    // Many gestionnaires share places: each place is read and located once.
    let mut covered: std::collections::HashMap<PlaceId, bool> = std::collections::HashMap::new();
    let mut visible = Vec::new();
    for user in ctx.store.users()? {
        let Role::Gestionnaire { places } = &user.role else { continue };
        let mut shown = false;
        for id in places {
            let in_scope = match covered.get(id) {
                Some(known) => *known,
                None => {
                    let in_scope = ctx.store.place(id)?.is_some_and(|place| actor.covers(ctx, &place.record));
                    covered.insert(id.clone(), in_scope);
                    in_scope
                }
            };
            if in_scope {
                shown = true;
                break;
            }
        }
        if shown {
            visible.push(user);
        }
    }
    Ok(visible)
}

/// The latest entries of the audit log, newest first (administrators).
pub fn audit_log(ctx: &Context<'_>, actor: &Actor, limit: usize) -> AppResult<Vec<AuditEntry>> {
    actor.require(ctx, Permission::Administer)?;
    Ok(ctx.store.audit_log(limit)?)
}

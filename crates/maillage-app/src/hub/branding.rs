//! The hub's branding: its name (header and page titles), its colour and its logo (uploaded,
//! or an https address), kept in the store's settings. Every public page shows it, so reading
//! it is public; changing it is the administrators'. How it is rendered and cached is the web
//! layer's.

use maillage_store::{Store, StoreResult};

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

pub const DEFAULT_NAME: &str = "Maillage";
pub const DEFAULT_COLOUR: &str = "#005a9c";
/// Larger logos are refused: the header shows it at 32 pixels.
pub const MAX_LOGO_BYTES: usize = 200 * 1024;
/// The contrast a colour needs on white: links and buttons use it, below this they become
/// unreadable (WCAG AA for normal text).
pub const MIN_CONTRAST: f64 = 4.5;

const NAME_KEY: &str = "marque.nom";
const COLOUR_KEY: &str = "marque.couleur";
const LOGO_URL_KEY: &str = "marque.logo_url";
const LOGO_TYPE_KEY: &str = "marque.logo_type";
const LOGO_DATA_KEY: &str = "marque.logo";
const CONTACT_KEY: &str = "marque.contact";
/// The contact line's limit: an address, a phone number and a few words.
pub const MAX_CONTACT_CHARS: usize = 200;

/// What the hub set; defaults for what it did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branding {
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    pub logo: Option<Logo>,
    /// How to reach the hub (printed on fiches d'orientation); empty when not given.
    pub contact: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logo {
    Url(String),
    Uploaded { content_type: String, bytes: Vec<u8> },
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            name: DEFAULT_NAME.to_owned(),
            colour: DEFAULT_COLOUR.to_owned(),
            logo: None,
            contact: String::new(),
        }
    }
}

impl Branding {
    pub fn load(store: &dyn Store) -> StoreResult<Branding> {
        let mut branding = Branding::default();
        if let Some(name) = store.setting(NAME_KEY)?.filter(|name| !name.trim().is_empty()) {
            branding.name = name;
        }
        if let Some(colour) = store.setting(COLOUR_KEY)?.as_deref().and_then(parse_hex_colour) {
            branding.colour = colour;
        }
        branding.logo = match (store.setting(LOGO_URL_KEY)?, store.setting(LOGO_TYPE_KEY)?) {
            (Some(url), _) if !url.is_empty() => Some(Logo::Url(url)),
            (_, Some(content_type)) if !content_type.is_empty() => store
                .setting(LOGO_DATA_KEY)?
                .and_then(|hex| decode_hex(&hex))
                .map(|bytes| Logo::Uploaded { content_type, bytes }),
            _ => None,
        };
        branding.contact = store.setting(CONTACT_KEY)?.unwrap_or_default();
        Ok(branding)
    }

    /// Writes every setting (the logo's other form is cleared).
    fn save(&self, store: &dyn Store) -> StoreResult<()> {
        store.set_setting(NAME_KEY, &self.name)?;
        store.set_setting(CONTACT_KEY, &self.contact)?;
        store.set_setting(COLOUR_KEY, &self.colour)?;
        let (url, content_type, data) = match &self.logo {
            None => (String::new(), String::new(), String::new()),
            Some(Logo::Url(url)) => (url.clone(), String::new(), String::new()),
            Some(Logo::Uploaded { content_type, bytes }) => (String::new(), content_type.clone(), encode_hex(bytes)),
        };
        store.set_setting(LOGO_DATA_KEY, &data)?;
        store.set_setting(LOGO_TYPE_KEY, &content_type)?;
        store.set_setting(LOGO_URL_KEY, &url)
    }
}

/// The branding form as an administrator sent it.
#[derive(Clone, Debug, Default)]
pub struct BrandingForm {
    pub name: String,
    pub colour: String,
    /// An https address of the logo, or empty.
    pub logo_url: String,
    /// An uploaded logo: (the type the browser claims, the bytes).
    pub upload: Option<(String, Vec<u8>)>,
    /// Remove the logo (back to Maillage's).
    pub remove_logo: bool,
    /// The hub's contact line (e-mail, phone), or empty.
    pub contact: String,
}

/// Checks and saves the branding an administrator sent, and writes the audit entry. Problems
/// are refused field by field ([`AppError::Invalid`]) and nothing is kept. Without a new file
/// or address, an uploaded logo is kept. Returns the branding now in force.
pub fn save_branding(ctx: &Context<'_>, actor: &Actor, form: &BrandingForm) -> AppResult<Branding> {
    actor.require(ctx, Permission::Administer)?;
    let keep = if form.remove_logo {
        None
    } else {
        Branding::load(ctx.store)?.logo.filter(|logo| matches!(logo, Logo::Uploaded { .. }))
    };
    let mut branding = validate(&form.name, &form.colour, &form.logo_url, form.upload.clone(), keep)?;
    branding.contact = form.contact.trim().to_owned();
    if branding.contact.chars().count() > MAX_CONTACT_CHARS || branding.contact.chars().any(char::is_control) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "contact",
            format!("le contact tient sur une ligne de {MAX_CONTACT_CHARS} caractères au plus"),
        )]));
    }
    branding.save(ctx.store)?;
    ctx.audit(
        actor.id(),
        "marque_modifiee",
        None,
        format!("{} {}", branding.name, branding.colour),
        maillage_store::now(),
    )?;
    Ok(branding)
}

/// `#rgb` or `#rrggbb` (the `#` optional) as `#rrggbb`.
pub fn parse_hex_colour(text: &str) -> Option<String> {
    let hex = text.trim().strip_prefix('#').unwrap_or(text.trim());
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{}", hex.to_ascii_lowercase())),
        3 => Some(format!("#{}", hex.chars().flat_map(|c| [c, c]).collect::<String>().to_ascii_lowercase())),
        _ => None,
    }
}

/// WCAG contrast ratio of a `#rrggbb` colour against white.
pub fn contrast_with_white(colour: &str) -> f64 {
    let channel = |i: usize| {
        let value = u8::from_str_radix(&colour[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0) as f64 / 255.0;
        if value <= 0.03928 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    1.05 / (luminance + 0.05)
}

/// `https://host` of an https address (a logo elsewhere), which the pages' Content Security
/// Policy then allows for images; None for anything else, and for anything that could end
/// the policy's directive or add another.
pub fn https_origin(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let host = rest.split('/').next()?;
    if host.is_empty() || host.contains([';', ' ', ',', '\'', '"', '*', '{', '}']) {
        return None;
    }
    Some(format!("https://{host}"))
}

/// What an administrator sent, checked: French messages per field, nothing kept on error.
fn validate(
    name: &str,
    colour: &str,
    logo_url: &str,
    upload: Option<(String, Vec<u8>)>,
    keep_logo: Option<Logo>,
) -> Result<Branding, AppError> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: String| errors.push(FieldError::new(field, message));
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        error("nom", "le nom du hub est obligatoire (80 caractères au plus)".to_owned());
    }
    let colour = match parse_hex_colour(colour) {
        None => {
            error("couleur", format!("« {} » n'est pas une couleur hexadécimale (#1f4e79 par exemple)", colour.trim()));
            String::new()
        }
        Some(colour) if contrast_with_white(&colour) < MIN_CONTRAST => {
            error(
                "couleur",
                format!(
                    "{colour} est trop claire sur fond blanc (contraste {:.1}:1, 4,5:1 au moins) : choisissez une couleur plus foncée",
                    contrast_with_white(&colour)
                ),
            );
            String::new()
        }
        Some(colour) => colour,
    };
    let logo_url = logo_url.trim();
    let logo = match upload {
        Some((content_type, bytes)) => {
            if bytes.len() > MAX_LOGO_BYTES {
                error("logo", format!("le logo pèse {} Ko : 200 Ko au plus", bytes.len() / 1024));
            }
            match sniff_image(&bytes) {
                Some(kind) => Some(Logo::Uploaded { content_type: kind.to_owned(), bytes }),
                None => {
                    error(
                        "logo",
                        format!("le fichier envoyé ({content_type}) n'est pas une image PNG, JPEG, WebP ou SVG"),
                    );
                    None
                }
            }
        }
        None if !logo_url.is_empty() => {
            if https_origin(logo_url).is_none() {
                error("logo_url", "l'adresse du logo doit commencer par https:// et désigner une image".to_owned());
                None
            } else {
                Some(Logo::Url(logo_url.to_owned()))
            }
        }
        None => keep_logo,
    };
    if errors.is_empty() {
        Ok(Branding { name, colour, logo, contact: String::new() })
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// The image type by the file's first bytes, not by what the browser claims.
fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        (head.trim_start().starts_with("<?xml") || head.trim_start().starts_with("<svg"))
            .then_some("image/svg+xml")
            .filter(|_| head.contains("<svg"))
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hex_and_readable_on_white() {
        assert_eq!(parse_hex_colour("#1F4E79").as_deref(), Some("#1f4e79"));
        assert_eq!(parse_hex_colour("abc").as_deref(), Some("#aabbcc"));
        assert_eq!(parse_hex_colour("red"), None);
        assert_eq!(parse_hex_colour("#12345"), None);
        assert!(validate("Hub", "#1f4e79", "", None, None).is_ok());
        let Err(AppError::Invalid(errors)) = validate("Hub", "#ffff00", "", None, None) else { panic!() };
        assert_eq!(errors[0].field, "couleur");
        let Err(AppError::Invalid(errors)) = validate(" ", "bleu", "javascript:alert(1)", None, None) else { panic!() };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["nom", "couleur", "logo_url"]);
    }

    #[test]
    fn uploads_are_checked_by_content() {
        let png = b"\x89PNG\r\n\x1a\n rest".to_vec();
        let ok = validate("Hub", "#005a9c", "", Some(("image/png".into(), png.clone())), None).unwrap();
        assert_eq!(ok.logo, Some(Logo::Uploaded { content_type: "image/png".into(), bytes: png }));
        let text = validate("Hub", "#005a9c", "", Some(("image/png".into(), b"hello".to_vec())), None);
        assert!(matches!(text, Err(AppError::Invalid(_))));
        assert_eq!(decode_hex(&encode_hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
    }

    #[test]
    fn only_plain_https_origins_are_logo_addresses() {
        assert_eq!(https_origin("https://cdn.example.org/logo.png").as_deref(), Some("https://cdn.example.org"));
        assert_eq!(https_origin("http://cdn.example.org/logo.png"), None);
        assert_eq!(https_origin("https://a.example; script-src *"), None);
        assert_eq!(https_origin("https://*.example/logo.png"), None);
        assert_eq!(https_origin("https:///logo.png"), None);
    }
}

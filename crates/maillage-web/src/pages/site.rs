//! What a hub configures about its public pages, and the security policy that follows from it.

/// Settings of the public pages, as the binary read them at start.
#[derive(Clone, Debug, Default)]
pub struct SiteConfig {
    /// A tile URL template for Leaflet (`https://tiles.example/{z}/{x}/{y}.png`). None: the map
    /// draws places and territory outlines on a plain background, with no request outside.
    pub tiles_url: Option<String>,
    /// The attribution the tile provider requires, shown on the map.
    pub tiles_attribution: Option<String>,
    /// The national address API's base URL (`…/search/`): when set, the search box also
    /// geocodes street addresses in the browser. Off by default.
    pub geocoder_url: Option<String>,
    /// The hub's name, colour and logo, shared with the administration page that changes them
    /// (the router puts the state's in here).
    pub branding: crate::branding::BrandingCell,
}

impl SiteConfig {
    /// The Content-Security-Policy of a page: everything from this server, plus the tile host
    /// for images and the geocoder for fetches when configured. `embed` pages may be framed by
    /// any site (that is their purpose); every other page by none.
    pub fn content_security_policy(&self, embed: bool) -> String {
        let mut img = "'self' data:".to_owned();
        if let Some(origin) = self.tiles_url.as_deref().and_then(origin_of) {
            img.push(' ');
            img.push_str(&origin);
        }
        if let Some(origin) = crate::branding::logo_url(&self.branding.current()).as_deref().and_then(origin_of_https) {
            img.push(' ');
            img.push_str(&origin);
        }
        let mut connect = "'self'".to_owned();
        if let Some(origin) = self.geocoder_url.as_deref().and_then(origin_of) {
            connect.push(' ');
            connect.push_str(&origin);
        }
        let ancestors = if embed { "*" } else { "'none'" };
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src {img}; connect-src {connect}; \
             font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
        )
    }
}

/// `https://host` of an https address (a logo elsewhere); None for anything else. The same
/// rule the branding use case checks a logo's address with.
pub fn origin_of_https(url: &str) -> Option<String> {
    maillage_app::hub::branding::https_origin(url)
}

/// `https://host:port` of a URL template; `{s}` subdomain placeholders become a wildcard.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split('/').next()?.replace("{s}", "*");
    // Anything that could end the directive or add another one is refused.
    if host.is_empty() || host.contains([';', ' ', ',', '\'', '"']) {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_the_tile_host_only() {
        let site = SiteConfig {
            tiles_url: Some("https://{s}.tuiles.example.org/{z}/{x}/{y}.png".to_owned()),
            tiles_attribution: None,
            geocoder_url: Some("https://adresse.example.fr/search/".to_owned()),
            branding: Default::default(),
        };
        let policy = site.content_security_policy(false);
        assert!(policy.contains("img-src 'self' data: https://*.tuiles.example.org;"), "{policy}");
        assert!(policy.contains("connect-src 'self' https://adresse.example.fr;"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'none'"));
        assert!(site.content_security_policy(true).ends_with("frame-ancestors *"));
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://a.example; script-src *"), None);
    }
}

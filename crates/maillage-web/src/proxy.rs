//! Behind a reverse proxy: who the client is and whether it came over HTTPS.
//!
//! The connecting address is the proxy's when one stands in front, so every client would
//! share one allowance of the rate limits. `X-Forwarded-For` and `X-Forwarded-Proto` are
//! believed only from the proxies the hub trusts (`MAILLAGE_TRUSTED_PROXIES`): anyone else
//! could write them to pass as another client. [`client_address`] resolves both once per
//! request into a [`Client`] extension, which [`crate::extract::ClientAddress`] reads, and
//! marks `Set-Cookie` headers `Secure` on requests that came over HTTPS.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The proxies whose forwarding headers are believed: addresses and networks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
}

impl TrustedProxies {
    /// Reads `10.0.0.1, 192.168.0.0/16, ::1`: addresses or CIDR networks, separated by commas
    /// or spaces. An empty text trusts no one.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut networks = Vec::new();
        for item in text.split([',', ' ', '\t', '\n']).map(str::trim).filter(|item| !item.is_empty()) {
            let refused = || format!("« {item} » n'est ni une adresse IP ni un réseau (10.0.0.0/8, fd00::/8)");
            let (address, bits) = match item.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (item, None),
            };
            let address: IpAddr = address.parse().map_err(|_| refused())?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(bits) => bits.parse::<u8>().ok().filter(|bits| *bits <= max).ok_or_else(refused)?,
            };
            networks.push((address, bits));
        }
        Ok(TrustedProxies { networks })
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// Whether `address` is one of the trusted proxies (an IPv4 address seen as IPv6-mapped
    /// is the same address).
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.networks.iter().any(|(network, bits)| match (canonical(*network), address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                prefix(u32::from(network).into(), u32::from(address).into(), *bits, 32)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => prefix(u128::from(network), u128::from(address), *bits, 128),
            _ => false,
        })
    }

    /// The client of a request that reached us from `peer`: the peer itself unless it is a
    /// trusted proxy, else the nearest address of `X-Forwarded-For` that is not one (read
    /// from the right: each proxy appends the address it saw; what is further left was
    /// written by the client and cannot be believed).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|item| item.trim().parse::<IpAddr>().ok())
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        let mut client = peer;
        for address in forwarded.into_iter().rev() {
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        canonical(client)
    }

    /// Whether the request came over HTTPS: said by a trusted proxy in `X-Forwarded-Proto`
    /// (its last value, the one the nearest proxy wrote).
    pub fn https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        self.trusts(peer)
            && headers
                .get_all("x-forwarded-proto")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }
}

fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        v4 => v4,
    }
}

/// Whether the first `bits` of `a` and `b` (numbers of `width` bits) agree.
fn prefix(a: u128, b: u128, bits: u8, width: u32) -> bool {
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (a >> shift) == (b >> shift)
}

/// What the edge knows of the client of a request.
#[derive(Clone, Copy, Debug)]
pub struct Client {
    /// None for in-process calls (tests, tools).
    pub address: Option<IpAddr>,
    /// The request came over HTTPS (through a trusted proxy).
    pub https: bool,
}

/// Resolves the [`Client`] of each request; on HTTPS, every cookie set is `Secure`.
pub async fn client_address(State(proxies): State<Arc<TrustedProxies>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let client = match peer {
        Some(peer) => Client {
            address: Some(proxies.client(peer, request.headers())),
            https: proxies.https(peer, request.headers()),
        },
        None => Client { address: None, https: false },
    };
    request.extensions_mut().insert(client);
    let mut response = next.run(request).await;
    if client.https {
        let cookies: Vec<HeaderValue> = response.headers().get_all(header::SET_COOKIE).iter().cloned().collect();
        if cookies.iter().any(|value| !is_secure(value)) {
            response.headers_mut().remove(header::SET_COOKIE);
            for value in cookies {
                let value = if is_secure(&value) {
                    value
                } else {
                    let text = format!("{}; Secure", value.to_str().unwrap_or_default());
                    HeaderValue::from_str(&text).unwrap_or(value)
                };
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
    response
}

fn is_secure(value: &HeaderValue) -> bool {
    value.to_str().is_ok_and(|text| text.split(';').any(|part| part.trim().eq_ignore_ascii_case("secure")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn parses_addresses_and_networks_and_refuses_the_rest() {
        let proxies = TrustedProxies::parse("10.0.0.1, 192.168.0.0/16 fd00::/8").unwrap();
        assert!(proxies.trusts("10.0.0.1".parse().unwrap()));
        assert!(!proxies.trusts("10.0.0.2".parse().unwrap()));
        assert!(proxies.trusts("192.168.44.3".parse().unwrap()));
        assert!(proxies.trusts("::ffff:192.168.1.1".parse().unwrap()), "IPv4-mapped");
        assert!(proxies.trusts("fd12::1".parse().unwrap()));
        assert!(!proxies.trusts("fe80::1".parse().unwrap()));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("0.0.0.0/0").unwrap().trusts("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0.1/", "::1/129"] {
            let err = TrustedProxies::parse(bad).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let forwarded =
            headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.9"), ("x-forwarded-proto", "https")]);
        // From a trusted proxy: the nearest untrusted address, not what the client wrote first.
        assert_eq!(proxies.client("10.0.0.1".parse().unwrap(), &forwarded), "203.0.113.7".parse::<IpAddr>().unwrap());
        assert!(proxies.https("10.0.0.1".parse().unwrap(), &forwarded));
        // From anyone else: the headers are ignored.
        assert_eq!(
            proxies.client("198.51.100.1".parse().unwrap(), &forwarded),
            "198.51.100.1".parse::<IpAddr>().unwrap()
        );
        assert!(!proxies.https("198.51.100.1".parse().unwrap(), &forwarded));
        // An unreadable list is not believed at all.
        let garbled = headers(&[("x-forwarded-for", "203.0.113.7, pas-une-adresse")]);
        assert_eq!(proxies.client("10.0.0.1".parse().unwrap(), &garbled), "10.0.0.1".parse::<IpAddr>().unwrap());
        let http = headers(&[("x-forwarded-proto", "https, http")]);
        assert!(!proxies.https("10.0.0.1".parse().unwrap(), &http));
    }
}

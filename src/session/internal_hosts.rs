//! Callback and `nextSession` URLs that would make the server call internal services.
//!
//! In production mode a requestor may not point the server's result POSTs at loopback,
//! link-local or private addresses (unless `allow_private_callbacks`): a new session whose
//! URL names or resolves to one is refused ([`refuse_internal`]), and the POSTs themselves
//! connect only to public addresses ([`PublicOnly`]), so a name that resolves elsewhere
//! later (DNS rebinding) is refused too. Errors name the host only, never the path or
//! query (which may hold secrets).

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is internal: loopback, link-local, private (RFC 1918, shared address space
/// RFC 6598, IPv6 unique local), unspecified or broadcast; IPv4-mapped IPv6 by its IPv4.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (b & 0xc0) == 64)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InternalUrl {
    /// The URL cannot be parsed or has no host.
    #[error("is not a URL with a host")]
    NoHost,
    /// The host cannot be resolved.
    #[error("host {0} cannot be resolved")]
    Unresolved(String),
    /// The host is, or resolves to, an internal address.
    #[error("host {host} is the internal address {ip} (allow_private_callbacks allows it)")]
    Internal {
        /// The URL's host.
        host: String,
        /// The internal address.
        ip: IpAddr,
    },
}

/// Refuses `url` when its host is, or resolves to, an internal address ([`is_internal`]).
pub async fn refuse_internal(url: &str) -> Result<(), InternalUrl> {
    let url = reqwest::Url::parse(url).map_err(|_| InternalUrl::NoHost)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let (host, ips): (String, Vec<IpAddr>) = match url.host().ok_or(InternalUrl::NoHost)? {
        url::Host::Ipv4(ip) => (ip.to_string(), vec![IpAddr::V4(ip)]),
        url::Host::Ipv6(ip) => (ip.to_string(), vec![IpAddr::V6(ip)]),
        url::Host::Domain(name) => {
            let found = tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| InternalUrl::Unresolved(name.to_owned()))?;
            (name.to_owned(), found.map(|a| a.ip()).collect())
        }
    };
    match ips.into_iter().find(|ip| is_internal(*ip)) {
        Some(ip) => Err(InternalUrl::Internal { host, ip }),
        None => Ok(()),
    }
}

/// A DNS resolver for the result POSTs that drops internal addresses, so that a host that
/// resolves to one only after its session was started cannot be reached.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| !is_internal(a.ip())).collect();
            if public.is_empty() {
                return Err(
                    format!("{} resolves to internal addresses only", name.as_str()).into(),
                );
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2001:db8::1",
            "::ffff:1.1.1.1",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_on_internal_hosts_are_refused() {
        let refused = refuse_internal("http://127.0.0.1:8080/cb?secret=1").await;
        assert_eq!(
            refused.unwrap_err().to_string(),
            "host 127.0.0.1 is the internal address 127.0.0.1 (allow_private_callbacks allows it)"
        );
        assert!(matches!(
            refuse_internal("https://localhost/cb").await,
            Err(InternalUrl::Internal { .. })
        ));
        assert!(matches!(
            refuse_internal("http://[fe80::1]/").await,
            Err(InternalUrl::Internal { .. })
        ));
        assert_eq!(refuse_internal("nonsense").await, Err(InternalUrl::NoHost));
        assert_eq!(refuse_internal("https://93.184.215.14/cb").await, Ok(()));
    }
}

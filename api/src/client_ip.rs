//! The client's IP address, for the per-client limits (log-ins, SMS codes).
//!
//! Behind a reverse proxy every request comes from the proxy, so the proxy must say who
//! the client is (`X-Forwarded-For`). Anyone can send that header, so it is believed
//! only from the proxies listed in `TRUSTED_PROXIES` (addresses or CIDR blocks); by
//! default none is, and the client is the peer address.

use std::net::IpAddr;

use ipnet::IpNet;
use poem::{FromRequest, Request, RequestBody};

use crate::error::ApiError;
use crate::state::AppState;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `TRUSTED_PROXIES`: comma-separated addresses (`10.0.0.5`) or blocks
    /// (`10.0.0.0/8`).
    pub fn parse(list: Option<&str>) -> anyhow::Result<Self> {
        let mut nets = Vec::new();
        for item in list.unwrap_or_default().split(',').map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => IpNet::from(item.parse::<IpAddr>().map_err(|_| {
                    anyhow::anyhow!("TRUSTED_PROXIES: not an address or CIDR block: {item}")
                })?),
            };
            nets.push(net);
        }
        Ok(Self(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client: the peer, or, when the peer is a trusted proxy, the nearest address
    /// in `X-Forwarded-For` that is not itself a trusted proxy (proxies append the
    /// address they received from, so the list is read from the right).
    pub fn client_of(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops: Vec<IpAddr> = forwarded_for
            .unwrap_or_default()
            .split(',')
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        Some(
            hops.iter()
                .rev()
                .find(|ip| !self.trusts(**ip))
                .or(hops.first())
                .copied()
                .unwrap_or(peer),
        )
    }
}

/// Extractor: the client's IP address (`None` when the peer is not an IP socket).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<'a> FromRequest<'a> for ClientIp {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))?;
        let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
        let forwarded_for = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(Self(state.trusted_proxies.client_of(peer, forwarded_for)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse(Some("10.0.0.0/8, 192.168.1.5")).expect("parse");
        let forwarded = Some("203.0.113.9, 10.1.2.3");
        // A stranger cannot pick its own address.
        assert_eq!(
            proxies.client_of(Some(ip("198.51.100.7")), forwarded),
            Some(ip("198.51.100.7"))
        );
        // Through two trusted proxies: the first untrusted hop from the right.
        assert_eq!(
            proxies.client_of(Some(ip("192.168.1.5")), forwarded),
            Some(ip("203.0.113.9"))
        );
        // A trusted proxy without the header is the client itself.
        assert_eq!(
            proxies.client_of(Some(ip("10.0.0.1")), None),
            Some(ip("10.0.0.1"))
        );
        // By default nobody is trusted.
        assert_eq!(
            TrustedProxies::default().client_of(Some(ip("10.0.0.1")), forwarded),
            Some(ip("10.0.0.1"))
        );
        assert!(TrustedProxies::parse(Some("not-an-address")).is_err());
    }
}

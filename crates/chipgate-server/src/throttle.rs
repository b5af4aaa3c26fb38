//! The limit on failed authentication, per client address.
//!
//! A client (the connection's peer address; an IPv6 client by its /64 network) whose tokens
//! were refused `failures` times within `window` is answered 429 with `Retry-After` on every
//! route that needs a token, without its token being checked, until `window` has passed since
//! the last refusal that counted. Requests without a token, tokens with too low a role and
//! successful requests do not count. Tokens carry 256 random bits, so guessing one is hopeless
//! anyway: the limit keeps a guessing client from costing the server work and the log noise.
//!
//! The peer address is the only identity used: behind a reverse proxy every client shares the
//! proxy's address (and its limit); `X-Forwarded-For` is not trusted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many refused tokens a client may send, and over how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthLimit {
    /// Refused tokens within `window` after which the client is answered 429.
    pub failures: u32,
    /// The window over which refusals are counted, and how long the client then waits.
    pub window: Duration,
}

impl Default for AuthLimit {
    /// 10 refused tokens per 60 s.
    fn default() -> Self {
        AuthLimit {
            failures: 10,
            window: Duration::from_secs(60),
        }
    }
}

/// The most clients tracked at once; beyond it, entries whose window is over are dropped,
/// and a new client is not tracked while all are still current (the map stays bounded).
const MAX_CLIENTS: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Refusals counted in the current window.
    failures: u32,
    /// When the current window started.
    since: Instant,
    /// Answered 429 until then.
    blocked_until: Option<Instant>,
}

/// Counts refused tokens per client (cheap to share behind an `Arc`).
#[derive(Debug)]
pub struct AuthThrottle {
    limit: AuthLimit,
    clients: Mutex<HashMap<IpAddr, Entry>>,
}

/// The client key: the address, or an IPv6 address's /64 network (one host holds a whole /64).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                for s in segments.iter_mut().skip(4) {
                    *s = 0;
                }
                IpAddr::V6(segments.into())
            }
        },
    }
}

impl AuthThrottle {
    /// A throttle with this limit.
    pub fn new(limit: AuthLimit) -> AuthThrottle {
        AuthThrottle {
            limit,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The limit.
    pub fn limit(&self) -> AuthLimit {
        self.limit
    }

    /// `Some(seconds to wait)` while `ip` is blocked.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> Option<u64> {
        let Ok(clients) = self.clients.lock() else {
            return None;
        };
        let until = clients.get(&key(ip))?.blocked_until?;
        let left = until.checked_duration_since(now)?;
        if left.is_zero() {
            return None;
        }
        // Round up: a client that waits this long is let through.
        Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
    }

    /// Counts a refused token from `ip`; returns `true` when that starts a block.
    pub fn refused(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(mut clients) = self.clients.lock() else {
            return false;
        };
        let window = self.limit.window;
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&key(ip)) {
            clients.retain(|_, e| {
                now.saturating_duration_since(e.since) < window || e.blocked_until.is_some_and(|u| u > now)
            });
            if clients.len() >= MAX_CLIENTS {
                return false;
            }
        }
        let entry = clients.entry(key(ip)).or_insert(Entry {
            failures: 0,
            since: now,
            blocked_until: None,
        });
        if entry.blocked_until.is_some_and(|u| u <= now) || now.saturating_duration_since(entry.since) >= window {
            *entry = Entry {
                failures: 0,
                since: now,
                blocked_until: None,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= self.limit.failures && entry.blocked_until.is_none() {
            entry.blocked_until = Some(now + window);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn blocks_after_the_limit_for_the_window_then_forgets() {
        let throttle = AuthThrottle::new(AuthLimit {
            failures: 3,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        assert!(!throttle.refused(a, t0));
        assert!(!throttle.refused(a, t0));
        assert_eq!(throttle.blocked(a, t0), None);
        assert!(throttle.refused(a, t0 + Duration::from_millis(1500)));
        assert_eq!(throttle.blocked(a, t0 + Duration::from_millis(1500)), Some(60));
        assert_eq!(throttle.blocked(a, t0 + Duration::from_millis(2000)), Some(60));
        assert_eq!(throttle.blocked(a, t0 + Duration::from_secs(61)), Some(1));
        assert_eq!(throttle.blocked(ip("192.0.2.2"), t0), None);
        assert_eq!(throttle.blocked(a, t0 + Duration::from_millis(61_500)), None);
        // A new window: one refusal is not a block.
        assert!(!throttle.refused(a, t0 + Duration::from_secs(62)));
        assert_eq!(throttle.blocked(a, t0 + Duration::from_secs(62)), None);
    }

    #[test]
    fn refusals_spread_beyond_the_window_do_not_add_up() {
        let throttle = AuthThrottle::new(AuthLimit {
            failures: 2,
            window: Duration::from_secs(10),
        });
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        assert!(!throttle.refused(a, t0));
        assert!(!throttle.refused(a, t0 + Duration::from_secs(11)));
        assert!(throttle.refused(a, t0 + Duration::from_secs(12)));
    }

    #[test]
    fn an_ipv6_client_is_its_64_network() {
        assert_eq!(key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }
}

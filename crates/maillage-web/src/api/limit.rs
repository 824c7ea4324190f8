//! Per-client rate limiting: a token bucket per client address, for the costly routes
//! (exports read the whole registry from the store; a coverage answer weighs megabytes).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets of tokens refilled continuously; a request takes one.
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<Option<IpAddr>, (f64, Instant)>>,
}

impl RateLimiter {
    /// `capacity` requests at once, then one every `every`.
    pub fn new(capacity: u32, every: Duration) -> RateLimiter {
        RateLimiter {
            capacity: capacity as f64,
            per_second: 1.0 / every.as_secs_f64().max(1e-3),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Exports: 5 at once, then one every 12 seconds (5 a minute) per client.
    pub fn exports() -> RateLimiter {
        RateLimiter::new(5, Duration::from_secs(12))
    }

    /// Coverage: 20 at once, then one every 3 seconds per client. A page view asks once; a
    /// client asking France-wide answers in a loop (megabytes each) is slowed down.
    pub fn coverage() -> RateLimiter {
        RateLimiter::new(20, Duration::from_secs(3))
    }

    /// Takes a token for this client, or says how long to wait for one. Clients without a
    /// known address (in-process calls) share one bucket.
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Full buckets carry no information: forget them so the map stays small.
        if buckets.len() > 10_000 {
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < capacity);
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_then_refills_per_client() {
        let limiter = RateLimiter::new(2, Duration::from_millis(50));
        let a = Some("10.0.0.1".parse().unwrap());
        let b = Some("10.0.0.2".parse().unwrap());
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!(wait <= Duration::from_millis(50));
        assert!(limiter.check(b).is_ok(), "another client has its own bucket");
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.check(a).is_ok());
    }
}

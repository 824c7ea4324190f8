//! A small in-memory limiter per client, for what the public may post (an error report on a
//! place): at most a number of accepted requests per client in a sliding window.
//!
//! The key is whatever the edge says identifies a client (its address, the forwarded one from
//! a trusted proxy); the use case never guesses it. The state is per process, like the web's
//! sign-in limit: several servers each allow their own share, which bounds a flood all the
//! same. Memory is bounded: past [`Throttle::max_clients`] keys, those whose window is over
//! are forgotten first, then the least recently seen.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// At most `limit` requests per client within any `window`.
pub struct Throttle {
    limit: usize,
    window: TimeDelta,
    max_clients: usize,
    /// Per client, the times of its accepted requests still inside the window, oldest first.
    clients: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl Throttle {
    pub fn new(limit: usize, window: TimeDelta, max_clients: usize) -> Throttle {
        Throttle { limit: limit.max(1), window, max_clients: max_clients.max(1), clients: Mutex::new(HashMap::new()) }
    }

    /// How many clients it remembers at most.
    pub fn max_clients(&self) -> usize {
        self.max_clients
    }

    /// Counts a request of `client` at `now` when the client is within its allowance;
    /// otherwise counts nothing and says how long until the oldest request leaves the window.
    pub fn admit(&self, client: &str, now: DateTime<Utc>) -> Result<(), TimeDelta> {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !clients.contains_key(client) && clients.len() >= self.max_clients {
            self.make_room(&mut clients, now);
        }
        let times = clients.entry(client.to_owned()).or_default();
        while times.front().is_some_and(|first| *first + self.window <= now) {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let first = *times.front().expect("a full window holds a request");
            return Err(first + self.window - now);
        }
        times.push_back(now);
        Ok(())
    }

    /// How long until `client` may be admitted again, counting nothing (`None`: it may now).
    /// An edge says it in `Retry-After` after a refusal.
    pub fn retry_after(&self, client: &str, now: DateTime<Utc>) -> Option<TimeDelta> {
        let clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let times = clients.get(client)?;
        let live: Vec<_> = times.iter().filter(|at| **at + self.window > now).collect();
        (live.len() >= self.limit).then(|| *live[0] + self.window - now)
    }

    fn make_room(&self, clients: &mut HashMap<String, VecDeque<DateTime<Utc>>>, now: DateTime<Utc>) {
        clients.retain(|_, times| times.back().is_some_and(|last| *last + self.window > now));
        if clients.len() >= self.max_clients {
            let stalest = clients.iter().min_by_key(|(_, times)| times.back().copied()).map(|(key, _)| key.clone());
            if let Some(key) = stalest {
                clients.remove(&key);
            }
        }
    }

    /// How many clients are remembered now.
    pub fn clients(&self) -> usize {
        self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

/// "3 minutes", "1 minute", "45 secondes": a wait in French, rounded up.
pub fn wait_in_words(wait: TimeDelta) -> String {
    let seconds = wait.num_seconds().max(1);
    if seconds < 60 {
        return format!("{seconds} seconde{}", if seconds > 1 { "s" } else { "" });
    }
    let minutes = (seconds + 59) / 60;
    format!("{minutes} minute{}", if minutes > 1 { "s" } else { "" })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + TimeDelta::seconds(seconds)
    }

    #[test]
    fn a_client_gets_its_allowance_per_window_and_others_theirs() {
        let throttle = Throttle::new(3, TimeDelta::minutes(10), 100);
        for second in 0..3 {
            throttle.admit("a", at(second)).unwrap();
        }
        assert_eq!(throttle.admit("a", at(60)), Err(TimeDelta::seconds(540)));
        // A refusal is not counted: the window still frees at the first request's end.
        assert_eq!(throttle.admit("a", at(599)), Err(TimeDelta::seconds(1)));
        throttle.admit("b", at(60)).unwrap();
        throttle.admit("a", at(600)).unwrap();
        assert!(throttle.admit("a", at(600)).is_err());
        throttle.admit("a", at(602)).unwrap();
    }

    #[test]
    fn retry_after_says_the_wait_without_counting() {
        let throttle = Throttle::new(2, TimeDelta::minutes(10), 100);
        assert_eq!(throttle.retry_after("a", at(0)), None);
        throttle.admit("a", at(0)).unwrap();
        throttle.admit("a", at(5)).unwrap();
        assert_eq!(throttle.retry_after("a", at(60)), Some(TimeDelta::seconds(540)));
        assert_eq!(throttle.retry_after("a", at(60)), Some(TimeDelta::seconds(540)), "asking counts nothing");
        assert_eq!(throttle.retry_after("a", at(600)), None);
        assert_eq!(throttle.retry_after("b", at(60)), None);
    }

    #[test]
    fn memory_stays_bounded_and_forgets_the_stalest_first() {
        let throttle = Throttle::new(1, TimeDelta::minutes(10), 3);
        throttle.admit("old", at(0)).unwrap();
        throttle.admit("b", at(10)).unwrap();
        throttle.admit("c", at(20)).unwrap();
        throttle.admit("d", at(30)).unwrap();
        assert_eq!(throttle.clients(), 3);
        // "old" was dropped to make room; "c" is still remembered.
        throttle.admit("old", at(40)).unwrap();
        assert!(throttle.admit("c", at(40)).is_err());
        for index in 0..1_000 {
            let _ = throttle.admit(&format!("client-{index}"), at(50));
        }
        assert_eq!(throttle.clients(), 3);
    }

    #[test]
    fn waits_are_said_in_french() {
        assert_eq!(wait_in_words(TimeDelta::seconds(1)), "1 seconde");
        assert_eq!(wait_in_words(TimeDelta::seconds(45)), "45 secondes");
        assert_eq!(wait_in_words(TimeDelta::seconds(61)), "2 minutes");
        assert_eq!(wait_in_words(TimeDelta::seconds(60)), "1 minute");
    }
}

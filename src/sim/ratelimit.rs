//! A sliding one-minute window of generate requests.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The window length.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Counts admitted requests over the last minute.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    admitted: VecDeque<Instant>,
}

impl RateLimiter {
    /// A limiter admitting `limit` requests per sliding minute.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            admitted: VecDeque::new(),
        }
    }

    /// Admits a request at `now`, or returns how long until one slot frees up.
    pub fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        while let Some(first) = self.admitted.front() {
            if now.saturating_duration_since(*first) >= WINDOW {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
        if (self.admitted.len() as u64) < u64::from(self.limit) {
            self.admitted.push_back(now);
            return Ok(());
        }
        let oldest = self.admitted.front().copied().unwrap_or(now);
        Err(WINDOW.saturating_sub(now.saturating_duration_since(oldest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_reports_the_real_wait() {
        let start = Instant::now();
        let mut rl = RateLimiter::new(2);
        assert!(rl.admit(start).is_ok());
        assert!(rl.admit(start + Duration::from_secs(10)).is_ok());
        let wait = rl.admit(start + Duration::from_secs(20)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(rl.admit(start + Duration::from_secs(60)).is_ok());
        let wait = rl.admit(start + Duration::from_secs(61)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(9));
    }

    #[test]
    fn zero_limit_refuses_everything() {
        let mut rl = RateLimiter::new(0);
        assert!(rl.admit(Instant::now()).is_err());
    }
}

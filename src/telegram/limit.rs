//! Rate limits as generic cell-rate algorithm (GCRA) schedules: Telegram's limits on what the bot sends
//! (overall, per chat, per group) and the flood limit on what one user sends. Each check is O(1) and a caller
//! sleeps exactly until its slot, with no polling loop (teloxide's `Throttle` wakes every 250 ms, which would
//! put up to a quarter of a second on every reply).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One schedule: `per` events per `period`, with bursts of up to `burst`.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub interval: Duration,
    pub burst: u32,
}

impl Rate {
    pub fn per(count: u32, period: Duration, burst: u32) -> Rate {
        Rate { interval: period / count.max(1), burst: burst.max(1) }
    }

    /// The earliest time an event may happen given the schedule's theoretical arrival time, and the new TAT.
    fn slot(&self, tat: Option<Instant>, now: Instant) -> (Instant, Instant) {
        let tolerance = self.interval * (self.burst - 1);
        let tat = tat.map_or(now, |t| t.max(now));
        let allowed = tat.checked_sub(tolerance).unwrap_or(now).max(now);
        (allowed, tat + self.interval)
    }
}

/// Telegram's published limits for bots; each can be turned off (`None`) for a local test server.
#[derive(Debug, Clone, Copy)]
pub struct SendLimits {
    pub overall: Option<Rate>,
    pub per_chat: Option<Rate>,
    pub per_group: Option<Rate>,
}

impl SendLimits {
    pub const fn none() -> SendLimits {
        SendLimits { overall: None, per_chat: None, per_group: None }
    }

    /// About 30 messages a second overall, one a second per chat (short bursts tolerated), 20 a minute per group.
    pub fn telegram() -> SendLimits {
        SendLimits {
            overall: Some(Rate::per(30, Duration::from_secs(1), 30)),
            per_chat: Some(Rate::per(1, Duration::from_secs(1), 3)),
            per_group: Some(Rate::per(20, Duration::from_secs(60), 5)),
        }
    }
}

/// Schedules outgoing messages so that no limit is exceeded; callers wait for their slot.
pub struct SendLimiter {
    limits: SendLimits,
    state: Mutex<LimiterState>,
}

#[derive(Default)]
struct LimiterState {
    overall: Option<Instant>,
    chats: HashMap<i64, Instant>,
    /// Until when everything waits after Telegram answered 429 with `retry_after`.
    frozen_until: Option<Instant>,
}

impl SendLimiter {
    pub fn new(limits: SendLimits) -> Self {
        SendLimiter { limits, state: Mutex::new(LimiterState::default()) }
    }

    /// Reserves the next slot for a message to `chat` and returns how long to wait for it.
    pub fn reserve(&self, chat: i64, is_group: bool) -> Duration {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let base = state.frozen_until.filter(|f| *f > now).unwrap_or(now);
        let mut at = base;
        let overall = self.limits.overall.map(|r| r.slot(state.overall, base));
        let chat_rate = if is_group { self.limits.per_group } else { self.limits.per_chat };
        let per_chat = chat_rate.map(|r| r.slot(state.chats.get(&chat).copied(), base));
        if let Some((allowed, _)) = overall {
            at = at.max(allowed);
        }
        if let Some((allowed, _)) = per_chat {
            at = at.max(allowed);
        }
        // The reservation is booked at the slot actually taken, so a later caller queues behind it.
        if let (Some(r), Some(_)) = (self.limits.overall, overall) {
            state.overall = Some(r.slot(state.overall, at).1);
        }
        if let (Some(r), Some(_)) = (chat_rate, per_chat) {
            let tat = r.slot(state.chats.get(&chat).copied(), at).1;
            state.chats.insert(chat, tat);
        }
        if state.chats.len() > 10_000 {
            state.chats.retain(|_, tat| *tat > now);
        }
        at - now
    }

    /// Telegram said to wait: hold every message until then.
    pub fn freeze(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.frozen_until = Some(state.frozen_until.map_or(until, |f| f.max(until)));
    }
}

/// The flood guard on what users send: past the limit, a user is slowed (and told once); others are not.
pub struct FloodGuard {
    rate: Rate,
    users: Mutex<HashMap<u64, (Instant, bool)>>,
}

pub enum FloodCheck {
    Ok,
    /// Over the limit: wait this long; `notify` is true the first time, so the user is told once.
    Slow {
        wait: Duration,
        notify: bool,
    },
}

impl FloodGuard {
    pub fn new(per_minute: u32) -> Self {
        FloodGuard {
            rate: Rate::per(per_minute, Duration::from_secs(60), per_minute),
            users: Mutex::new(HashMap::new()),
        }
    }

    /// `user` is a salted hash, never the raw id.
    pub fn check(&self, user: u64) -> FloodCheck {
        let now = Instant::now();
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if users.len() > 50_000 {
            users.retain(|_, (tat, _)| *tat > now);
        }
        let (tat, notified) = users.get(&user).copied().map_or((None, false), |(t, n)| (Some(t), n));
        let (allowed, next) = self.rate.slot(tat, now);
        if allowed <= now {
            // A user whose schedule has fully caught up gets a fresh notice if they flood again later.
            let still_flooding = notified && tat.is_some_and(|t| t > now);
            users.insert(user, (next, still_flooding));
            return FloodCheck::Ok;
        }
        users.insert(user, (next, true));
        FloodCheck::Slow { wait: allowed - now, notify: !notified }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_messages_are_spaced() {
        let l = SendLimiter::new(SendLimits {
            overall: None,
            per_chat: Some(Rate::per(1, Duration::from_secs(1), 3)),
            per_group: None,
        });
        for _ in 0..3 {
            assert_eq!(l.reserve(1, false), Duration::ZERO);
        }
        let wait = l.reserve(1, false);
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert_eq!(l.reserve(2, false), Duration::ZERO, "another chat is not slowed");
    }

    #[test]
    fn no_limits_never_wait() {
        let l = SendLimiter::new(SendLimits::none());
        for _ in 0..1000 {
            assert_eq!(l.reserve(1, false), Duration::ZERO);
        }
    }

    #[test]
    fn a_freeze_holds_everything() {
        let l = SendLimiter::new(SendLimits::none());
        l.freeze(Duration::from_secs(2));
        assert!(l.reserve(5, false) > Duration::from_millis(1900));
    }

    #[test]
    fn a_flooding_user_is_told_once_and_slowed_others_are_not() {
        let g = FloodGuard::new(20);
        for _ in 0..20 {
            assert!(matches!(g.check(1), FloodCheck::Ok));
        }
        assert!(matches!(g.check(1), FloodCheck::Slow { notify: true, .. }));
        assert!(matches!(g.check(1), FloodCheck::Slow { notify: false, .. }));
        assert!(matches!(g.check(2), FloodCheck::Ok));
    }
}

//! How long a server connection lives: keepalive, idleness and age, as
//! [gRFC A8](https://github.com/grpc/proposal/blob/master/A8-client-side-keepalive.md),
//! [gRFC A9](https://github.com/grpc/proposal/blob/master/A9-server-side-conn-mgt.md) and
//! [doc/keepalive.md](https://github.com/grpc/grpc/blob/master/doc/keepalive.md) describe them:
//!
//! > `KEEPALIVE_TIME`: This channel argument controls the period (in milliseconds) after which
//! > a keepalive ping is sent on the transport.
//! > `KEEPALIVE_TIMEOUT`: This channel argument controls the amount of time (in milliseconds)
//! > the sender of the keepalive ping waits for an acknowledgement. If it does not receive an
//! > acknowledgment within this time, it will close the connection.
//!
//! > `MAX_CONNECTION_IDLE`: [...] idle connections are closed by sending a GOAWAY frame.
//! > `MAX_CONNECTION_AGE`: [...] a random jitter of +/-10% will be added to
//! > MAX_CONNECTION_AGE to spread out connection storms.
//! > `MAX_CONNECTION_AGE_GRACE`: [...] an additive period after MAX_CONNECTION_AGE after which
//! > the connection will be forcibly closed.
//!
//! [`Lifetime`] is the sans-IO clock of one connection: it is told the time and the calls in
//! progress, and says what to do next ([`Action`]); the connection's task sleeps until
//! [`Lifetime::deadline`] and carries the action out with `h2` (a PING, a graceful GOAWAY, or
//! dropping the connection).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::time::Sleep;

/// The limits of a connection's life; `None` turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifetimeLimits {
    /// Send a PING after this long (and every this long after).
    pub keepalive_time: Option<Duration>,
    /// Close the connection when a PING is not answered within this.
    pub keepalive_timeout: Duration,
    /// GOAWAY once no call has been in progress for this long.
    pub max_connection_idle: Option<Duration>,
    /// GOAWAY once the connection is this old (±10%).
    pub max_connection_age: Option<Duration>,
    /// After the age GOAWAY, how long calls in flight may still run before the connection is
    /// closed; after the idle GOAWAY, how long the client may take to close.
    pub max_connection_age_grace: Duration,
}

/// What the connection should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing yet.
    Wait,
    /// Send a keepalive PING.
    Ping,
    /// Send GOAWAY and let the calls in flight finish (the reason is for the log).
    GoAway(&'static str),
    /// Close the connection now (the reason is for the log).
    Close(&'static str),
}

/// The window over which a connection's peer resets are counted: 10 s.
pub const PEER_RESET_WINDOW: Duration = Duration::from_secs(10);

/// The calls in progress on a connection, counted by the tasks that run them, and the calls the
/// peer reset while their handler ran.
///
/// Each such reset cost the server a handler start for nothing. Resetting streams as fast as
/// they are opened (CVE-2023-44487, "rapid reset") is capped by `h2` itself; a peer that waits a
/// moment before each reset gets past `h2`'s cap, and is stopped by this count: more than
/// `max_peer_resets` in a [`PEER_RESET_WINDOW`] and the connection gets GOAWAY
/// `ENHANCE_YOUR_CALM`.
#[derive(Debug)]
pub struct CallTracker {
    opened: Instant,
    active: AtomicUsize,
    /// When the last call ended, in nanoseconds after `opened`.
    last_end: AtomicU64,
    max_peer_resets: u32,
    /// The window (its number since `opened`) the count below is for.
    reset_window: AtomicU64,
    resets: AtomicU32,
    /// The client PINGed too often ([`super::pings`]).
    pings: AtomicBool,
    /// The connection was told to calm down (GOAWAY `ENHANCE_YOUR_CALM` sent).
    calmed: AtomicBool,
}

impl CallTracker {
    /// A tracker for a connection opened at `opened`, allowing `max_peer_resets` per window.
    #[must_use]
    pub fn new(opened: Instant, max_peer_resets: u32) -> Self {
        Self {
            opened,
            active: AtomicUsize::new(0),
            last_end: AtomicU64::new(0),
            max_peer_resets,
            reset_window: AtomicU64::new(0),
            resets: AtomicU32::new(0),
            pings: AtomicBool::new(false),
            calmed: AtomicBool::new(false),
        }
    }

    /// The client PINGed too often.
    pub fn too_many_pings(&self) {
        self.pings.store(true, Ordering::Relaxed);
    }

    /// Why the connection should get GOAWAY `ENHANCE_YOUR_CALM`, if it should and has not yet.
    #[must_use]
    pub fn calm_pending(&self) -> Option<&'static str> {
        if self.calmed.load(Ordering::Relaxed) {
            None
        } else if self.pings.load(Ordering::Relaxed) {
            Some("too_many_pings")
        } else if self.too_many_resets() {
            Some("too many calls reset by the client")
        } else {
            None
        }
    }

    /// As [`CallTracker::calm_pending`], and marks the GOAWAY as sent.
    pub fn take_calm(&self) -> Option<&'static str> {
        let reason = self.calm_pending()?;
        self.calmed.store(true, Ordering::Relaxed);
        Some(reason)
    }

    /// The peer reset a call whose handler was running.
    pub fn peer_reset(&self) {
        let window = self.opened.elapsed().as_secs() / PEER_RESET_WINDOW.as_secs();
        if self.reset_window.swap(window, Ordering::Relaxed) != window {
            self.resets.store(0, Ordering::Relaxed);
        }
        self.resets.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether the peer reset more calls than allowed in the current window.
    #[must_use]
    pub fn too_many_resets(&self) -> bool {
        self.resets.load(Ordering::Relaxed) > self.max_peer_resets
    }

    /// A call started; it ends when the guard is dropped.
    #[must_use]
    pub fn start(self: &Arc<Self>) -> CallGuard {
        self.active.fetch_add(1, Ordering::Relaxed);
        CallGuard(Arc::clone(self))
    }

    /// The calls in progress.
    #[must_use]
    pub fn active(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// When the last call ended (the connection's opening if none has).
    #[must_use]
    pub fn last_end(&self) -> Instant {
        self.opened + Duration::from_nanos(self.last_end.load(Ordering::Relaxed))
    }
}

/// Held by a call's task while it runs.
#[derive(Debug)]
pub struct CallGuard(Arc<CallTracker>);

impl Drop for CallGuard {
    fn drop(&mut self) {
        let since = u64::try_from(self.0.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.last_end.fetch_max(since, Ordering::Relaxed);
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The clock of one connection.
#[derive(Debug)]
pub struct Lifetime {
    limits: LifetimeLimits,
    /// The last time calls were accepted (or the opening).
    last_accept: Instant,
    next_ping: Option<Instant>,
    pong_due: Option<Instant>,
    age_deadline: Option<Instant>,
    close_deadline: Option<Instant>,
    going_away: bool,
}

impl Lifetime {
    /// The clock of a connection opened at `now`; `jitter` in [-1, 1] spreads the age limit by
    /// up to ±10%.
    #[must_use]
    pub fn new(limits: LifetimeLimits, now: Instant, jitter: f64) -> Self {
        let age_deadline = limits
            .max_connection_age
            .map(|age| now + age.mul_f64(1.0 + 0.1 * jitter.clamp(-1.0, 1.0)));
        Self {
            limits,
            last_accept: now,
            next_ping: limits.keepalive_time.map(|time| now + time),
            pong_due: None,
            age_deadline,
            close_deadline: None,
            going_away: false,
        }
    }

    /// Whether any limit is on (otherwise the connection needs no timer).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.next_ping.is_some()
            || self.age_deadline.is_some()
            || self.limits.max_connection_idle.is_some()
    }

    /// Calls were accepted at `now`.
    pub fn accepted(&mut self, now: Instant) {
        self.last_accept = now;
    }

    /// The PING was answered at `now`.
    pub fn pong(&mut self, now: Instant) {
        self.pong_due = None;
        self.next_ping = self.limits.keepalive_time.map(|time| now + time);
    }

    /// When [`Lifetime::tick`] should be called next; `None` when nothing is scheduled.
    #[must_use]
    pub fn deadline(&self, tracker: &CallTracker) -> Option<Instant> {
        let idle = match (self.limits.max_connection_idle, self.going_away) {
            (Some(idle), false) => Some(self.last_accept.max(tracker.last_end()) + idle),
            _ => None,
        };
        [
            self.next_ping.filter(|_| self.pong_due.is_none()),
            self.pong_due,
            idle,
            self.age_deadline.filter(|_| !self.going_away),
            self.close_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// What to do at `now`.
    pub fn tick(&mut self, now: Instant, tracker: &CallTracker) -> Action {
        if self.close_deadline.is_some_and(|at| now >= at) {
            return Action::Close("the grace after GOAWAY elapsed with the connection still open");
        }
        if self.pong_due.is_some_and(|at| now >= at) {
            return Action::Close("keepalive PING not answered within keepalive_timeout");
        }
        if !self.going_away {
            if self.age_deadline.is_some_and(|at| now >= at) {
                self.going_away = true;
                self.close_deadline = Some(now + self.limits.max_connection_age_grace);
                return Action::GoAway("max_connection_age");
            }
            if let Some(idle) = self.limits.max_connection_idle
                && tracker.active() == 0
                && now >= self.last_accept.max(tracker.last_end()) + idle
            {
                self.going_away = true;
                // A client that never finishes the GOAWAY exchange (h2 waits for its PING ACK)
                // must not keep the connection: the grace bounds that too.
                self.close_deadline = Some(now + self.limits.max_connection_age_grace);
                return Action::GoAway("max_connection_idle");
            }
        }
        if self.pong_due.is_none() && self.next_ping.is_some_and(|at| now >= at) {
            self.pong_due = Some(now + self.limits.keepalive_timeout);
            return Action::Ping;
        }
        Action::Wait
    }
}

/// A connection's [`Lifetime`] with what carries it out: its timer, the calls counted, and
/// `h2`'s PING handle. Boxed by the connection, which holds it only when a limit is on.
pub(crate) struct Clock {
    pub(crate) tracker: Arc<CallTracker>,
    lifetime: Lifetime,
    timer: Pin<Box<Sleep>>,
    ping_pong: Option<h2::PingPong>,
    awaiting_pong: bool,
}

impl Clock {
    /// The clock of a connection just opened, if any limit is on.
    pub(crate) fn new(
        limits: LifetimeLimits,
        tracker: &Arc<CallTracker>,
        ping_pong: Option<h2::PingPong>,
        jitter: f64,
    ) -> Option<Box<Self>> {
        let now = Instant::now();
        let lifetime = Lifetime::new(limits, now, jitter);
        lifetime.is_active().then(|| {
            Box::new(Self {
                tracker: Arc::clone(tracker),
                lifetime,
                timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
                ping_pong,
                awaiting_pong: false,
            })
        })
    }

    /// Calls were accepted now.
    pub(crate) fn accepted(&mut self) {
        if self.lifetime.limits.max_connection_idle.is_some() {
            self.lifetime.accepted(Instant::now());
        }
    }

    /// The next [`Action`] other than waiting; PINGs are sent and their answers taken here.
    pub(crate) fn poll_action(&mut self, cx: &mut Context<'_>) -> Poll<Action> {
        loop {
            if self.awaiting_pong
                && let Some(ping_pong) = self.ping_pong.as_mut()
                && let Poll::Ready(pong) = ping_pong.poll_pong(cx)
            {
                self.awaiting_pong = false;
                match pong {
                    Ok(_) => self.lifetime.pong(Instant::now()),
                    Err(_) => return Poll::Ready(Action::Close("the connection failed")),
                }
            }
            let Some(deadline) = self.lifetime.deadline(&self.tracker) else {
                return Poll::Pending;
            };
            if self.timer.deadline() != deadline.into() {
                self.timer.as_mut().reset(deadline.into());
            }
            std::task::ready!(self.timer.as_mut().poll(cx));
            match self.lifetime.tick(Instant::now(), &self.tracker) {
                Action::Wait => {}
                Action::Ping => match self
                    .ping_pong
                    .as_mut()
                    .map(|p| p.send_ping(h2::Ping::opaque()))
                {
                    Some(Ok(())) => self.awaiting_pong = true,
                    // No PING handle (h2 hands it out once), or it failed: treat the PING as
                    // answered rather than close a connection for our own fault.
                    _ => self.lifetime.pong(Instant::now()),
                },
                action => return Poll::Ready(action),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LifetimeLimits {
        LifetimeLimits {
            keepalive_time: None,
            keepalive_timeout: Duration::from_secs(20),
            max_connection_idle: None,
            max_connection_age: None,
            max_connection_age_grace: Duration::from_secs(5),
        }
    }

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn no_limits_no_timer() {
        let now = Instant::now();
        let lifetime = Lifetime::new(limits(), now, 0.0);
        assert!(!lifetime.is_active());
        assert_eq!(lifetime.deadline(&CallTracker::new(now, 100)), None);
    }

    #[test]
    fn keepalive_pings_and_closes_when_unanswered() {
        let t0 = Instant::now();
        let tracker = CallTracker::new(t0, 100);
        let limits = LifetimeLimits {
            keepalive_time: Some(60 * S),
            ..limits()
        };
        let mut lifetime = Lifetime::new(limits, t0, 0.0);
        assert_eq!(lifetime.deadline(&tracker), Some(t0 + 60 * S));
        assert_eq!(lifetime.tick(t0 + 59 * S, &tracker), Action::Wait);
        assert_eq!(lifetime.tick(t0 + 60 * S, &tracker), Action::Ping);
        assert_eq!(lifetime.deadline(&tracker), Some(t0 + 80 * S));
        lifetime.pong(t0 + 61 * S);
        assert_eq!(lifetime.deadline(&tracker), Some(t0 + 121 * S));
        assert_eq!(lifetime.tick(t0 + 121 * S, &tracker), Action::Ping);
        assert!(matches!(
            lifetime.tick(t0 + 141 * S, &tracker),
            Action::Close(_)
        ));
    }

    #[test]
    fn idle_counts_from_the_last_call() {
        let t0 = Instant::now();
        let tracker = Arc::new(CallTracker::new(t0, 100));
        let limits = LifetimeLimits {
            max_connection_idle: Some(10 * S),
            ..limits()
        };
        let mut lifetime = Lifetime::new(limits, t0, 0.0);
        let call = tracker.start();
        assert_eq!(
            lifetime.tick(t0 + 10 * S, &tracker),
            Action::Wait,
            "a call is in progress"
        );
        drop(call);
        let ended = tracker.last_end();
        assert!(ended >= t0);
        assert_eq!(lifetime.deadline(&tracker), Some(ended + 10 * S));
        assert_eq!(
            lifetime.tick(ended + 10 * S, &tracker),
            Action::GoAway("max_connection_idle")
        );
        assert_eq!(
            lifetime.deadline(&tracker),
            Some(ended + 15 * S),
            "closed after the grace"
        );
        assert!(matches!(
            lifetime.tick(ended + 15 * S, &tracker),
            Action::Close(_)
        ));
    }

    #[test]
    fn resets_are_counted_per_window() {
        let tracker = CallTracker::new(Instant::now(), 2);
        tracker.peer_reset();
        tracker.peer_reset();
        assert!(!tracker.too_many_resets());
        tracker.peer_reset();
        assert!(tracker.too_many_resets());
    }

    #[test]
    fn age_with_jitter_then_grace() {
        let t0 = Instant::now();
        let tracker = CallTracker::new(t0, 100);
        let limits = LifetimeLimits {
            max_connection_age: Some(100 * S),
            ..limits()
        };
        let mut lifetime = Lifetime::new(limits, t0, -1.0);
        assert_eq!(lifetime.deadline(&tracker), Some(t0 + 90 * S));
        assert_eq!(
            lifetime.tick(t0 + 90 * S, &tracker),
            Action::GoAway("max_connection_age")
        );
        assert_eq!(lifetime.deadline(&tracker), Some(t0 + 95 * S));
        assert!(matches!(
            lifetime.tick(t0 + 95 * S, &tracker),
            Action::Close(_)
        ));
        let late = Lifetime::new(limits, t0, 1.0);
        assert_eq!(late.deadline(&tracker), Some(t0 + 110 * S));
    }
}

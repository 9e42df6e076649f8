//! The health registry: one status per service name, shared by the handlers and whoever reports.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::watch;

use super::messages::ServingStatus;

/// What the registry holds: a status per service name, and whether shutdown has begun.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct State {
    statuses: BTreeMap<String, ServingStatus>,
    shut_down: bool,
}

impl State {
    /// The status of `service`, `None` if the server does not know it.
    pub(crate) fn status(&self, service: &str) -> Option<ServingStatus> {
        self.statuses.get(service).copied()
    }

    /// Whether [`HealthReporter::set_all_not_serving`] was called.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down
    }
}

/// A handle on the health statuses served by `grpc.health.v1.Health`. Clones share one
/// registry: keep one to report changes while the server runs.
///
/// A new reporter knows one name, `""` (the server as a whole), as SERVING. Every change is
/// pushed at once to the clients watching that service (`Watch`).
///
/// ```
/// use h2grpc::services::health::{HealthReporter, ServingStatus};
///
/// let health = HealthReporter::new();
/// health.set_serving("hello.Greeter");
/// health.set_not_serving("users.UserService");
/// assert_eq!(health.status(""), Some(ServingStatus::Serving));
/// assert_eq!(health.status("users.UserService"), Some(ServingStatus::NotServing));
/// assert_eq!(health.status("nope"), None);
///
/// // Graceful shutdown: everything NOT_SERVING, for good.
/// health.set_all_not_serving();
/// health.set_serving("hello.Greeter");
/// assert_eq!(health.status("hello.Greeter"), Some(ServingStatus::NotServing));
/// ```
#[derive(Debug, Clone)]
pub struct HealthReporter {
    /// A watch channel holds the current value and wakes every receiver when it changes:
    /// each `Watch` call holds a receiver.
    state: Arc<watch::Sender<State>>,
}

impl Default for HealthReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl HealthReporter {
    /// A registry where `""` (the whole server) is SERVING, as grpc-go's and tonic's start.
    pub fn new() -> Self {
        let state = State {
            statuses: BTreeMap::from([(String::new(), ServingStatus::Serving)]),
            shut_down: false,
        };
        Self {
            state: Arc::new(watch::Sender::new(state)),
        }
    }

    /// Sets the status of `service` (a full service name, or `""` for the server). Setting
    /// [`ServingStatus::ServiceUnknown`] forgets the service, as [`HealthReporter::clear`] does.
    /// Ignored once [`HealthReporter::set_all_not_serving`] has been called.
    pub fn set_status(&self, service: &str, status: ServingStatus) {
        self.state.send_if_modified(|state| {
            if state.shut_down {
                return false;
            }
            if status == ServingStatus::ServiceUnknown {
                return state.statuses.remove(service).is_some();
            }
            state.statuses.insert(service.to_owned(), status) != Some(status)
        });
    }

    /// `service` is SERVING.
    pub fn set_serving(&self, service: &str) {
        self.set_status(service, ServingStatus::Serving);
    }

    /// `service` is NOT_SERVING.
    pub fn set_not_serving(&self, service: &str) {
        self.set_status(service, ServingStatus::NotServing);
    }

    /// Forgets `service`: Check answers NOT_FOUND for it, and its watchers get SERVICE_UNKNOWN.
    pub fn clear(&self, service: &str) {
        self.set_status(service, ServingStatus::ServiceUnknown);
    }

    /// For graceful shutdown: every known service, `""` included, becomes NOT_SERVING, and
    /// stays so (later changes are ignored, as grpc-go's `Shutdown`). Each `Watch` call sends
    /// NOT_SERVING, then ends with OK, so that no watcher holds the server's shutdown for its
    /// grace period (a health client retries a call that ended OK, and finds the server gone).
    pub fn set_all_not_serving(&self) {
        self.state.send_modify(|state| {
            for status in state.statuses.values_mut() {
                *status = ServingStatus::NotServing;
            }
            state.shut_down = true;
        });
    }

    /// The status of `service`; `None` if it is not known.
    pub fn status(&self, service: &str) -> Option<ServingStatus> {
        self.state.borrow().status(service)
    }

    /// Every known service and its status.
    pub fn statuses(&self) -> BTreeMap<String, ServingStatus> {
        self.state.borrow().statuses.clone()
    }

    /// A receiver woken on every change (for `Watch`).
    pub(crate) fn subscribe(&self) -> watch::Receiver<State> {
        self.state.subscribe()
    }
}

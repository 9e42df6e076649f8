//! Where `users.UserService` keeps its users: the [`UserStore`] trait, and [`MemoryUserStore`].
//!
//! A store is bounded: [`MemoryUserStore`] holds at most [`DEFAULT_MAX_USERS`] users unless built
//! with [`MemoryUserStore::with_max_users`], and refuses a creation past that with
//! RESOURCE_EXHAUSTED, so a client looping on `CreateUser` cannot grow the server's memory
//! without end. Listing walks the users in creation order from a cursor: the id of the last user
//! already seen ([`UserStore::list`]).

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::messages::User;
use crate::protobuf::Text;
use crate::status::Status;

/// How many users a [`MemoryUserStore`] holds by default (a count of users). A user costs about
/// 200 bytes with short fields, so the default store stays near 20 MB: room for any tutorial
/// or test, and a bound on what a client looping on `CreateUser` can make the server keep.
/// `h2grpc serve --max-users N` sets another cap.
pub const DEFAULT_MAX_USERS: usize = 100_000;

/// The storage behind `users.UserService`: what the service needs, nothing more.
///
/// Implementations are shared by every call of every connection, so they are `Send + Sync`,
/// and each method is atomic: a reader never sees half of a [`UserStore::create_many`]. The
/// methods are synchronous: an in-memory store never waits, and a store that does I/O would
/// wrap its own runtime calls.
pub trait UserStore: Send + Sync + 'static {
    /// The user with this id, if there is one.
    fn get(&self, id: &str) -> Option<User>;

    /// Adds one user.
    ///
    /// # Errors
    /// ALREADY_EXISTS if a user has the same id; RESOURCE_EXHAUSTED if the store is full.
    fn create(&self, user: User) -> Result<(), Status>;

    /// At most `limit` users in creation order: from the first one when `after` is `None`, else
    /// from the one created just after the user whose id is `after`. `None` when `after` is the
    /// id of no user.
    fn list(&self, after: Option<&str>, limit: usize) -> Option<Vec<User>>;

    /// Adds all these users, in order, or none of them.
    ///
    /// # Errors
    /// ALREADY_EXISTS if one id is taken, or appears twice in `users`; RESOURCE_EXHAUSTED if
    /// they do not all fit in the store. Nothing is added then.
    fn create_many(&self, users: Vec<User>) -> Result<(), Status>;
}

/// A [`UserStore`] in memory, for the life of the process: a list in creation order and an
/// index by id, behind one [`RwLock`] (calls that only read run together). It holds at most
/// [`MemoryUserStore::max_users`] users.
#[derive(Debug)]
pub struct MemoryUserStore {
    table: RwLock<Table>,
    max_users: usize,
}

impl Default for MemoryUserStore {
    fn default() -> Self {
        Self::with_max_users(DEFAULT_MAX_USERS)
    }
}

#[derive(Debug, Default)]
struct Table {
    /// Every user, in creation order.
    users: Vec<User>,
    /// `users` position of each id.
    by_id: HashMap<Text, usize>,
}

impl MemoryUserStore {
    /// An empty store holding at most [`DEFAULT_MAX_USERS`] users.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding at most `max_users` users (0: none can be created).
    pub fn with_max_users(max_users: usize) -> Self {
        Self {
            table: RwLock::default(),
            max_users,
        }
    }

    /// How many users the store may hold.
    pub fn max_users(&self) -> usize {
        self.max_users
    }

    /// How many users the store holds.
    pub fn len(&self) -> usize {
        self.read().users.len()
    }

    /// Whether the store holds no user.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // A panic while the lock is held cannot leave the table half-written (each change is a push
    // and an insert, after every check), so a poisoned lock is still a consistent table.
    fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.table.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Table {
    fn insert(&mut self, user: User) {
        self.by_id.insert(user.id.clone(), self.users.len());
        self.users.push(user);
    }
}

fn already_exists(id: &str) -> Status {
    Status::already_exists(format!("a user with id {id} already exists"))
}

/// RESOURCE_EXHAUSTED: `adding` more users do not fit next to the `stored` ones.
fn full(adding: usize, stored: usize, max_users: usize) -> Status {
    let what = if adding == 1 {
        "1 more user".to_owned()
    } else {
        format!("{adding} more users")
    };
    Status::resource_exhausted(format!(
        "The user store is full: it holds {stored} of at most {max_users} users, \
         no room for {what}"
    ))
}

impl UserStore for MemoryUserStore {
    fn get(&self, id: &str) -> Option<User> {
        let table = self.read();
        table.by_id.get(id).map(|&at| table.users[at].clone())
    }

    fn create(&self, user: User) -> Result<(), Status> {
        let mut table = self.write();
        if table.by_id.contains_key(&user.id) {
            return Err(already_exists(&user.id));
        }
        if table.users.len() >= self.max_users {
            return Err(full(1, table.users.len(), self.max_users));
        }
        table.insert(user);
        Ok(())
    }

    fn list(&self, after: Option<&str>, limit: usize) -> Option<Vec<User>> {
        let table = self.read();
        let start = match after {
            None => 0,
            Some(id) => table.by_id.get(id)? + 1,
        };
        let page = table.users.get(start..).unwrap_or_default();
        Some(page.iter().take(limit).cloned().collect())
    }

    fn create_many(&self, users: Vec<User>) -> Result<(), Status> {
        let mut table = self.write();
        // Every check before the first change: all or nothing.
        if users.len() > self.max_users.saturating_sub(table.users.len()) {
            return Err(full(users.len(), table.users.len(), self.max_users));
        }
        let mut new_ids = std::collections::HashSet::with_capacity(users.len());
        for user in &users {
            if table.by_id.contains_key(&user.id) || !new_ids.insert(&user.id) {
                return Err(already_exists(&user.id));
            }
        }
        table.users.reserve(users.len());
        for user in users {
            table.insert(user);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            name: format!("name of {id}").into(),
            ..User::default()
        }
    }

    #[test]
    fn keeps_creation_order_and_finds_by_id() {
        let store = MemoryUserStore::new();
        for id in ["c", "a", "b"] {
            store.create(user(id)).unwrap();
        }
        let ids: Vec<_> = store
            .list(None, 10)
            .unwrap()
            .into_iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!(store.list(None, 2).unwrap().len(), 2);
        assert_eq!(store.get("a").unwrap().name, "name of a");
        assert!(store.get("z").is_none());
        assert_eq!(
            store.create(user("a")).unwrap_err().code(),
            crate::status::Code::AlreadyExists
        );
    }

    #[test]
    fn create_many_is_all_or_nothing() {
        let store = MemoryUserStore::new();
        store.create(user("taken")).unwrap();
        assert!(store.create_many(vec![user("x"), user("taken")]).is_err());
        assert!(store.create_many(vec![user("y"), user("y")]).is_err());
        assert_eq!(store.len(), 1);
        store.create_many(vec![user("x"), user("y")]).unwrap();
        assert_eq!(store.len(), 3);
        assert_eq!(store.get("y").unwrap().id, "y");
    }

    fn ids(users: Option<Vec<User>>) -> Vec<String> {
        users
            .unwrap()
            .into_iter()
            .map(|u| u.id.to_string())
            .collect()
    }

    #[test]
    fn lists_after_a_cursor() {
        let store = MemoryUserStore::new();
        for id in ["c", "a", "b", "d"] {
            store.create(user(id)).unwrap();
        }
        assert_eq!(ids(store.list(Some("c"), 2)), ["a", "b"]);
        assert_eq!(ids(store.list(Some("b"), 10)), ["d"]);
        assert!(ids(store.list(Some("d"), 10)).is_empty(), "after the last");
        assert!(ids(store.list(None, 0)).is_empty());
        assert!(store.list(Some("z"), 10).is_none(), "no user z");
        assert!(store.list(Some(""), 10).is_none());
    }

    #[test]
    fn create_stops_at_the_cap() {
        let store = MemoryUserStore::with_max_users(2);
        assert_eq!(store.max_users(), 2);
        store.create(user("a")).unwrap();
        store.create(user("b")).unwrap();
        let status = store.create(user("c")).unwrap_err();
        assert_eq!(status.code(), crate::status::Code::ResourceExhausted);
        assert_eq!(
            status.message(),
            "The user store is full: it holds 2 of at most 2 users, no room for 1 more user"
        );
        assert_eq!(store.len(), 2);
        assert!(store.get("c").is_none());
        assert_eq!(MemoryUserStore::new().max_users(), DEFAULT_MAX_USERS);
    }

    #[test]
    fn create_many_fits_whole_or_not_at_all() {
        let store = MemoryUserStore::with_max_users(3);
        store.create(user("a")).unwrap();
        let status = store
            .create_many(vec![user("x"), user("y"), user("z")])
            .unwrap_err();
        assert_eq!(status.code(), crate::status::Code::ResourceExhausted);
        assert_eq!(
            status.message(),
            "The user store is full: it holds 1 of at most 3 users, no room for 3 more users"
        );
        assert_eq!(store.len(), 1, "none of the batch");
        store.create_many(vec![user("x"), user("y")]).unwrap();
        assert_eq!(store.len(), 3, "exactly to the cap");
        store.create_many(Vec::new()).unwrap();
        let empty = MemoryUserStore::with_max_users(0);
        assert!(empty.create(user("a")).is_err());
        assert!(empty.create_many(vec![user("a")]).is_err());
    }
}

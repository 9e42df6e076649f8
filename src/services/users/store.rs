//! Where `users.UserService` keeps its users: the [`UserStore`] trait, and [`MemoryUserStore`].

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::messages::User;
use crate::protobuf::Text;
use crate::status::Status;

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
    /// ALREADY_EXISTS if a user has the same id.
    fn create(&self, user: User) -> Result<(), Status>;

    /// The first `limit` users, in creation order.
    fn list(&self, limit: usize) -> Vec<User>;

    /// Adds all these users, in order, or none of them.
    ///
    /// # Errors
    /// ALREADY_EXISTS if one id is taken, or appears twice in `users`; nothing is added then.
    fn create_many(&self, users: Vec<User>) -> Result<(), Status>;
}

/// A [`UserStore`] in memory, for the life of the process: a list in creation order and an
/// index by id, behind one [`RwLock`] (calls that only read run together).
#[derive(Debug, Default)]
pub struct MemoryUserStore {
    table: RwLock<Table>,
}

#[derive(Debug, Default)]
struct Table {
    /// Every user, in creation order.
    users: Vec<User>,
    /// `users` position of each id.
    by_id: HashMap<Text, usize>,
}

impl MemoryUserStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
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
        table.insert(user);
        Ok(())
    }

    fn list(&self, limit: usize) -> Vec<User> {
        self.read().users.iter().take(limit).cloned().collect()
    }

    fn create_many(&self, users: Vec<User>) -> Result<(), Status> {
        let mut table = self.write();
        // Every check before the first change: all or nothing.
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
        let ids: Vec<_> = store.list(10).into_iter().map(|u| u.id).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!(store.list(2).len(), 2);
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
}

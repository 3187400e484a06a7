//! A bulkhead per store: one store's transactions hold at most a share of the pool at once.
//!
//! Without it, one store's requests waiting on a lock (a stuck transaction, a long import) held
//! every pooled connection and every other store waited behind them. With it, that store's
//! requests past its share wait briefly for one of its own to finish and are then turned away
//! ([`Error::StoreBusy`]), while the rest of the pool serves the other stores.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::tenancy::TenantId;
use crate::Error;

/// The stores with transactions open, each with its share of the pool.
#[derive(Debug)]
pub struct Bulkhead {
    per_store: usize,
    wait: Duration,
    stores: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

/// One of a store's shares, held by its transaction; given back when that ends.
#[derive(Debug)]
pub struct StorePermit {
    bulkhead: Arc<Bulkhead>,
    tenant: TenantId,
    permit: Option<OwnedSemaphorePermit>,
}

impl Bulkhead {
    /// At most `per_store` transactions of a store at once; the next waits up to `wait`.
    pub fn new(per_store: usize, wait: Duration) -> Arc<Bulkhead> {
        Arc::new(Bulkhead { per_store: per_store.max(1), wait, stores: Mutex::new(HashMap::new()) })
    }

    /// A share for `tenant`'s next transaction, or `StoreBusy` when none frees up in time.
    pub async fn enter(self: &Arc<Self>, tenant: TenantId) -> Result<StorePermit, Error> {
        let shares = {
            let mut stores = self.stores.lock().expect("bulkhead");
            stores.entry(tenant).or_insert_with(|| Arc::new(Semaphore::new(self.per_store))).clone()
        };
        let acquired = tokio::time::timeout(self.wait, shares.acquire_owned()).await;
        // A store turned away may leave its entry unused: drop it now rather than keep it.
        let permit = match acquired {
            Ok(permit) => permit.expect("a store's shares are never closed"),
            Err(_) => {
                self.forget_if_idle(tenant);
                tracing::warn!(
                    tenant = tenant.get(),
                    per_store = self.per_store,
                    "a store's share of the pool is taken: turned away"
                );
                return Err(Error::StoreBusy);
            }
        };
        Ok(StorePermit { bulkhead: self.clone(), tenant, permit: Some(permit) })
    }

    /// How many stores have a transaction open or waiting (for tests and metrics).
    pub fn stores_in_use(&self) -> usize {
        self.stores.lock().expect("bulkhead").len()
    }

    /// Removes a store's entry once nobody holds or waits for one of its shares: the map holds
    /// the stores busy right now, not every store ever served.
    fn forget_if_idle(&self, tenant: TenantId) {
        let mut stores = self.stores.lock().expect("bulkhead");
        // Clones are made only under this lock: one reference (the map's) and every share
        // back means nobody holds or waits for one.
        if stores.get(&tenant).is_some_and(|shares| {
            Arc::strong_count(shares) == 1 && shares.available_permits() == self.per_store
        }) {
            stores.remove(&tenant);
        }
    }
}

impl Drop for StorePermit {
    fn drop(&mut self) {
        drop(self.permit.take());
        self.bulkhead.forget_if_idle(self.tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(id: i64) -> TenantId {
        TenantId::new(id)
    }

    #[tokio::test]
    async fn a_store_past_its_share_is_turned_away_while_others_go_on() {
        let bulkhead = Bulkhead::new(2, Duration::from_millis(50));
        let first = bulkhead.enter(store(1)).await.unwrap();
        let _second = bulkhead.enter(store(1)).await.unwrap();
        assert!(matches!(bulkhead.enter(store(1)).await, Err(Error::StoreBusy)));
        let other = bulkhead.enter(store(2)).await;
        assert!(other.is_ok(), "another store is served");
        drop(first);
        assert!(bulkhead.enter(store(1)).await.is_ok(), "a share given back is used again");
    }

    #[tokio::test]
    async fn a_waiting_transaction_gets_the_share_given_back() {
        let bulkhead = Bulkhead::new(1, Duration::from_secs(30));
        let held = bulkhead.enter(store(1)).await.unwrap();
        let waiting = tokio::spawn({
            let bulkhead = bulkhead.clone();
            async move { bulkhead.enter(store(1)).await.map(|_| ()) }
        });
        tokio::task::yield_now().await;
        drop(held);
        assert!(waiting.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn only_busy_stores_are_remembered() {
        let bulkhead = Bulkhead::new(1, Duration::from_millis(20));
        let held = bulkhead.enter(store(1)).await.unwrap();
        let _ = bulkhead.enter(store(1)).await;
        let other = bulkhead.enter(store(2)).await.unwrap();
        assert_eq!(bulkhead.stores_in_use(), 2);
        drop(other);
        assert_eq!(bulkhead.stores_in_use(), 1, "a store whose transactions ended is forgotten");
        drop(held);
        assert_eq!(bulkhead.stores_in_use(), 0);
    }
}

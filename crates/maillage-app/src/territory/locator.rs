//! Where places are, for the scope checks of coordinators: the territory and the hub's
//! bassins, read from the store.

use std::sync::Arc;

use maillage_domain::PlaceRecord;
use maillage_store::Store;
use maillage_territory::Territory;

use super::{locate, BassinIndex, PlaceLocation};
use crate::AppResult;

/// Where places are, for scope checks: the territory and the hub's bassins.
pub struct Locator {
    pub territory: Arc<Territory>,
    pub bassins: BassinIndex,
}

impl Locator {
    /// Reads the bassins from the store (call again after they change).
    pub fn load(store: &dyn Store, territory: Arc<Territory>) -> AppResult<Self> {
        let bassins = BassinIndex::new(&store.bassins()?, &territory);
        Ok(Locator { territory, bassins })
    }

    pub fn locate(&self, record: &PlaceRecord) -> Option<PlaceLocation> {
        locate(&self.territory, &self.bassins, record)
    }
}

//! TEMPORARY until the fleet branch is merged.
use super::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct ProcessRow {
    pub owner: String,
}

impl Store {
    pub async fn try_fleet_lock(
        &self,
        _name: &str,
        _owner: &str,
        _now_ms: i64,
        _until_ms: i64,
    ) -> Result<bool, StoreError> {
        Ok(true)
    }
    pub async fn release_fleet_lock(&self, _name: &str, _owner: &str) -> Result<(), StoreError> {
        Ok(())
    }
    pub async fn live_processes(
        &self,
        _now_ms: i64,
        _quiet_after_ms: i64,
    ) -> Result<Vec<ProcessRow>, StoreError> {
        Ok(vec![])
    }
}

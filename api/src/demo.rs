//! `api --demo`: a demo city in an empty database.

use crate::state::AppState;

pub async fn seed(_state: &AppState) -> anyhow::Result<String> {
    anyhow::bail!("not written yet")
}

//! The dialogue state of a chat, saved in the database after every update so a restart of the
//! bot continues the dialogue where it was.

use crate::employee::EmployeeState;
use crate::owner::OwnerState;
use app::{AppError, BotStateStore};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "area", content = "state")]
pub enum State {
    #[default]
    Idle,
    Employee(EmployeeState),
    Owner(OwnerState),
}

impl State {
    /// The saved state of a chat; a state saved by an older version that no longer parses
    /// starts over (the person sees the menu) instead of failing.
    pub async fn load(store: &dyn BotStateStore, chat: i64) -> Result<State, AppError> {
        Ok(match store.load_dialogue(chat).await? {
            None => State::Idle,
            Some(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::info!(chat, error = %e, "dropping an unreadable dialogue state");
                State::Idle
            }),
        })
    }

    pub async fn save(&self, store: &dyn BotStateStore, chat: i64) -> Result<(), AppError> {
        match self {
            State::Idle => store.delete_dialogue(chat).await?,
            other => {
                let text = serde_json::to_string(other).map_err(|e| {
                    AppError::Store(app::StoreError::Other(format!("dialogue state: {e}")))
                })?;
                store.save_dialogue(chat, &text).await?;
            }
        }
        Ok(())
    }
}

//! The dialogue state of a chat, saved in the database after every update so a restart of the
//! bot continues the dialogue where it was, with the message whose buttons ask its current
//! question (so they can be taken away once the question is answered or dropped).

use crate::employee::EmployeeState;
use crate::owner::OwnerState;
use app::{AppError, BotStateStore};
use serde::{Deserialize, Serialize};
use teloxide::types::MessageId;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "area", content = "state")]
pub enum State {
    #[default]
    Idle,
    Employee(EmployeeState),
    Owner(OwnerState),
}

/// The kinds of dialogue: what a Cancel button belongs to, and what "… was cancelled" names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialogue {
    OpenShift,
    CloseShift,
    Plan,
    Earnings,
    NewSite,
    EditSite,
    Report,
    /// An employee reporting the time they left a shift they forgot to close.
    ForgotClose,
    /// An owner or manager closing someone's running shift.
    CloseFor,
    /// An owner or manager setting the end of a shift waiting for review.
    Review,
    /// An owner or manager writing to their employees.
    Broadcast,
}

impl Dialogue {
    pub const ALL: [Dialogue; 11] = [
        Dialogue::OpenShift,
        Dialogue::CloseShift,
        Dialogue::Plan,
        Dialogue::Earnings,
        Dialogue::NewSite,
        Dialogue::EditSite,
        Dialogue::Report,
        Dialogue::ForgotClose,
        Dialogue::CloseFor,
        Dialogue::Review,
        Dialogue::Broadcast,
    ];

    /// One letter in callback data.
    pub fn code(self) -> char {
        match self {
            Dialogue::OpenShift => 'o',
            Dialogue::CloseShift => 'c',
            Dialogue::Plan => 'p',
            Dialogue::Earnings => 'e',
            Dialogue::NewSite => 'n',
            Dialogue::EditSite => 's',
            Dialogue::Report => 'r',
            Dialogue::ForgotClose => 'f',
            Dialogue::CloseFor => 'k',
            Dialogue::Review => 'v',
            Dialogue::Broadcast => 'b',
        }
    }

    pub fn from_code(s: &str) -> Option<Dialogue> {
        Dialogue::ALL
            .into_iter()
            .find(|d| s.len() == 1 && s.starts_with(d.code()))
    }

    /// The text saying this dialogue was cancelled ("Creating the site was cancelled.").
    pub fn cancelled_text_id(self) -> &'static str {
        match self {
            Dialogue::OpenShift => "cancelled-open-shift",
            Dialogue::CloseShift => "cancelled-close-shift",
            Dialogue::Plan => "cancelled-plan",
            Dialogue::Earnings => "cancelled-earnings",
            Dialogue::NewSite => "cancelled-new-site",
            Dialogue::EditSite => "cancelled-edit-site",
            Dialogue::Report => "cancelled-report",
            Dialogue::ForgotClose => "cancelled-forgot",
            Dialogue::CloseFor => "cancelled-close-for",
            Dialogue::Review => "cancelled-review",
            Dialogue::Broadcast => "cancelled-broadcast",
        }
    }
}

impl State {
    /// The dialogue the chat is in; None when idle.
    pub fn dialogue(&self) -> Option<Dialogue> {
        match self {
            State::Idle => None,
            State::Employee(s) => Some(s.dialogue()),
            State::Owner(s) => Some(s.dialogue()),
        }
    }
}

/// What is saved per chat: the dialogue state and the message asking its current question.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Saved {
    #[serde(flatten)]
    pub state: State,
    /// The bot's message whose inline buttons ask the current question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<i32>,
}

impl Saved {
    pub fn question(&self) -> Option<MessageId> {
        self.question.map(MessageId)
    }

    /// The saved state of a chat; a state saved by an older version that no longer parses
    /// starts over (the person sees the menu) instead of failing.
    pub async fn load(store: &dyn BotStateStore, chat: i64) -> Result<Saved, AppError> {
        Ok(match store.load_dialogue(chat).await? {
            None => Saved::default(),
            Some(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::info!(chat, error = %e, "dropping an unreadable dialogue state");
                Saved::default()
            }),
        })
    }

    pub async fn save(&self, store: &dyn BotStateStore, chat: i64) -> Result<(), AppError> {
        match self.state {
            State::Idle => store.delete_dialogue(chat).await?,
            _ => {
                let text = serde_json::to_string(self).map_err(|e| {
                    AppError::Store(app::StoreError::Other(format!("dialogue state: {e}")))
                })?;
                store.save_dialogue(chat, &text).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owner::{Draft, Field};
    use domain::SiteId;

    #[test]
    fn dialogue_codes_round_trip() {
        for d in Dialogue::ALL {
            assert_eq!(Dialogue::from_code(&d.code().to_string()), Some(d));
        }
        assert_eq!(Dialogue::from_code("pp"), None);
        assert_eq!(Dialogue::from_code(""), None);
        let texts = crate::texts::Texts::load().unwrap();
        let mut said = std::collections::BTreeSet::new();
        for d in Dialogue::ALL {
            for lang in [domain::Language::Ru, domain::Language::En] {
                assert!(texts.has(lang, d.cancelled_text_id()), "{d:?} {lang:?}");
                said.insert(texts.get(lang, d.cancelled_text_id()));
            }
        }
        assert_eq!(
            said.len(),
            2 * Dialogue::ALL.len(),
            "each says which dialogue"
        );
    }

    /// The question travels with the state; states saved before it existed still load.
    #[test]
    fn saved_states_round_trip_and_older_ones_load() {
        for saved in [
            Saved {
                state: State::Owner(OwnerState::NewSite(Draft::default())),
                question: Some(42),
            },
            Saved {
                state: State::Owner(OwnerState::Edit {
                    site: SiteId(3),
                    field: Field::Name,
                }),
                question: None,
            },
            Saved {
                state: State::Employee(EmployeeState::EarningsPeriod),
                question: Some(i32::MAX),
            },
        ] {
            let json = serde_json::to_string(&saved).unwrap();
            assert_eq!(
                serde_json::from_str::<Saved>(&json).unwrap(),
                saved,
                "{json}"
            );
        }
        let older = r#"{"area":"Employee","state":{"OpenAwaitLocation":{"site":5}}}"#;
        assert_eq!(
            serde_json::from_str::<Saved>(older).unwrap(),
            Saved {
                state: State::Employee(EmployeeState::OpenAwaitLocation { site: SiteId(5) }),
                question: None,
            }
        );
    }
}

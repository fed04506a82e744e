//! Joining a site by its code: the employee asks, the owner (or a manager) decides.

use crate::{AppError, DomainEvent, StaffPro, StoreError};
use domain::join::{JoinCode, JoinRequest, JoinRequestId, JoinStatus};
use domain::{Site, User};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum JoinError {
    #[error("no site has this join code")]
    UnknownCode,
    #[error("the site is not active")]
    SiteInactive,
    #[error("you already work at this site")]
    AlreadyMember { site: Box<Site> },
    #[error("your request is already waiting for the owner")]
    AlreadyRequested { site: Box<Site> },
    #[error("the request was already decided")]
    AlreadyDecided,
    #[error("join request not found")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for JoinError {
    fn from(e: StoreError) -> Self {
        JoinError::Store(e)
    }
}

impl From<AppError> for JoinError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => JoinError::NotFound,
            AppError::Store(s) => JoinError::Store(s),
            other => JoinError::Store(StoreError::Other(other.to_string())),
        }
    }
}

/// A new join request with what the owner needs to decide it.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinAsked {
    pub request: JoinRequest,
    pub site: Site,
    pub owner: User,
}

/// A decided request with the people and site involved.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinDecided {
    pub request: JoinRequest,
    pub site: Site,
    pub employee: User,
}

impl StaffPro {
    /// A person asks to work at the site whose join code they followed.
    pub async fn request_join(&self, user: &User, code: &str) -> Result<JoinAsked, JoinError> {
        let code = JoinCode::parse(code).ok_or(JoinError::UnknownCode)?;
        let site = self
            .store()
            .site_by_join_code(code.as_str())
            .await?
            .ok_or(JoinError::UnknownCode)?;
        if !site.active {
            return Err(JoinError::SiteInactive);
        }
        let manages = site.owner_id == user.id || self.store().is_manager(site.id, user.id).await?;
        if manages || self.store().has_access(site.id, user.id).await? {
            return Err(JoinError::AlreadyMember {
                site: Box::new(site),
            });
        }
        let request = match self
            .store()
            .insert_join_request(site.id, user.id, self.now())
            .await
        {
            Ok(r) => r,
            Err(StoreError::Duplicate(_)) => {
                return Err(JoinError::AlreadyRequested {
                    site: Box::new(site),
                });
            }
            Err(e) => return Err(e.into()),
        };
        self.publish(DomainEvent::JoinRequested {
            request_id: request.id,
            site_id: site.id,
            user_id: user.id,
        })
        .await;
        let owner = self
            .store()
            .user(site.owner_id)
            .await?
            .ok_or(JoinError::Store(StoreError::NotFound("owner")))?;
        Ok(JoinAsked {
            request,
            site,
            owner,
        })
    }

    /// The owner or a manager of the site approves (granting access) or declines.
    pub async fn decide_join(
        &self,
        actor: &User,
        id: JoinRequestId,
        approve: bool,
    ) -> Result<JoinDecided, JoinError> {
        let request = self
            .store()
            .join_request(id)
            .await?
            .ok_or(JoinError::NotFound)?;
        let site = self.managed_site(actor, request.site_id).await?;
        if request.status != JoinStatus::Pending {
            return Err(JoinError::AlreadyDecided);
        }
        if approve && !site.active {
            return Err(JoinError::SiteInactive);
        }
        let request = match self
            .store()
            .decide_join_request(id, approve, self.now())
            .await
        {
            Ok(r) => r,
            Err(StoreError::NotFound(_)) => return Err(JoinError::AlreadyDecided),
            Err(e) => return Err(e.into()),
        };
        if approve {
            self.publish(DomainEvent::AccessChanged {
                site_id: site.id,
                employee_id: request.user_id,
            })
            .await;
        }
        self.publish(DomainEvent::JoinDecided {
            request_id: request.id,
            site_id: site.id,
            user_id: request.user_id,
            approved: approve,
        })
        .await;
        let employee = self
            .store()
            .user(request.user_id)
            .await?
            .ok_or(JoinError::Store(StoreError::NotFound("user")))?;
        Ok(JoinDecided {
            request,
            site,
            employee,
        })
    }
}

//! Sites and who works there: creating and editing sites, managers, employees.

use super::*;

impl StaffPro {
    /// A site the actor owns or manages; anything else is "not found".
    pub async fn managed_site(&self, actor: &User, id: SiteId) -> Result<Site, AppError> {
        let site = self
            .store
            .site(id)
            .await?
            .ok_or(AppError::NotFound("site"))?;
        if site.owner_id == actor.id || self.store.is_manager(id, actor.id).await? {
            Ok(site)
        } else {
            Err(AppError::NotFound("site"))
        }
    }

    async fn owned_site(&self, actor: &User, id: SiteId) -> Result<Site, AppError> {
        let site = self.managed_site(actor, id).await?;
        if site.owner_id != actor.id {
            return Err(AppError::NotOwner("manage managers of a site"));
        }
        Ok(site)
    }

    pub async fn create_site(&self, actor: &User, patch: SitePatch) -> Result<Site, AppError> {
        if !actor.is_owner {
            return Err(AppError::NotOwner("create sites"));
        }
        let settings = patch.create()?;
        let site = self.insert_site_with_fresh_code(actor, &settings).await?;
        self.events
            .publish(DomainEvent::SiteChanged {
                site_id: site.id,
                owner_id: site.owner_id,
            })
            .await;
        Ok(site)
    }

    /// Inserts a site with a random join code, drawing again on the (unlikely) collision.
    async fn insert_site_with_fresh_code(
        &self,
        actor: &User,
        settings: &domain::SiteSettings,
    ) -> Result<Site, AppError> {
        for _ in 0..5 {
            let mut bytes = [0u8; 10];
            getrandom::fill(&mut bytes).map_err(|e| {
                AppError::Store(StoreError::Other(format!(
                    "no randomness for a join code: {e}"
                )))
            })?;
            let code = domain::join::JoinCode::from_random(bytes);
            match self
                .store
                .insert_site(actor.id, settings, code.as_str())
                .await
            {
                Err(StoreError::Duplicate("join code")) => continue,
                other => return Ok(other?),
            }
        }
        Err(AppError::Conflict(
            "could not draw a unique join code".into(),
        ))
    }

    pub(crate) async fn publish(&self, event: DomainEvent) {
        self.events.publish(event).await;
    }

    pub async fn sites_for(&self, actor: &User) -> Result<Vec<Site>, AppError> {
        Ok(self.store.sites_managed_by(actor.id).await?)
    }

    /// Edits a site; `active` and `notify_owner` change only when given.
    pub async fn update_site(
        &self,
        actor: &User,
        id: SiteId,
        patch: SitePatch,
        active: Option<bool>,
        notify_owner: Option<bool>,
    ) -> Result<Site, AppError> {
        let site = self.managed_site(actor, id).await?;
        let settings = patch.apply(&site.settings)?;
        let updated = self
            .store
            .update_site(
                id,
                &settings,
                active.unwrap_or(site.active),
                notify_owner.unwrap_or(site.notify_owner),
            )
            .await?;
        self.events
            .publish(DomainEvent::SiteChanged {
                site_id: id,
                owner_id: updated.owner_id,
            })
            .await;
        Ok(updated)
    }

    pub async fn grant_manager(
        &self,
        actor: &User,
        site_id: SiteId,
        telegram_id: i64,
    ) -> Result<User, AppError> {
        TelegramId::new(telegram_id)?;
        self.owned_site(actor, site_id).await?;
        let user = self
            .store
            .user_by_telegram_id(telegram_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if self.store.grant_manager(site_id, user.id).await? {
            self.events
                .publish(DomainEvent::ManagerChanged {
                    site_id,
                    user_id: user.id,
                })
                .await;
        }
        Ok(user)
    }

    pub async fn revoke_manager(
        &self,
        actor: &User,
        site_id: SiteId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        self.owned_site(actor, site_id).await?;
        if !self.store.revoke_manager(site_id, user_id).await? {
            return Err(AppError::NotFound("manager"));
        }
        self.events
            .publish(DomainEvent::ManagerChanged { site_id, user_id })
            .await;
        Ok(())
    }

    // ---- employees ---------------------------------------------------------------------------

    /// Gives a person access to a site. A person the bot has not met yet is registered by
    /// Telegram id, and then a name is required.
    pub async fn add_employee(
        &self,
        actor: &User,
        site_id: SiteId,
        telegram_id: i64,
        name: Option<&str>,
    ) -> Result<Employee, AppError> {
        // Every value sent is checked, even a name that is not needed.
        TelegramId::new(telegram_id)?;
        let name = name.map(PersonName::new).transpose()?;
        self.managed_site(actor, site_id).await?;
        let user = match self.store.user_by_telegram_id(telegram_id).await? {
            Some(u) => u,
            None => {
                let name = name.ok_or(domain::ValueError::Missing { field: "name" })?;
                let user = self
                    .store
                    .upsert_user(&NewUser {
                        telegram_id,
                        name,
                        language: Language::Ru,
                    })
                    .await?;
                self.events
                    .publish(DomainEvent::UserChanged { user_id: user.id })
                    .await;
                user
            }
        };
        if self.store.grant_access(site_id, user.id).await? {
            self.events
                .publish(DomainEvent::AccessChanged {
                    site_id,
                    employee_id: user.id,
                })
                .await;
        }
        let site_ids = self.scope(actor).await?;
        let employee = self
            .store
            .employees_of(&site_ids)
            .await?
            .into_iter()
            .find(|e| e.user.id == user.id)
            .unwrap_or(Employee {
                user,
                site_ids: vec![site_id],
            });
        Ok(employee)
    }

    pub async fn revoke_employee(
        &self,
        actor: &User,
        site_id: SiteId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        self.managed_site(actor, site_id).await?;
        if !self.store.revoke_access(site_id, user_id).await? {
            return Err(AppError::NotFound("employee"));
        }
        self.events
            .publish(DomainEvent::AccessChanged {
                site_id,
                employee_id: user_id,
            })
            .await;
        Ok(())
    }

    pub async fn employees_for(
        &self,
        actor: &User,
        site_id: Option<SiteId>,
    ) -> Result<Vec<Employee>, AppError> {
        let scope = match site_id {
            Some(id) => vec![self.managed_site(actor, id).await?.id],
            None => self.scope(actor).await?,
        };
        Ok(self.store.employees_of(&scope).await?)
    }

    /// Ids of the sites the actor owns or manages.
    async fn scope(&self, actor: &User) -> Result<Vec<SiteId>, AppError> {
        Ok(self
            .sites_for(actor)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect())
    }

    // ---- shifts ------------------------------------------------------------------------------
}

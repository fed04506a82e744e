//! Conformance cases of the `Store` port: people, API tokens, sites, managers and access
//! grants, and a person's language and reachability.

use super::*;

// ---- people and tokens -------------------------------------------------------------------------

pub async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
}

pub async fn users_round_trip(store: Arc<dyn Store>) {
    let before = Utc::now() - Duration::minutes(5);
    let anna = store
        .upsert_user(&NewUser {
            telegram_id: 7_000_000_001,
            name: PersonName::new("Анна Сергеевна Ёлкина").unwrap(),
            language: Language::Ru,
        })
        .await
        .unwrap();
    assert_eq!(anna.telegram_id, 7_000_000_001);
    assert_eq!(anna.name.as_str(), "Анна Сергеевна Ёлкина");
    assert_eq!(anna.language, Language::Ru);
    assert!(!anna.is_owner);
    assert!(anna.reachable, "a new person can be written to");
    assert!(anna.created_at > before && anna.created_at < Utc::now() + Duration::minutes(5));
    assert_eq!(store.user(anna.id).await.unwrap(), Some(anna.clone()));
    assert_eq!(
        store.user_by_telegram_id(7_000_000_001).await.unwrap(),
        Some(anna.clone())
    );

    // The same Telegram id refreshes name and language and keeps id, creation time and role.
    store.set_owner(anna.id, true).await.unwrap();
    let refreshed = store
        .upsert_user(&NewUser {
            telegram_id: 7_000_000_001,
            name: PersonName::new("Anna Yolkina").unwrap(),
            language: Language::En,
        })
        .await
        .unwrap();
    assert_eq!(refreshed.id, anna.id);
    assert_eq!(refreshed.name.as_str(), "Anna Yolkina");
    assert_eq!(refreshed.language, Language::En);
    assert_eq!(refreshed.created_at, anna.created_at);
    assert!(refreshed.is_owner, "a refresh must not drop the owner flag");
    assert_eq!(store.user(anna.id).await.unwrap(), Some(refreshed.clone()));
    store.set_owner(anna.id, false).await.unwrap();
    assert!(!store.user(anna.id).await.unwrap().unwrap().is_owner);

    let boris = person(&store, 7_000_000_002, "Борис").await;
    assert_ne!(boris.id, anna.id);
    let missing = UserId(boris.id.0.max(anna.id.0) + 1000);
    assert_eq!(store.user(missing).await.unwrap(), None);
    assert_eq!(store.user_by_telegram_id(42).await.unwrap(), None);
    let mut found = store
        .users(&[boris.id, missing, anna.id, boris.id])
        .await
        .unwrap();
    found.sort_by_key(|u| u.id);
    let found_ids: Vec<UserId> = found.iter().map(|u| u.id).collect();
    let mut expected = vec![anna.id, boris.id];
    expected.sort();
    assert_eq!(found_ids, expected);
    assert!(store.users(&[]).await.unwrap().is_empty());
    assert!(matches!(
        store.set_owner(missing, true).await,
        Err(StoreError::NotFound("user"))
    ));
}

pub async fn api_tokens_round_trip(store: Arc<dyn Store>) {
    let u = person(&store, 3001, "Токен Токенович").await;
    let other = person(&store, 3002, "Другой").await;
    let (h1, h2, h3) = (
        app::tokens::hash("spb_one"),
        app::tokens::hash("spb_two"),
        app::tokens::hash("spb_three"),
    );
    let id1 = store.insert_api_token(u.id, &h1, "ci").await.unwrap();
    let id2 = store.insert_api_token(u.id, &h2, "ноутбук").await.unwrap();
    let id3 = store.insert_api_token(other.id, &h3, "").await.unwrap();
    assert!(id1 != id2 && id2 != id3 && id1 != id3);
    assert_eq!(
        store.user_by_token_hash(&h1).await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store.user_by_token_hash(&h2).await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store
            .user_by_token_hash(&app::tokens::hash("nope"))
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store.insert_api_token(other.id, &h1, "copy").await,
        Err(StoreError::Duplicate("api token"))
    ));

    let mut revoked = store.revoke_api_tokens(u.id).await.unwrap();
    revoked.sort();
    let mut issued = vec![h1.clone(), h2.clone()];
    issued.sort();
    assert_eq!(revoked, issued);
    assert_eq!(store.user_by_token_hash(&h1).await.unwrap(), None);
    assert_eq!(store.user_by_token_hash(&h2).await.unwrap(), None);
    // Someone else's token is untouched.
    assert_eq!(
        store.user_by_token_hash(&h3).await.unwrap(),
        Some(other.clone())
    );
    assert!(store.revoke_api_tokens(u.id).await.unwrap().is_empty());
    // A token issued after revoking works.
    let h4 = app::tokens::hash("spb_four");
    store.insert_api_token(u.id, &h4, "new").await.unwrap();
    assert_eq!(store.user_by_token_hash(&h4).await.unwrap(), Some(u));
    assert_eq!(
        store
            .insert_api_token(UserId(other.id.0 + 1000), &app::tokens::hash("x"), "")
            .await,
        Err(StoreError::NotFound("user")),
        "a token needs an existing user"
    );
}

// ---- sites ---------------------------------------------------------------------------------

pub async fn site_round_trip(store: Arc<dyn Store>) {
    let owner = person(&store, 1001, "Ольга").await;
    let overnight = SitePatch {
        name: Some("Ночной клуб «Луна» №7".into()),
        address: Some("г. Владивосток, ул. Светланская, д. 9, кв. 3".into()),
        latitude: Some(43.1155),
        longitude: Some(131.8855),
        geofence_radius_m: Some(250),
        opens_at: Some("20:00".into()),
        closes_at: Some("06:00".into()),
        time_zone: Some(VVO.into()),
        hourly_rate_minor: Some(123_456),
        currency: Some("KZT".into()),
    }
    .create()
    .unwrap();
    let site = store
        .insert_site(owner.id, &overnight, &code(1))
        .await
        .unwrap();
    assert_eq!(site.owner_id, owner.id);
    assert_eq!(site.settings, overnight);
    assert!(site.settings.hours.is_overnight());
    assert_eq!(site.settings.time_zone.name(), VVO);
    assert_eq!(
        site.settings.hourly_rate,
        Money::new(123_456, Currency::parse("KZT").unwrap())
    );
    assert!(site.active);
    assert!(site.notify_owner);
    assert_eq!(store.site(site.id).await.unwrap(), Some(site.clone()));

    let always = SitePatch {
        address: None,
        opens_at: Some("00:00".into()),
        closes_at: Some("24:00".into()),
        time_zone: None,
        currency: None,
        latitude: Some(-33.8688),
        longitude: Some(-151.2093),
        ..SitePatch::default()
    };
    let always = SitePatch {
        name: Some("Круглосуточно".into()),
        hourly_rate_minor: Some(0),
        ..always
    }
    .create()
    .unwrap();
    let s2 = store
        .insert_site(owner.id, &always, &code(2))
        .await
        .unwrap();
    assert_ne!(s2.id, site.id);
    let back = store.site(s2.id).await.unwrap().unwrap();
    assert_eq!(back.settings, always);
    assert_eq!(back.settings.hours, domain::OpeningHours::AroundTheClock);
    assert_eq!(back.settings.address.as_str(), "");
    assert_eq!(back.settings.time_zone.name(), MSK);
    assert_eq!(back, s2);

    let missing = SiteId(site.id.0.max(s2.id.0) + 1000);
    assert_eq!(store.site(missing).await.unwrap(), None);
}

pub async fn update_site_replaces_settings_and_flags(store: Arc<dyn Store>) {
    let owner = person(&store, 1001, "Ольга").await;
    let site = store
        .insert_site(
            owner.id,
            &settings("Склад", MSK, "09:00", "21:00"),
            &code(1),
        )
        .await
        .unwrap();
    let changed = SitePatch {
        name: Some("Склад (новый)".into()),
        address: Some("".into()),
        latitude: Some(56.8389),
        longitude: Some(60.6057),
        geofence_radius_m: Some(10),
        opens_at: Some("22:00".into()),
        closes_at: Some("07:30".into()),
        time_zone: Some("Asia/Yekaterinburg".into()),
        hourly_rate_minor: Some(40_000),
        currency: Some("USD".into()),
    }
    .apply(&site.settings)
    .unwrap();
    let updated = store
        .update_site(site.id, &changed, false, false)
        .await
        .unwrap();
    assert_eq!(updated.id, site.id);
    assert_eq!(updated.owner_id, owner.id);
    assert_eq!(updated.created_at, site.created_at);
    assert_eq!(updated.settings, changed);
    assert!(!updated.active);
    assert!(!updated.notify_owner);
    assert_eq!(store.site(site.id).await.unwrap(), Some(updated.clone()));

    let back = store
        .update_site(site.id, &site.settings, true, true)
        .await
        .unwrap();
    assert_eq!(back, site);

    assert!(matches!(
        store
            .update_site(SiteId(site.id.0 + 1000), &changed, true, true)
            .await,
        Err(StoreError::NotFound("site"))
    ));
}

pub async fn managed_sites_and_manager_grants(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let ids = |sites: Vec<Site>| sites.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.sites_managed_by(b.owner.id).await.unwrap()),
        vec![b.s1.id, b.s2.id]
    );
    assert_eq!(
        ids(store.sites_managed_by(b.other_owner.id).await.unwrap()),
        vec![b.s3.id]
    );
    assert!(store.sites_managed_by(b.e1.id).await.unwrap().is_empty());

    assert!(!store.is_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(store.grant_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(
        !store.grant_manager(b.s3.id, b.e1.id).await.unwrap(),
        "the grant existed"
    );
    assert!(store.is_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(!store.is_manager(b.s1.id, b.e1.id).await.unwrap());
    assert_eq!(
        ids(store.sites_managed_by(b.e1.id).await.unwrap()),
        vec![b.s3.id]
    );
    // The full site comes back, not only its id.
    assert_eq!(
        store.sites_managed_by(b.e1.id).await.unwrap(),
        vec![b.s3.clone()]
    );

    // Owned and managed sites together, by id, each once.
    assert!(
        store
            .grant_manager(b.s1.id, b.other_owner.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .grant_manager(b.s3.id, b.other_owner.id)
            .await
            .unwrap()
    );
    assert_eq!(
        ids(store.sites_managed_by(b.other_owner.id).await.unwrap()),
        vec![b.s1.id, b.s3.id]
    );

    assert!(store.revoke_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(
        !store.revoke_manager(b.s3.id, b.e1.id).await.unwrap(),
        "no grant left"
    );
    assert!(!store.is_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(store.sites_managed_by(b.e1.id).await.unwrap().is_empty());
}

pub async fn access_grants_and_sites_of_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    assert!(!store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(store.sites_of_employee(b.e1.id).await.unwrap().is_empty());
    assert!(store.grant_access(b.s3.id, b.e1.id).await.unwrap());
    assert!(store.grant_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(
        !store.grant_access(b.s1.id, b.e1.id).await.unwrap(),
        "the grant existed"
    );
    assert!(store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(!store.has_access(b.s2.id, b.e1.id).await.unwrap());
    assert!(!store.has_access(b.s1.id, b.e2.id).await.unwrap());
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s1.clone(), b.s3.clone()]
    );
    assert!(store.revoke_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(
        !store.revoke_access(b.s1.id, b.e1.id).await.unwrap(),
        "no grant left"
    );
    assert!(!store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s3.clone()]
    );
}

pub async fn employees_of_scope_and_order(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let yakov = person(&store, 4001, "Яков").await;
    let anna = person(&store, 4002, "Анна").await;
    let vera1 = person(&store, 4003, "Вера").await;
    let vera2 = person(&store, 4004, "Вера").await;
    let zoe = person(&store, 4005, "Zoe").await;
    let lower = person(&store, 4006, "анна").await;
    let boris = person(&store, 4007, "Борис").await;
    for s in [b.s1.id, b.s2.id, b.s3.id] {
        store.grant_access(s, yakov.id).await.unwrap();
    }
    store.grant_access(b.s2.id, anna.id).await.unwrap();
    store.grant_access(b.s1.id, vera2.id).await.unwrap();
    store.grant_access(b.s1.id, vera1.id).await.unwrap();
    store.grant_access(b.s2.id, zoe.id).await.unwrap();
    store.grant_access(b.s1.id, lower.id).await.unwrap();
    store.grant_access(b.s3.id, boris.id).await.unwrap();

    let got = store.employees_of(&[b.s2.id, b.s1.id]).await.unwrap();
    let summary: Vec<(UserId, Vec<SiteId>)> = got
        .iter()
        .map(|e: &Employee| {
            let mut sites = e.site_ids.clone();
            sites.sort();
            (e.user.id, sites)
        })
        .collect();
    // By name in code-point order (the order Rust's `str` comparison gives), then by id.
    let (v_first, v_second) = if vera1.id < vera2.id {
        (vera1.id, vera2.id)
    } else {
        (vera2.id, vera1.id)
    };
    assert_eq!(
        summary,
        vec![
            (zoe.id, vec![b.s2.id]),
            (anna.id, vec![b.s2.id]),
            (v_first, vec![b.s1.id]),
            (v_second, vec![b.s1.id]),
            (yakov.id, vec![b.s1.id, b.s2.id]),
            (lower.id, vec![b.s1.id]),
        ]
    );
    assert_eq!(got[1].user, anna);
    assert!(store.employees_of(&[]).await.unwrap().is_empty());
    let only_s3 = store.employees_of(&[b.s3.id]).await.unwrap();
    let names: Vec<&str> = only_s3.iter().map(|e| e.user.name.as_str()).collect();
    assert_eq!(names, vec!["Борис", "Яков"]);
    assert!(only_s3.iter().all(|e| e.site_ids == vec![b.s3.id]));
}

// ---- people: language and reachability ---------------------------------------------------------

pub async fn user_language_and_reachable_flag(store: Arc<dyn Store>) {
    let anna = person(&store, 5001, "Анна").await;
    let boris = person(&store, 5002, "Борис").await;
    assert!(
        anna.reachable && boris.reachable,
        "new people can be written to"
    );

    store.set_user_reachable(anna.id, false).await.unwrap();
    let blocked = User {
        reachable: false,
        ..anna.clone()
    };
    assert_eq!(store.user(anna.id).await.unwrap(), Some(blocked.clone()));
    assert_eq!(
        store.user_by_telegram_id(5001).await.unwrap(),
        Some(blocked.clone())
    );
    let mut both: Vec<(UserId, bool)> = store
        .users(&[anna.id, boris.id])
        .await
        .unwrap()
        .iter()
        .map(|u| (u.id, u.reachable))
        .collect();
    both.sort();
    let mut expected = vec![(anna.id, false), (boris.id, true)];
    expected.sort();
    assert_eq!(both, expected, "only Anna blocked the bot");
    // Saying it twice is no error.
    store.set_user_reachable(anna.id, false).await.unwrap();
    // A refresh of name and language leaves the flag as it is, like the owner flag.
    let refreshed = store
        .upsert_user(&NewUser {
            telegram_id: 5001,
            name: PersonName::new("Анна К.").unwrap(),
            language: Language::En,
        })
        .await
        .unwrap();
    assert!(!refreshed.reachable);
    store.set_user_reachable(anna.id, true).await.unwrap();
    assert_eq!(
        store.user(anna.id).await.unwrap(),
        Some(User {
            reachable: true,
            ..refreshed.clone()
        })
    );

    store
        .set_user_language(boris.id, Language::En)
        .await
        .unwrap();
    assert_eq!(
        store.user(boris.id).await.unwrap(),
        Some(User {
            language: Language::En,
            ..boris.clone()
        })
    );
    store
        .set_user_language(boris.id, Language::Ru)
        .await
        .unwrap();
    assert_eq!(store.user(boris.id).await.unwrap(), Some(boris.clone()));
    assert_eq!(
        store.user(anna.id).await.unwrap().unwrap().language,
        Language::En,
        "someone else's language is untouched"
    );

    let missing = UserId(anna.id.0.max(boris.id.0) + 1000);
    assert!(matches!(
        store.set_user_language(missing, Language::En).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.set_user_reachable(missing, false).await,
        Err(StoreError::NotFound("user"))
    ));
}

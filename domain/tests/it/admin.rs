//! The admin panel's platform work against a real database: staff, the stores list, a store's
//! metadata, staff actions, revoked sessions and support sessions.

use chrono::Utc;
use domain::accounts::{Email, NewPassword};
use domain::admin::{self, PageStart, StoreFilter, StoreSort, StoreState, PAGE_SIZE};
use domain::billing::Access;
use domain::platform_audit::Reason;
use domain::staff::{self, StaffRole};
use domain::testing::{TestDb, TEST_PASSWORD};
use domain::{products, support, Error, Role, TenantScope};

fn reason(text: &str) -> Reason {
    Reason::parse(text).unwrap()
}

/// A word no other test's stores carry (tests may share a database).
fn token() -> String {
    format!("z{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

fn search(text: &str) -> StoreFilter {
    StoreFilter { search: Some(text.to_owned()), ..StoreFilter::default() }
}

#[tokio::test]
async fn staff_are_made_apart_from_store_members() {
    let t = TestDb::new().await;
    let store = t.store("Corner Shop").await;
    let member_email = Email::parse(&store.owner_email).unwrap();
    let refused = staff::create(&t.owner, &member_email, StaffRole::Admin, None).await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    assert!(staff::staff_role(&t.db, store.owner).await.unwrap().is_none());

    let email = Email::parse(&domain::testing::unique_email("ops")).unwrap();
    let no_password = staff::create(&t.owner, &email, StaffRole::Support, None).await;
    assert!(matches!(no_password, Err(Error::Invalid(_))), "{no_password:?}");
    let password = NewPassword::parse(TEST_PASSWORD, &email).unwrap();
    let created = staff::create(&t.owner, &email, StaffRole::Support, Some(&password)).await.unwrap();
    assert_eq!(created, staff::StaffCreated::NewAccount);
    // Run again: the same account, a new role, the password kept.
    let again = staff::create(&t.owner, &email, StaffRole::Admin, None).await.unwrap();
    assert_eq!(again, staff::StaffCreated::ExistingAccount);
    let account = domain::accounts::authenticate(&t.db, &email, TEST_PASSWORD).await.unwrap().unwrap();
    assert_eq!(staff::staff_role(&t.db, account).await.unwrap(), Some(StaffRole::Admin));
    // Staff are no store's members: no store scope can be made for them.
    assert!(domain::accounts::memberships(&t.db, account).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_application_role_cannot_make_anyone_staff() {
    let t = TestDb::new().await;
    let store = t.store("Corner Shop").await;
    let written = sqlx::query("INSERT INTO staff (account_id, role) VALUES ($1, 'admin')")
        .bind(store.owner)
        .execute(t.db.pool())
        .await;
    assert!(written.is_err(), "the web application's role wrote the staff table");
}

#[tokio::test]
async fn the_stores_list_searches_name_slug_and_owner_email() {
    let t = TestDb::new().await;
    let (staff, _) = t.staff(StaffRole::Support).await;
    let word = token();
    let first = t.store(&format!("Alpha {word}")).await;
    let second = t.store(&format!("Beta {word}")).await;
    let _other = t.store("Gamma Goods").await;

    let page = admin::list_stores(&t.db, &staff, &search(&word), &PageStart::First).await.unwrap();
    let mut ids: Vec<_> = page.stores.iter().map(|s| s.id).collect();
    ids.sort();
    assert_eq!(ids, vec![first.tenant, second.tenant]);
    assert_eq!(page.matching, 2);
    assert_eq!(page.stores[0].owner_email.as_deref(), Some(second.owner_email.as_str()), "newest first");

    let by_email =
        admin::list_stores(&t.db, &staff, &search(&first.owner_email.to_uppercase()), &PageStart::First)
            .await
            .unwrap();
    assert_eq!(by_email.stores.iter().map(|s| s.id).collect::<Vec<_>>(), vec![first.tenant]);
    // Part of an address searches every owner's address for it.
    let local_part = first.owner_email.split('@').next().unwrap();
    let by_part = admin::list_stores(&t.db, &staff, &search(local_part), &PageStart::First).await.unwrap();
    assert_eq!(by_part.stores.iter().map(|s| s.id).collect::<Vec<_>>(), vec![first.tenant]);

    let slug: String = sqlx::query_scalar("SELECT slug FROM tenants WHERE id = $1")
        .bind(second.tenant)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let by_slug = admin::list_stores(&t.db, &staff, &search(&slug), &PageStart::First).await.unwrap();
    assert_eq!(by_slug.stores.iter().map(|s| s.id).collect::<Vec<_>>(), vec![second.tenant]);

    let wildcard =
        admin::list_stores(&t.db, &staff, &search(&format!("%{word}")), &PageStart::First).await.unwrap();
    assert!(wildcard.stores.is_empty(), "a typed % matches itself only");
}

#[tokio::test]
async fn the_stores_list_filters_by_state_and_plan_and_sorts_by_name() {
    let t = TestDb::new().await;
    let (admin_staff, _) = t.staff(StaffRole::Admin).await;
    let word = token();
    let b = t.store(&format!("b {word}")).await;
    let a = t.store(&format!("A {word}")).await;
    let c = t.store(&format!("c {word}")).await;
    admin::suspend(&t.db, &admin_staff, b.tenant, &reason("Fraud report")).await.unwrap();
    sqlx::query("UPDATE tenants SET plan_id = 'free' WHERE id = $1")
        .bind(c.tenant)
        .execute(&t.owner)
        .await
        .unwrap();

    let list = |filter: StoreFilter| {
        let (db, staff) = (&t.db, &admin_staff);
        async move {
            let page = admin::list_stores(db, staff, &filter, &PageStart::First).await.unwrap();
            page.stores.into_iter().map(|s| (s.id, s.state)).collect::<Vec<_>>()
        }
    };
    let suspended = list(StoreFilter { state: Some(StoreState::Suspended), ..search(&word) }).await;
    assert_eq!(suspended, vec![(b.tenant, StoreState::Suspended)]);
    let free = list(StoreFilter { plan: Some("free".into()), ..search(&word) }).await;
    assert_eq!(free, vec![(c.tenant, StoreState::Active)]);
    let by_name = list(StoreFilter { sort: StoreSort::Name, ..search(&word) }).await;
    assert_eq!(by_name.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![a.tenant, b.tenant, c.tenant]);
    let oldest = list(StoreFilter { sort: StoreSort::Oldest, ..search(&word) }).await;
    assert_eq!(oldest.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![b.tenant, a.tenant, c.tenant]);
}

#[tokio::test]
async fn the_stores_list_pages_forwards_and_back_by_keyset() {
    let t = TestDb::new().await;
    let (staff, _) = t.staff(StaffRole::Support).await;
    let word = token();
    for n in 0..PAGE_SIZE + 5 {
        t.store(&format!("Shop {n:02} {word}")).await;
    }
    for sort in StoreSort::ALL {
        let filter = StoreFilter { sort, ..search(&word) };
        let first = admin::list_stores(&t.db, &staff, &filter, &PageStart::First).await.unwrap();
        assert_eq!(first.stores.len() as i64, PAGE_SIZE, "{sort:?}");
        assert_eq!(first.matching, PAGE_SIZE + 5);
        assert!(first.previous.is_none());
        let next = first.next.clone().expect("a second page");
        let second = admin::list_stores(&t.db, &staff, &filter, &PageStart::After(next)).await.unwrap();
        assert_eq!(second.stores.len(), 5, "{sort:?}");
        assert!(second.next.is_none());
        assert!(second.stores.iter().all(|s| !first.stores.contains(s)), "{sort:?}: pages overlap");
        let back = second.previous.clone().expect("a way back");
        let again = admin::list_stores(&t.db, &staff, &filter, &PageStart::Before(back)).await.unwrap();
        assert_eq!(again.stores, first.stores, "{sort:?}");
        assert!(again.previous.is_none(), "{sort:?}: the first page has nothing before it");
    }
}

#[tokio::test]
async fn a_stores_detail_shows_its_metadata_and_counts_but_no_business_rows() {
    let t = TestDb::new().await;
    let (staff, _) = t.staff(StaffRole::Support).await;
    let store = t.store("Corner Shop").await;
    let viewer = t.account(&domain::testing::unique_email("viewer"), TEST_PASSWORD).await;
    t.add_member(store.tenant, viewer, Role::Viewer).await;
    t.add_orders(store.tenant, 3, &["paid"]).await;

    let detail = admin::store_detail(&t.db, &staff, store.tenant).await.unwrap();
    assert_eq!(detail.name, "Corner Shop");
    assert_eq!(detail.plan_id, "growth");
    assert_eq!(detail.state, StoreState::Active);
    assert_eq!((detail.products, detail.orders), (2, 3));
    let members: Vec<_> = detail.members.iter().map(|m| (m.email.as_str(), m.role.as_str())).collect();
    assert_eq!(members[0], (store.owner_email.as_str(), "owner"));
    assert_eq!(members.len(), 2);
    assert!(detail.audit.is_empty());

    let missing = admin::store_detail(&t.db, &staff, domain::TenantId::new(i64::MAX)).await;
    assert!(matches!(missing, Err(Error::NotFound)));
}

#[tokio::test]
async fn only_admins_act_on_stores_and_every_action_is_audited() {
    let t = TestDb::new().await;
    let (support_staff, _) = t.staff(StaffRole::Support).await;
    let (admin_staff, admin_email) = t.staff(StaffRole::Admin).await;
    let store = t.store("Corner Shop").await;

    let refused = admin::suspend(&t.db, &support_staff, store.tenant, &reason("Testing")).await;
    assert!(matches!(refused, Err(Error::Forbidden)), "{refused:?}");

    admin::suspend(&t.db, &admin_staff, store.tenant, &reason("Chargebacks")).await.unwrap();
    let scope = t.scope(store.owner, store.tenant).await;
    assert_eq!(scope.access(), Access::SuspendedByPlatform);
    assert!(products::list(&t.db, &scope, &Default::default(), 1).await.is_err(), "a suspended store opened");
    let twice = admin::suspend(&t.db, &admin_staff, store.tenant, &reason("Again")).await;
    assert!(matches!(twice, Err(Error::Conflict(_))), "{twice:?}");

    admin::reactivate(&t.db, &admin_staff, store.tenant, &reason("Resolved")).await.unwrap();
    assert_eq!(t.scope(store.owner, store.tenant).await.access(), Access::Full);

    let detail = admin::store_detail(&t.db, &admin_staff, store.tenant).await.unwrap();
    let audit: Vec<_> =
        detail.audit.iter().map(|e| (e.action.as_str(), e.reason.as_str(), e.actor.as_str())).collect();
    assert_eq!(
        audit,
        vec![
            ("store.reactivated", "Resolved", admin_email.as_str()),
            ("store.suspended", "Chargebacks", admin_email.as_str()),
        ]
    );
}

#[tokio::test]
async fn revoking_a_members_sessions_ends_the_ones_begun_before() {
    let t = TestDb::new().await;
    let (admin_staff, _) = t.staff(StaffRole::Admin).await;
    let store = t.store("Corner Shop").await;
    let before = Utc::now() - chrono::Duration::milliseconds(5);
    assert!(TenantScope::for_session(&t.db, store.owner, store.tenant, before).await.is_ok());

    // The identity provider refusing to forget them: nothing is revoked.
    let unreachable = |_| async { Err(Error::Provider("The sign-in service is down.".into())) };
    let refused = admin::revoke_sessions(
        &t.db,
        &admin_staff,
        store.tenant,
        store.owner,
        &reason("Lost laptop"),
        unreachable,
    )
    .await;
    assert!(matches!(refused, Err(Error::Provider(_))), "{refused:?}");
    assert!(TenantScope::for_session(&t.db, store.owner, store.tenant, before).await.is_ok());

    let forgotten = std::sync::Mutex::new(Vec::new());
    let forget = |account| {
        forgotten.lock().unwrap().push(account);
        async { Ok(()) }
    };
    admin::revoke_sessions(&t.db, &admin_staff, store.tenant, store.owner, &reason("Lost laptop"), forget)
        .await
        .unwrap();
    assert_eq!(*forgotten.lock().unwrap(), vec![store.owner], "the identity provider was not told");
    let revoked = TenantScope::for_session(&t.db, store.owner, store.tenant, before).await;
    assert!(matches!(revoked, Err(Error::NotFound)), "an old session survived");
    assert!(TenantScope::for_session(&t.db, store.owner, store.tenant, Utc::now()).await.is_ok());

    let stranger = t.store("Other Shop").await;
    let not_a_member = admin::revoke_sessions(
        &t.db,
        &admin_staff,
        store.tenant,
        stranger.owner,
        &reason("Wrong store"),
        |_| async { panic!("a stranger's sign-ins were forgotten") },
    )
    .await;
    assert!(matches!(not_a_member, Err(Error::NotFound)), "{not_a_member:?}");
}

#[tokio::test]
async fn a_support_session_reads_the_store_read_only_and_is_logged_on_both_sides() {
    let t = TestDb::new().await;
    let (staff, staff_email) = t.staff(StaffRole::Support).await;
    let store = t.store("Corner Shop").await;
    t.add_orders(store.tenant, 1, &["paid"]).await;

    let session =
        support::start(&t.db, &staff, store.tenant, &reason("Owner asked about an order")).await.unwrap();
    let minutes = (session.expires_at - session.started_at).num_minutes();
    assert_eq!(minutes, support::SUPPORT_SESSION_MINUTES);

    let scope = TenantScope::for_support(&t.db, &staff, session.id).await.unwrap();
    assert_eq!(scope.tenant_id(), store.tenant);
    assert_eq!(scope.support_session(), Some(session.id));
    let (rows, _) = products::list(&t.db, &scope, &Default::default(), 1).await.unwrap();
    assert_eq!(rows.len(), 2, "support reads the store's products");
    let draft = products::ProductDraft::parse(
        &products::ProductInput { name: "Sneaky".into(), sku: "S-1".into(), price: "1.00".into() },
        "USD",
    )
    .unwrap();
    assert!(products::create(&t.db, &scope, &draft, None).await.is_err(), "a support session wrote");
    // The database's wall too: the scope's transactions are read-only.
    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    let write = sqlx::query("UPDATE products SET name = 'x' WHERE tenant_id = $1")
        .bind(store.tenant)
        .execute(&mut *tx)
        .await;
    assert!(matches!(Error::from(write.unwrap_err()), Error::ReadOnly), "the transaction was writable");
    drop(tx);

    // Another staff member cannot use it.
    let (other, _) = t.staff(StaffRole::Admin).await;
    assert!(TenantScope::for_support(&t.db, &other, session.id).await.is_err());

    support::end(&t.db, &staff, session.id).await.unwrap();
    assert!(TenantScope::for_support(&t.db, &staff, session.id).await.is_err(), "an ended session reads");

    let owner = t.scope(store.owner, store.tenant).await;
    let (entries, _) = domain::audit::list(&t.db, &owner, &Default::default(), 1).await.unwrap();
    let store_log: Vec<_> = entries.iter().map(|e| (e.action.as_str(), e.actor.clone())).collect();
    let actor = format!("{staff_email} (platform support)");
    assert_eq!(
        store_log,
        vec![("support_session.ended", actor.clone()), ("support_session.started", actor)],
        "the owner sees the support session"
    );
    let detail = admin::store_detail(&t.db, &staff, store.tenant).await.unwrap();
    let platform_log: Vec<_> = detail.audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(platform_log, vec!["support_session.ended", "support_session.started"]);
}

#[tokio::test]
async fn an_expired_support_session_reads_nothing() {
    let t = TestDb::new().await;
    let (staff, _) = t.staff(StaffRole::Support).await;
    let store = t.store("Corner Shop").await;
    let session = support::start(&t.db, &staff, store.tenant, &reason("Checking an import")).await.unwrap();
    sqlx::query("UPDATE support_sessions SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(session.id)
        .execute(&t.owner)
        .await
        .unwrap();
    assert!(matches!(TenantScope::for_support(&t.db, &staff, session.id).await, Err(Error::NotFound)));
    assert!(support::open_session(&t.db, &staff, session.id).await.unwrap().is_none());
}

#[tokio::test]
async fn the_overview_counts_stores_by_state_signups_revenue_and_failed_payments() {
    let t = TestDb::new().await;
    let (staff, _) = t.staff(StaffRole::Support).await;
    let before = admin::overview(&t.db, &staff).await.unwrap();
    let paying = t.store("Paying Shop").await;
    sqlx::query(
        "UPDATE tenants SET plan_id = 'starter', billing_status = 'past_due', payment_failed_at = now() WHERE id = $1",
    )
    .bind(paying.tenant)
    .execute(&t.owner)
    .await
    .unwrap();
    t.store("Free Shop").await;
    let after = admin::overview(&t.db, &staff).await.unwrap();

    // Platform-wide figures: exactly what this test added, or at least that on a shared database.
    let grew_by = |after: i64, before: i64, added: i64, what: &str| {
        if t.is_shared() {
            assert!(after >= before + added, "{what}: {before} → {after}");
        } else {
            assert_eq!(after, before + added, "{what}");
        }
    };
    let count =
        |o: &admin::PlatformOverview, state| o.by_state.iter().find(|c| c.state == state).unwrap().stores;
    grew_by(count(&after, StoreState::PastDue), count(&before, StoreState::PastDue), 1, "past due");
    grew_by(count(&after, StoreState::Active), count(&before, StoreState::Active), 1, "active");
    assert_eq!(after.signups.len() as i64, admin::SIGNUP_DAYS);
    assert_eq!(after.signups.last().unwrap().0, Utc::now().date_naive());
    grew_by(after.signups.last().unwrap().1, before.signups.last().unwrap().1, 2, "signups today");
    let usd =
        |o: &admin::PlatformOverview| o.revenue.iter().find(|r| r.currency == "USD").map_or(0, |r| r.cents);
    // A past-due Starter store still counts at its price.
    grew_by(usd(&after), usd(&before), 2900, "revenue");
    grew_by(after.failed_payment_stores, before.failed_payment_stores, 1, "failed payments");
    assert!(
        after.failed_payments.iter().any(|f| f.tenant_id == paying.tenant),
        "the failed payment is listed"
    );
}

/// Records what a staff action asked of the payment provider, and answers with `answer`.
#[derive(Default)]
struct ProviderLog(std::sync::Mutex<Vec<admin::ProviderChange>>);

impl ProviderLog {
    fn sync(
        &self,
        answer: Result<(), Error>,
    ) -> impl FnOnce(admin::ProviderChange) -> std::future::Ready<Result<(), Error>> + '_ {
        move |change| {
            self.0.lock().unwrap().push(change);
            std::future::ready(answer)
        }
    }

    fn changes(&self) -> Vec<admin::ProviderChange> {
        self.0.lock().unwrap().clone()
    }
}

async fn audit_actions(t: &TestDb, staff: &staff::Staff, store: domain::TenantId) -> Vec<String> {
    admin::store_detail(&t.db, staff, store).await.unwrap().audit.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn a_trial_is_extended_at_the_payment_provider_first_and_only_for_stores_on_trial() {
    let t = TestDb::new().await;
    let (admin_staff, _) = t.staff(StaffRole::Admin).await;
    let store = t.store("Corner Shop").await;
    let days = admin::TrialExtension::parse("14").unwrap();
    let log = ProviderLog::default();

    let not_on_trial =
        admin::extend_trial(&t.db, &admin_staff, store.tenant, days, &reason("Asked"), log.sync(Ok(())))
            .await;
    assert!(matches!(not_on_trial, Err(Error::Conflict(_))), "{not_on_trial:?}");

    let trial_end: chrono::DateTime<Utc> = sqlx::query_scalar(
        "UPDATE tenants SET plan_id = 'starter', billing_status = 'trialing', stripe_subscription_id = 'sub_trial',
                trial_ends_at = date_trunc('second', now()) + interval '3 days'
         WHERE id = $1 RETURNING trial_ends_at",
    )
    .bind(store.tenant)
    .fetch_one(&t.owner)
    .await
    .unwrap();
    let refused = admin::extend_trial(
        &t.db,
        &admin_staff,
        store.tenant,
        days,
        &reason("Asked"),
        log.sync(Err(Error::Provider("Stripe is down.".into()))),
    )
    .await;
    assert!(matches!(refused, Err(Error::Provider(_))), "{refused:?}");
    let kept: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT trial_ends_at FROM tenants WHERE id = $1")
            .bind(store.tenant)
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(kept, Some(trial_end), "the trial changed although the provider refused");
    assert!(audit_actions(&t, &admin_staff, store.tenant).await.is_empty());

    let extended =
        admin::extend_trial(&t.db, &admin_staff, store.tenant, days, &reason("Asked"), log.sync(Ok(())))
            .await
            .unwrap();
    assert_eq!(extended, trial_end + chrono::Duration::days(14), "counted from the trial's end");
    let expected = admin::ProviderChange::TrialEnd { subscription: "sub_trial".into(), trial_end: extended };
    assert_eq!(log.changes(), vec![expected.clone(), expected]);
    assert_eq!(audit_actions(&t, &admin_staff, store.tenant).await, vec!["store.trial_extended"]);

    for bad in ["0", "91", "two weeks", ""] {
        assert!(admin::TrialExtension::parse(bad).is_err(), "{bad} days were accepted");
    }
}

#[tokio::test]
async fn a_plan_change_must_fit_the_new_plan_and_reaches_the_payment_provider() {
    let t = TestDb::new().await;
    let (admin_staff, _) = t.staff(StaffRole::Admin).await;
    let (support_staff, _) = t.staff(StaffRole::Support).await;
    let store = t.store("Corner Shop").await;
    for n in 0..2 {
        let account = t.account(&domain::testing::unique_email(&format!("member{n}")), TEST_PASSWORD).await;
        t.add_member(store.tenant, account, Role::Member).await;
    }
    let log = ProviderLog::default();
    let (asked, upgrade) = (reason("Asked"), reason("Upgrade"));
    let plan_of = || async {
        sqlx::query_scalar::<_, String>("SELECT plan_id FROM tenants WHERE id = $1")
            .bind(store.tenant)
            .fetch_one(&t.owner)
            .await
            .unwrap()
    };

    let support =
        admin::change_plan(&t.db, &support_staff, store.tenant, "starter", &asked, log.sync(Ok(())));
    assert!(matches!(support.await, Err(Error::Forbidden)));
    let same = admin::change_plan(&t.db, &admin_staff, store.tenant, "growth", &asked, log.sync(Ok(())));
    assert!(matches!(same.await, Err(Error::Conflict(_))));
    let unknown = admin::change_plan(&t.db, &admin_staff, store.tenant, "platinum", &asked, log.sync(Ok(())));
    assert!(matches!(unknown.await, Err(Error::Invalid(_))));
    // Three members do not fit the Free plan's two.
    let too_small = admin::change_plan(&t.db, &admin_staff, store.tenant, "free", &asked, log.sync(Ok(())));
    assert!(matches!(too_small.await, Err(Error::LimitReached(_))));
    assert_eq!(plan_of().await, "growth");

    // Without a subscription at the provider, nothing is asked of it.
    admin::change_plan(&t.db, &admin_staff, store.tenant, "starter", &reason("Downgrade"), log.sync(Ok(())))
        .await
        .unwrap();
    assert_eq!(plan_of().await, "starter");
    assert!(log.changes().is_empty());

    sqlx::query(
        "UPDATE tenants SET billing_status = 'active', stripe_subscription_id = 'sub_paid' WHERE id = $1",
    )
    .bind(store.tenant)
    .execute(&t.owner)
    .await
    .unwrap();
    let refused = admin::change_plan(
        &t.db,
        &admin_staff,
        store.tenant,
        "growth",
        &upgrade,
        log.sync(Err(Error::Provider("Stripe is down.".into()))),
    );
    assert!(matches!(refused.await, Err(Error::Provider(_))));
    assert_eq!(plan_of().await, "starter");
    admin::change_plan(&t.db, &admin_staff, store.tenant, "growth", &upgrade, log.sync(Ok(())))
        .await
        .unwrap();
    assert_eq!(plan_of().await, "growth");
    let expected = admin::ProviderChange::Plan { subscription: "sub_paid".into(), plan: "growth".into() };
    assert_eq!(log.changes(), vec![expected.clone(), expected]);
    assert_eq!(
        audit_actions(&t, &admin_staff, store.tenant).await,
        vec!["store.plan_changed", "store.plan_changed"]
    );
}

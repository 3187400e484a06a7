//! Signup: an account, a store with an address of its own, and its owner, in one go.

use domain::idempotency::IdempotencyKey;
use domain::signup::{create_store, Signup, SignupInput, StartAs};
use domain::testing::{unique_email, TestDb};
use domain::{Error, Role, TenantScope};

fn input(email: &str, store_name: &str) -> SignupInput {
    SignupInput {
        email: email.into(),
        password: "a long enough passphrase".into(),
        store_name: store_name.into(),
        plan: "starter".into(),
    }
}

#[tokio::test]
async fn stores_of_the_same_name_get_addresses_of_their_own() {
    let t = TestDb::new().await;
    let name = format!("Same Name {}", uuid::Uuid::new_v4().simple());
    let mut slugs = Vec::new();
    for _ in 0..3 {
        let signup = Signup::parse(&t.db, &input(&unique_email("twin"), &name)).await.unwrap();
        let made = create_store(&t.db, &signup, StartAs::Pending, None).await.unwrap();
        let scope = TenantScope::for_member(&t.db, made.account, made.tenant).await.unwrap();
        assert_eq!(scope.role(), Role::Owner);
        let (slug, status, plan): (String, String, String) = sqlx::query_as(
            "SELECT s.slug, t.status, t.plan_id FROM tenants t JOIN tenant_slugs s ON s.tenant_id = t.id WHERE t.id = $1",
        )
        .bind(made.tenant)
        .fetch_one(&t.owner)
        .await
        .unwrap();
        assert_eq!((status.as_str(), plan.as_str()), ("pending", "starter"));
        slugs.push(slug);
    }
    let base = domain::signup::slug_from(&name);
    assert_eq!(slugs, [base.clone(), format!("{base}-2"), format!("{base}-3")]);
}

#[tokio::test]
async fn a_signup_is_checked_field_by_field() {
    let t = TestDb::new().await;
    let bad = SignupInput {
        email: "x".into(),
        password: "x".into(),
        store_name: String::new(),
        plan: "gold".into(),
    };
    match Signup::parse(&t.db, &bad).await.unwrap_err() {
        Error::Fields(errors) => {
            assert_eq!(errors.iter().map(|(f, _)| f).collect::<Vec<_>>(), ["email", "store_name", "plan"]);
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let email = unique_email("weak");
    let weak = SignupInput { password: "password1234".into(), ..input(&email, "Shop") };
    let Error::Fields(errors) = Signup::parse(&t.db, &weak).await.unwrap_err() else {
        panic!("expected field errors")
    };
    assert_eq!(errors.iter().next(), Some(("password", "That password is too common. Choose another.")));
}

/// The same signup form sent again (a retry after a lost answer): the store it made, nothing new.
#[tokio::test]
async fn a_signup_sent_again_with_its_key_finds_its_store_and_makes_nothing_new() {
    let t = TestDb::new().await;
    let email = unique_email("again");
    let signup = Signup::parse(&t.db, &input(&email, "Again Shop")).await.unwrap();
    let key = Some(IdempotencyKey::new());
    let first = create_store(&t.db, &signup, StartAs::Active, key).await.unwrap();
    assert!(!first.repeated && first.opened);

    let again = create_store(&t.db, &signup, StartAs::Active, key).await.unwrap();
    assert_eq!((again.account, again.tenant, again.repeated), (first.account, first.tenant, true));
    assert_eq!(t.count("accounts WHERE email = $1", &email).await, 1);
    assert_eq!(t.count("memberships WHERE account_id = $1", first.account).await, 1);

    // Without the key, the same form is another signup: the email has an account already.
    match create_store(&t.db, &signup, StartAs::Active, None).await.unwrap_err() {
        Error::Taken(errors) => assert_eq!(errors.iter().next().map(|(f, _)| f), Some("email")),
        other => panic!("expected the email refused as taken, got {other:?}"),
    }
}

/// Eight submissions of one form at once: one store, and every one of them answered with it.
/// Without a key the same race makes one store and refuses the rest (the positive control).
#[tokio::test]
async fn one_form_sent_eight_times_at_once_makes_one_store() {
    let t = TestDb::new().await;
    for key in [Some(IdempotencyKey::new()), None] {
        let email = unique_email("burst");
        let signup = Signup::parse(&t.db, &input(&email, "Burst Shop")).await.unwrap();
        let answers =
            futures::future::join_all((0..8).map(|_| create_store(&t.db, &signup, StartAs::Pending, key)))
                .await;
        assert_eq!(t.count("accounts WHERE email = $1", &email).await, 1);
        let made: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
        let owners =
            t.count("memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = $1", &email).await;
        assert_eq!(owners, 1, "one store, with one owner");
        if key.is_some() {
            assert_eq!(made.len(), 8, "every submission gets the store: {answers:?}");
            assert!(made.iter().all(|m| m.tenant == made[0].tenant));
            assert_eq!(made.iter().filter(|m| !m.repeated).count(), 1);
        } else {
            assert_eq!(made.len(), 1, "{answers:?}");
            assert!(answers.iter().filter_map(|a| a.as_ref().err()).all(|e| matches!(e, Error::Taken(_))));
        }
    }
}

/// Knowing a form's key is not knowing the password: a repeat must bring the same email and
/// password, else it is refused and signs nobody in.
#[tokio::test]
async fn a_key_replayed_with_another_password_or_email_is_refused() {
    let t = TestDb::new().await;
    let email = unique_email("owner");
    let key = Some(IdempotencyKey::new());
    let name = format!("Owned Shop {}", uuid::Uuid::new_v4().simple());
    let signup = Signup::parse(&t.db, &input(&email, &name)).await.unwrap();
    create_store(&t.db, &signup, StartAs::Active, key).await.unwrap();

    let other_password = SignupInput { password: "another long passphrase".into(), ..input(&email, &name) };
    let other_email = input(&unique_email("thief"), &name);
    for forged in [other_password, other_email] {
        let forged = Signup::parse(&t.db, &forged).await.unwrap();
        let answer = create_store(&t.db, &forged, StartAs::Active, key).await;
        assert!(matches!(answer, Err(Error::Conflict(_))), "{answer:?}");
    }
    assert_eq!(t.count("tenants WHERE name = $1", &name).await, 1);
}

/// A signup undone at checkout takes its key with it: the same form sent again makes the store
/// again instead of pointing at one that is gone.
#[tokio::test]
async fn an_abandoned_signup_sent_again_is_made_again() {
    let t = TestDb::new().await;
    let email = unique_email("left");
    let key = Some(IdempotencyKey::new());
    let signup = Signup::parse(&t.db, &input(&email, "Left Shop")).await.unwrap();
    let first = create_store(&t.db, &signup, StartAs::Pending, key).await.unwrap();
    assert!(!first.opened);
    assert!(domain::signup::abandon(&t.db, first.account, first.tenant).await.unwrap());

    let again = create_store(&t.db, &signup, StartAs::Pending, key).await.unwrap();
    assert!(!again.repeated);
    assert_ne!(again.tenant, first.tenant);
    assert_eq!(t.count("signup_keys WHERE tenant_id = $1", again.tenant).await, 1);
}

#[tokio::test]
async fn signup_keys_older_than_a_day_are_forgotten() {
    let t = TestDb::new().await;
    let (old, new) = (IdempotencyKey::new(), IdempotencyKey::new());
    for (key, age) in [(old, "2 days"), (new, "1 hour")] {
        sqlx::query("INSERT INTO signup_keys (key, created_at) VALUES ($1::uuid, now() - $2::interval)")
            .bind(key.to_string())
            .bind(age)
            .execute(&t.owner)
            .await
            .unwrap();
    }
    domain::idempotency::forget_old(&t.db).await.unwrap();
    assert_eq!(t.count("signup_keys WHERE key = $1::uuid", old.to_string()).await, 0);
    assert_eq!(t.count("signup_keys WHERE key = $1::uuid", new.to_string()).await, 1);
}

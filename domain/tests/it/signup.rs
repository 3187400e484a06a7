//! Signup: an account, a store with an address of its own, and its owner, in one go.

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
        let (account, tenant) = create_store(&t.db, &signup, StartAs::Pending).await.unwrap();
        let scope = TenantScope::for_member(&t.db, account, tenant).await.unwrap();
        assert_eq!(scope.role(), Role::Owner);
        let (slug, status, plan): (String, String, String) = sqlx::query_as(
            "SELECT s.slug, t.status, t.plan_id FROM tenants t JOIN tenant_slugs s ON s.tenant_id = t.id WHERE t.id = $1",
        )
        .bind(tenant)
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

//! Roles through the app's own requests: what each role of a store may do. Every server
//! function that writes joins this file when it is written.

use crate::common::TestApp;
use app::billing::{GetBilling, GetStoreNotice};
use app::customers::SaveCustomer;
use app::orders::{ChangeOrderStatus, CreateOrder};
use app::products::{ArchiveProduct, SaveProduct};
use app::settings::{DeleteStore, ListAudit, SaveSettings};
use app::team::{ChangeMemberRole, InviteMember, RemoveMember, RevokeInvitation};
use domain::testing::{TestStore, TEST_PASSWORD};
use domain::Role;

/// A visitor signed in to `store` with `role` (the store's owner for `Role::Owner`).
pub(crate) async fn member(app: &TestApp, store: &TestStore, role: Role) -> crate::common::Visitor {
    let email = if role == Role::Owner {
        store.owner_email.clone()
    } else {
        let email = format!("{role}-{}@example.test", uuid::Uuid::new_v4());
        let account = app.db.account(&email, TEST_PASSWORD).await;
        app.db.add_member(store.tenant, account, role).await;
        email
    };
    let visitor = app.visitor();
    assert_eq!(visitor.sign_in(&email, TEST_PASSWORD).await.headers()["location"], "/");
    visitor
}

pub(crate) const ROLES: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer];

#[tokio::test]
async fn viewers_cannot_change_orders_and_other_roles_can() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    for role in ROLES {
        let visitor = member(&app, &store, role).await;
        let order = app.db.add_orders(store.tenant, 1, &["pending"]).await[0];

        let page = visitor.get(&format!("/orders/{order}")).await.text().await.unwrap();
        assert_eq!(page.contains("Mark as paid"), role != Role::Viewer, "{role}: the buttons");

        let call = visitor.call::<ChangeOrderStatus>(&[("id", &order.to_string()), ("status", "paid")]).await;
        let allowed = role != Role::Viewer;
        assert_eq!(call.status().is_success(), allowed, "{role}");
        if !allowed {
            assert!(call.text().await.unwrap().contains("Forbidden"));
        }
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
        assert_eq!(status, if allowed { "paid" } else { "pending" }, "{role}");
    }
}

#[tokio::test]
async fn a_transition_the_status_does_not_allow_is_explained() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let order = app.db.add_orders(store.tenant, 1, &["cancelled"]).await[0];
    let call = visitor.call::<ChangeOrderStatus>(&[("id", &order.to_string()), ("status", "shipped")]).await;
    assert!(!call.status().is_success());
    assert!(call.text().await.unwrap().contains("A cancelled order cannot be marked shipped."));
}

#[tokio::test]
async fn viewers_cannot_change_products_and_other_roles_can() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    for role in ROLES {
        let visitor = member(&app, &store, role).await;
        let allowed = role != Role::Viewer;
        let sku = format!("SKU-{role}");
        let created = visitor.call::<SaveProduct>(&[("name", "Tote"), ("sku", &sku), ("price", "5")]).await;
        assert_eq!(created.status().is_success(), allowed, "{role}: create");
        if !allowed {
            assert!(created.text().await.unwrap().contains("Forbidden"));
        }
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM products WHERE tenant_id = $1 AND sku = $2)")
                .bind(store.tenant)
                .bind(&sku)
                .fetch_one(&app.db.owner)
                .await
                .unwrap();
        assert_eq!(exists, allowed, "{role}");

        let (id,): (i64,) =
            sqlx::query_as("SELECT id FROM products WHERE tenant_id = $1 ORDER BY id LIMIT 1")
                .bind(store.tenant)
                .fetch_one(&app.db.owner)
                .await
                .unwrap();
        let archive = visitor.call::<ArchiveProduct>(&[("id", &id.to_string()), ("archived", "true")]).await;
        assert_eq!(archive.status().is_success(), allowed, "{role}: archive");
        let page = visitor.get(&format!("/products/{id}")).await.text().await.unwrap();
        assert_eq!(page.contains("Save changes"), allowed, "{role}: the form");

        let part =
            reqwest::multipart::Part::bytes(b"sku,name,price\nIMPORTED,Tray,1\n".to_vec()).file_name("p.csv");
        let form = reqwest::multipart::Form::new().part("file", part);
        let import =
            visitor.client.post(visitor.url("/products/import")).multipart(form).send().await.unwrap();
        let report = visitor.follow(import).await;
        assert_eq!(
            report.contains("Your role does not allow importing products."),
            !allowed,
            "{role}: import"
        );
    }
    let imported: i64 =
        app.db.count("products WHERE tenant_id = $1 AND sku = 'IMPORTED'", store.tenant).await;
    assert_eq!(imported, 1, "imported by the first role that may, updated by the others");
}

#[tokio::test]
async fn viewers_cannot_add_customers_or_place_orders_and_other_roles_can() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let (customer, product) = app.db.customer_and_product(store.tenant).await;
    let (customer, product) = (customer.to_string(), product.to_string());
    for role in ROLES {
        let visitor = member(&app, &store, role).await;
        let allowed = role != Role::Viewer;
        let email = format!("{role}@example.test");
        let saved = visitor.call::<SaveCustomer>(&[("name", "Ada"), ("email", &email)]).await;
        assert_eq!(saved.status().is_success(), allowed, "{role}: add a customer");
        let order = [
            ("customer", customer.as_str()),
            ("lines[0][product]", product.as_str()),
            ("lines[0][quantity]", "1"),
        ];
        let placed = visitor.call::<CreateOrder>(&order).await;
        assert_eq!(placed.status().is_success(), allowed, "{role}: place an order");
        if !allowed {
            assert!(placed.text().await.unwrap().contains("Forbidden"));
            let page = visitor.get("/orders/new").await.text().await.unwrap();
            assert!(page.contains("Your role lets you see orders, not place them."));
        }
    }
    let (customers, orders): (i64, i64) =
        sqlx::query_as(
            "SELECT (SELECT count(*) FROM customers WHERE tenant_id = $1), (SELECT count(*) FROM orders WHERE tenant_id = $1)",
        )
        .bind(store.tenant)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert_eq!((customers, orders), (1 + 3, 1 + 3), "three roles wrote, the viewer did not");
}

#[tokio::test]
async fn only_owners_and_admins_change_settings_and_read_the_audit_log() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    for role in ROLES {
        let visitor = member(&app, &store, role).await;
        let allowed = matches!(role, Role::Owner | Role::Admin);
        let name = format!("Shop of the {role}");
        // Addresses are platform-wide: one of this test's own.
        let slug = format!("corner-{}", store.tenant);
        let form =
            [("name", name.as_str()), ("slug", slug.as_str()), ("currency", "USD"), ("time_zone", "UTC")];
        let saved = visitor.call::<SaveSettings>(&form).await;
        assert_eq!(saved.status().is_success(), allowed, "{role}: settings");
        let stored: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
            .bind(store.tenant)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
        assert_eq!(stored == name, allowed, "{role}");
        let settings_page = visitor.get("/settings").await.text().await.unwrap();
        assert_eq!(settings_page.contains("Save settings"), allowed, "{role}: the settings form");

        let audit = visitor
            .call_json::<ListAudit>(&serde_json::json!({ "query": { "action": "", "actor": "", "page": 1 } }))
            .await;
        assert_eq!(audit.status().is_success(), allowed, "{role}: the audit log");
        let audit_page = visitor.get("/audit").await.text().await.unwrap();
        assert_eq!(audit_page.contains("Your role in this store does not allow that."), !allowed, "{role}");
    }
}

#[tokio::test]
async fn only_owners_and_admins_manage_the_team_and_only_owners_make_owners() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let target_email = domain::testing::unique_email("target");
    let target = app.db.account(&target_email, TEST_PASSWORD).await;
    app.db.add_member(store.tenant, target, Role::Viewer).await;
    let target_id = target.to_string();
    for role in ROLES {
        let visitor = member(&app, &store, role).await;
        let allowed = matches!(role, Role::Owner | Role::Admin);
        let email = format!("invited-by-{role}@example.test");
        let invited = visitor.call::<InviteMember>(&[("email", &email), ("role", "viewer")]).await;
        assert_eq!(invited.status().is_success(), allowed, "{role}: invite");
        let changed =
            visitor.call::<ChangeMemberRole>(&[("account_id", &target_id), ("role", "member")]).await;
        assert_eq!(changed.status().is_success(), allowed, "{role}: change a role");
        let to_owner =
            visitor.call::<ChangeMemberRole>(&[("account_id", &target_id), ("role", "owner")]).await;
        assert_eq!(to_owner.status().is_success(), role == Role::Owner, "{role}: make an owner");
        if role == Role::Owner {
            visitor.call::<ChangeMemberRole>(&[("account_id", &target_id), ("role", "viewer")]).await;
        }
        let page = visitor.get("/team").await.text().await.unwrap();
        assert_eq!(page.contains("Make invitation link"), allowed, "{role}: the invite form");
        assert!(page.contains(&target_email), "{role}: everyone sees the team");
    }
    let invitations: i64 = app.db.count("invitations WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(invitations, 2, "the owner's and the admin's");
}

#[tokio::test]
async fn only_owners_export_or_delete_the_store() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    for role in [Role::Admin, Role::Member, Role::Viewer] {
        let visitor = member(&app, &store, role).await;
        assert_eq!(visitor.get("/export.zip").await.status(), 403, "{role}: export");
        let deleted = visitor.call::<DeleteStore>(&[("confirmation", "Corner Shop")]).await;
        assert!(deleted.text().await.unwrap().contains("Forbidden"), "{role}: delete");
        let settings = visitor.get("/settings").await.text().await.unwrap();
        assert!(!settings.contains("Delete this store for good"), "{role}: the owner's section");
    }
    let owner = member(&app, &store, Role::Owner).await;
    assert_eq!(owner.get("/export.zip").await.status(), 200);
    let stores: i64 = app.db.count("tenants WHERE id = $1", store.tenant).await;
    assert_eq!(stores, 1, "the store is still there");
}

#[tokio::test]
async fn members_and_viewers_cannot_remove_people_or_withdraw_invitations() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let owner_scope = app.db.scope(store.owner, store.tenant).await;
    let invitation =
        domain::team::invite(&app.db.db, &owner_scope, &domain::testing::unique_email("guest"), Role::Viewer)
            .await
            .unwrap();
    let (owner_id, invitation_id) = (store.owner.to_string(), invitation.id.to_string());
    for role in [Role::Member, Role::Viewer] {
        let visitor = member(&app, &store, role).await;
        let removed = visitor.call::<RemoveMember>(&[("account_id", &owner_id)]).await;
        assert!(removed.text().await.unwrap().contains("Forbidden"), "{role}: remove");
        let revoked = visitor.call::<RevokeInvitation>(&[("id", &invitation_id)]).await;
        assert!(revoked.text().await.unwrap().contains("Forbidden"), "{role}: withdraw");
    }
    let (owners, open): (i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner'),
                (SELECT revoked_at IS NULL FROM invitations WHERE tenant_id = $1 AND id = $2)",
    )
    .bind(store.tenant)
    .bind(invitation.id)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!((owners, open), (1, true));
}

#[tokio::test]
async fn only_owners_and_admins_see_billing_and_every_role_sees_the_stores_state() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    sqlx::query("UPDATE tenants SET billing_status = 'past_due' WHERE id = $1")
        .bind(store.tenant)
        .execute(&app.db.owner)
        .await
        .unwrap();
    for role in ROLES {
        let visitor = member(&app, &store, role).await;
        let allowed = matches!(role, Role::Owner | Role::Admin);
        let billing = visitor.call::<GetBilling>(&[]).await;
        assert_eq!(billing.status().is_success(), allowed, "{role}: the billing page's data");
        let page = visitor.get("/billing").await.text().await.unwrap();
        assert_eq!(page.contains("What the plan allows"), allowed, "{role}: the billing page");
        // The banner tells everyone; only those who manage billing get the way to fix it.
        let products = visitor.get("/products").await.text().await.unwrap();
        assert!(products.contains("read-only until it is paid"), "{role}: the banner");
        assert_eq!(products.contains("Update the payment method"), allowed, "{role}: the portal button");
        let notice = visitor.call::<GetStoreNotice>(&[]).await.text().await.unwrap();
        assert!(notice.contains("ReadOnly"), "{role}: {notice}");
    }
}

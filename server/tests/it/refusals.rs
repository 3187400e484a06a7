//! Every server function's refusals, sent the way an attacker or a broken client would send them
//! (not the way our forms do), each with the status and the error that must come back: 400 a call
//! that cannot be read, 401 signed out, 403 not allowed, 404 not found (another store's row is
//! answered as if it did not exist), 409 a conflict, 422 a field problem. A served server function
//! with no row here fails the test, as does a row for one no longer served.

use app::admin::{
    ActOnStore, EndSupportSession, GetPlatformOverview, GetStore, GetSupportNotice, ListStores,
    StartSupportSession,
};
use app::billing::{GetBilling, GetStoreNotice, OpenBillingPortal, StartSubscription};
use app::customers::{GetCustomer, ListCustomers, SaveCustomer};
use app::figures::GetStoreOverview;
use app::orders::{ChangeOrderStatus, CreateOrder, GetNewOrderChoices, GetOrder, ListOrders};
use app::products::{ArchiveProduct, GetProduct, LastImportReport, ListProducts, SaveProduct};
use app::settings::{DeleteStore, GetSettings, ListAudit, SaveSettings};
use app::signup::{OpenSignup, SignUp, SignupProgress};
use app::site::GetSiteInfo;
use app::stores::GetMyStores;
use app::team::{ChangeMemberRole, GetInvitation, GetTeam, InviteMember, RemoveMember, RevokeInvitation};
use domain::staff::StaffRole;
use domain::testing::{unique_email, TEST_PASSWORD};
use domain::Role;
use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::common::{borrowed, TestApp, Visitor};

/// Who makes the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    /// Signed in to nothing.
    Anonymous,
    /// The owner of store A (another store, B, holds the rows the owner must not reach).
    Owner,
    /// A viewer of store A.
    Viewer,
    /// Platform staff who may look, not act.
    Support,
    Admin,
}

/// What must come back: the status, and the error the body must name (so a 404 of a route that
/// does not exist cannot pass for the function's own "not found").
#[derive(Clone, Copy, Debug)]
enum Expect {
    BadRequest,
    SignedOut,
    Forbidden,
    NotStaff,
    NotFound,
    Conflict,
    Invalid,
}

impl Expect {
    fn status(self) -> u16 {
        match self {
            Expect::BadRequest => 400,
            Expect::SignedOut => 401,
            Expect::Forbidden | Expect::NotStaff => 403,
            Expect::NotFound => 404,
            Expect::Conflict => 409,
            Expect::Invalid => 422,
        }
    }

    fn names_itself(self, body: &str) -> bool {
        match self {
            Expect::BadRequest => body.contains("BadRequest"),
            Expect::SignedOut => body.contains("SignedOut"),
            Expect::Forbidden => body.contains("Forbidden"),
            Expect::NotStaff => body.contains("NotStaff"),
            Expect::NotFound => body.contains("NotFound"),
            // A value taken by another row is told in its field: a form's problems, as a conflict.
            Expect::Conflict => body.contains("Conflict") || body.contains("\"Form\""),
            Expect::Invalid => body.contains("Form") || body.contains("Invalid"),
        }
    }
}

enum Body {
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

struct Refusal {
    path: &'static str,
    what: &'static str,
    caller: Caller,
    body: Body,
    expect: Expect,
}

fn form<F: ServerFn>(
    what: &'static str,
    caller: Caller,
    fields: &[(&'static str, &str)],
    expect: Expect,
) -> Refusal {
    let fields = fields.iter().map(|(name, value)| (*name, value.to_string())).collect();
    Refusal { path: F::PATH, what, caller, body: Body::Form(fields), expect }
}

fn json<F: ServerFn>(what: &'static str, caller: Caller, body: serde_json::Value, expect: Expect) -> Refusal {
    Refusal { path: F::PATH, what, caller, body: Body::Json(body), expect }
}

/// Server functions that refuse nobody, each with the reason.
fn refuse_nobody() -> Vec<(&'static str, &'static str)> {
    vec![
        (GetSiteInfo::PATH, "the site's public facts, for every page"),
        (
            GetSupportNotice::PATH,
            "says something only to staff in a support session, and nothing to anyone else",
        ),
        (GetStoreNotice::PATH, "says something only to a signed-in member about their own store"),
        (SignupProgress::PATH, "reads only the signup waiting in the caller's own session"),
        (OpenSignup::PATH, "a new form key; undoes only the signup waiting in the caller's own session"),
        (GetInvitation::PATH, "an unknown or used link is answered with the page that says so"),
    ]
}

/// The rows of store B the owner of store A tries.
struct Theirs {
    product: String,
    customer: String,
    order: String,
    member: String,
    invitation: String,
    /// Store B's address, which store A cannot take.
    slug: String,
}

fn refusals(own: &str, owner_account: &str, theirs: &Theirs, store_b: &str) -> Vec<Refusal> {
    let slug_b = theirs.slug.as_str();
    use Caller::*;
    use Expect::*;
    let query = || json!({ "query": { "page": 1 } });
    vec![
        // Store pages' data: sign in first.
        form::<GetBilling>("billing", Anonymous, &[], SignedOut),
        json::<ListCustomers>(
            "customers",
            Anonymous,
            json!({ "query": { "q": "", "sort": "", "page": 1 } }),
            SignedOut,
        ),
        form::<GetCustomer>("a customer", Anonymous, &[("id", &theirs.customer)], SignedOut),
        form::<GetStoreOverview>("the dashboard", Anonymous, &[("period", "Last30Days")], SignedOut),
        form::<GetStoreOverview>("a period that does not exist", Owner, &[("period", "Forever")], BadRequest),
        json::<ListOrders>("orders", Anonymous, query(), SignedOut),
        json::<ListOrders>("a query that is not one", Owner, json!({ "query": "all of them" }), BadRequest),
        form::<GetOrder>("an order", Anonymous, &[("id", &theirs.order)], SignedOut),
        form::<GetOrder>("another store's order", Owner, &[("id", &theirs.order)], NotFound),
        form::<GetOrder>("no id", Owner, &[], BadRequest),
        form::<GetOrder>("an id that is not a number", Owner, &[("id", "1 OR 1=1")], BadRequest),
        form::<GetNewOrderChoices>("the new-order form", Anonymous, &[], SignedOut),
        json::<ListProducts>(
            "products",
            Anonymous,
            json!({ "query": { "q": "", "sort": "", "archived": false, "page": 1 } }),
            SignedOut,
        ),
        form::<GetProduct>("a product", Anonymous, &[("id", &theirs.product)], SignedOut),
        form::<GetProduct>("another store's product", Owner, &[("id", &theirs.product)], NotFound),
        form::<LastImportReport>("the import report", Anonymous, &[], SignedOut),
        form::<GetSettings>("settings", Anonymous, &[], SignedOut),
        json::<ListAudit>(
            "the audit log",
            Anonymous,
            json!({ "query": { "action": "", "actor": "", "page": 1 } }),
            SignedOut,
        ),
        form::<GetTeam>("the team", Anonymous, &[], SignedOut),
        form::<GetMyStores>("the person's stores", Anonymous, &[], SignedOut),
        form::<GetCustomer>("another store's customer", Owner, &[("id", &theirs.customer)], NotFound),
        // Changes: sign in, be allowed, name a row of the store, send what can be stored.
        form::<SaveCustomer>(
            "a new customer",
            Anonymous,
            &[("name", "Bea"), ("email", "bea@example.test")],
            SignedOut,
        ),
        form::<SaveCustomer>(
            "a new customer",
            Viewer,
            &[("name", "Bea"), ("email", "bea@example.test")],
            Forbidden,
        ),
        form::<SaveCustomer>(
            "another store's customer",
            Owner,
            &[("id", &theirs.customer), ("name", "Bea"), ("email", "bea@example.test")],
            NotFound,
        ),
        form::<SaveCustomer>(
            "an address that is not one",
            Owner,
            &[("name", "Bea"), ("email", "not an address")],
            Invalid,
        ),
        form::<SaveCustomer>("no name at all", Owner, &[("email", "bea@example.test")], BadRequest),
        form::<SaveProduct>(
            "a new product",
            Anonymous,
            &[("name", "Tea"), ("sku", "TEA"), ("price", "1")],
            SignedOut,
        ),
        form::<SaveProduct>(
            "a new product",
            Viewer,
            &[("name", "Tea"), ("sku", "TEA"), ("price", "1")],
            Forbidden,
        ),
        form::<SaveProduct>(
            "another store's product",
            Owner,
            &[("id", &theirs.product), ("name", "Tea"), ("sku", "TEA"), ("price", "1")],
            NotFound,
        ),
        form::<SaveProduct>(
            "a SKU with a space",
            Owner,
            &[("name", "Tea"), ("sku", "has space"), ("price", "1")],
            Invalid,
        ),
        form::<SaveProduct>(
            "a SKU the store already has",
            Owner,
            &[("name", "Tea again"), ("sku", "OWN-1"), ("price", "1")],
            Conflict,
        ),
        form::<ArchiveProduct>(
            "archiving",
            Anonymous,
            &[("id", &theirs.product), ("archived", "true")],
            SignedOut,
        ),
        form::<ArchiveProduct>("archiving", Viewer, &[("id", own), ("archived", "true")], Forbidden),
        form::<ArchiveProduct>(
            "another store's product",
            Owner,
            &[("id", &theirs.product), ("archived", "true")],
            NotFound,
        ),
        form::<ArchiveProduct>(
            "neither archived nor not",
            Owner,
            &[("id", own), ("archived", "maybe")],
            BadRequest,
        ),
        form::<ChangeOrderStatus>(
            "a status change",
            Anonymous,
            &[("id", &theirs.order), ("status", "shipped")],
            SignedOut,
        ),
        form::<ChangeOrderStatus>(
            "another store's order",
            Owner,
            &[("id", &theirs.order), ("status", "shipped")],
            NotFound,
        ),
        form::<CreateOrder>("an order", Anonymous, &[("customer", &theirs.customer)], SignedOut),
        form::<CreateOrder>("an order", Viewer, &[("customer", &theirs.customer)], Forbidden),
        form::<CreateOrder>("an order with nothing in it", Owner, &[("customer", "")], Invalid),
        form::<SaveSettings>(
            "settings",
            Anonymous,
            &[("name", "X"), ("slug", "x"), ("currency", "EUR"), ("time_zone", "UTC")],
            SignedOut,
        ),
        form::<SaveSettings>(
            "settings",
            Viewer,
            &[("name", "X"), ("slug", "x-shop"), ("currency", "EUR"), ("time_zone", "UTC")],
            Forbidden,
        ),
        form::<SaveSettings>(
            "a name that is only a NUL",
            Owner,
            &[("name", "\0"), ("slug", "x-shop"), ("currency", "EUR"), ("time_zone", "UTC")],
            Invalid,
        ),
        form::<SaveSettings>(
            "another store's address",
            Owner,
            &[("name", "X"), ("slug", slug_b), ("currency", "EUR"), ("time_zone", "UTC")],
            Conflict,
        ),
        form::<DeleteStore>("deleting the store", Anonymous, &[("confirmation", "x")], SignedOut),
        form::<DeleteStore>("deleting the store", Viewer, &[("confirmation", "Own Goods")], Forbidden),
        form::<DeleteStore>(
            "a confirmation that is not the name",
            Owner,
            &[("confirmation", "Someone Else")],
            Invalid,
        ),
        json::<ListAudit>(
            "the audit log",
            Viewer,
            json!({ "query": { "action": "", "actor": "", "page": 1 } }),
            Forbidden,
        ),
        form::<InviteMember>(
            "an invitation",
            Anonymous,
            &[("email", "cy@example.test"), ("role", "viewer")],
            SignedOut,
        ),
        form::<InviteMember>(
            "an invitation",
            Viewer,
            &[("email", "cy@example.test"), ("role", "viewer")],
            Forbidden,
        ),
        form::<InviteMember>(
            "an address that is not one",
            Owner,
            &[("email", "cy"), ("role", "viewer")],
            Invalid,
        ),
        form::<InviteMember>(
            "a role that does not exist",
            Owner,
            &[("email", "cy@example.test"), ("role", "emperor")],
            Invalid,
        ),
        form::<RevokeInvitation>("withdrawing", Anonymous, &[("id", &theirs.invitation)], SignedOut),
        form::<RevokeInvitation>("withdrawing", Viewer, &[("id", &theirs.invitation)], Forbidden),
        form::<RevokeInvitation>(
            "another store's invitation",
            Owner,
            &[("id", &theirs.invitation)],
            NotFound,
        ),
        form::<ChangeMemberRole>(
            "a role change",
            Anonymous,
            &[("account_id", &theirs.member), ("role", "owner")],
            SignedOut,
        ),
        form::<ChangeMemberRole>(
            "a role change",
            Viewer,
            &[("account_id", owner_account), ("role", "viewer")],
            Forbidden,
        ),
        form::<ChangeMemberRole>(
            "another store's member",
            Owner,
            &[("account_id", &theirs.member), ("role", "owner")],
            NotFound,
        ),
        form::<ChangeMemberRole>(
            "a role that does not exist",
            Owner,
            &[("account_id", owner_account), ("role", "emperor")],
            Invalid,
        ),
        form::<ChangeMemberRole>(
            "the last owner stepping down",
            Owner,
            &[("account_id", owner_account), ("role", "viewer")],
            Conflict,
        ),
        form::<RemoveMember>("removing", Anonymous, &[("account_id", &theirs.member)], SignedOut),
        form::<RemoveMember>("removing", Viewer, &[("account_id", owner_account)], Forbidden),
        form::<RemoveMember>("another store's member", Owner, &[("account_id", &theirs.member)], NotFound),
        form::<RemoveMember>("the last owner", Owner, &[("account_id", owner_account)], Conflict),
        form::<OpenBillingPortal>("the billing portal", Anonymous, &[], SignedOut),
        form::<OpenBillingPortal>("the billing portal", Viewer, &[], Forbidden),
        form::<StartSubscription>("a subscription", Anonymous, &[], SignedOut),
        form::<StartSubscription>("a subscription", Viewer, &[], Forbidden),
        form::<SignUp>(
            "an empty signup",
            Anonymous,
            &[("email", ""), ("password", ""), ("store_name", ""), ("plan", "")],
            Invalid,
        ),
        form::<SignUp>("a signup without its fields", Anonymous, &[], BadRequest),
        form::<SignUp>(
            "a signup whose form key is no key",
            Anonymous,
            &[
                ("email", "a@b.test"),
                ("password", ""),
                ("store_name", ""),
                ("plan", ""),
                (app::form_key::FIELD, "1 OR 1=1"),
            ],
            BadRequest,
        ),
        // The admin panel: staff only, admins to act, always with a reason.
        form::<GetPlatformOverview>("the overview", Anonymous, &[], SignedOut),
        form::<GetPlatformOverview>("the overview", Owner, &[], NotStaff),
        json::<ListStores>(
            "the stores",
            Owner,
            json!({ "query": { "q": "", "state": "", "plan": "", "sort": "", "after": "", "before": "" } }),
            NotStaff,
        ),
        json::<ListStores>("a query that is not one", Admin, json!({ "query": 7 }), BadRequest),
        form::<GetStore>("a store", Owner, &[("id", store_b)], NotStaff),
        form::<GetStore>("a store that does not exist", Admin, &[("id", "987654321")], NotFound),
        form::<ActOnStore>(
            "suspending",
            Owner,
            &[("id", store_b), ("action", "suspend"), ("reason", "x"), ("confirm", "yes")],
            NotStaff,
        ),
        form::<ActOnStore>(
            "suspending",
            Support,
            &[("id", store_b), ("action", "suspend"), ("reason", "Fraud"), ("confirm", "yes")],
            Forbidden,
        ),
        form::<ActOnStore>(
            "suspending without a reason",
            Admin,
            &[("id", store_b), ("action", "suspend"), ("reason", " "), ("confirm", "yes")],
            Invalid,
        ),
        form::<ActOnStore>(
            "an action that does not exist",
            Admin,
            &[("id", store_b), ("action", "explode"), ("reason", "Why not"), ("confirm", "yes")],
            Invalid,
        ),
        form::<ActOnStore>(
            "a store that does not exist",
            Admin,
            &[("id", "987654321"), ("action", "suspend"), ("reason", "Fraud"), ("confirm", "yes")],
            NotFound,
        ),
        form::<StartSupportSession>(
            "a support session",
            Owner,
            &[("id", store_b), ("reason", "Ticket 7")],
            NotStaff,
        ),
        form::<StartSupportSession>(
            "a support session without a reason",
            Support,
            &[("id", store_b), ("reason", "")],
            Invalid,
        ),
        form::<StartSupportSession>(
            "a support session in no store",
            Support,
            &[("id", "987654321"), ("reason", "Ticket 7")],
            NotFound,
        ),
        form::<EndSupportSession>("ending a support session", Anonymous, &[], SignedOut),
        form::<EndSupportSession>("ending a support session", Owner, &[], NotStaff),
    ]
}

#[tokio::test]
async fn every_server_function_refuses_with_the_status_that_says_why() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Own Goods").await;
    let other = app.db.store("Their Goods").await;
    let viewer_email = unique_email("viewer");
    let viewer_account = app.db.account(&viewer_email, TEST_PASSWORD).await;
    app.db.add_member(store.tenant, viewer_account, Role::Viewer).await;
    let viewer = app.visitor();
    viewer.sign_in(&viewer_email, TEST_PASSWORD).await;
    let (support, admin) =
        (app.signed_in_staff(StaffRole::Support).await, app.signed_in_staff(StaffRole::Admin).await);

    let row = |sql: &'static str, tenant| {
        let db = app.db.owner.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).bind(tenant).fetch_one(&db).await.unwrap().to_string() }
    };
    let own = row("INSERT INTO products (tenant_id, name, sku, price_cents) VALUES ($1, 'Own', 'OWN-1', 100) RETURNING id", store.tenant).await;
    let member_account = app.db.account(&unique_email("member"), TEST_PASSWORD).await;
    app.db.add_member(other.tenant, member_account, Role::Member).await;
    let their_order = app.db.add_orders(other.tenant, 1, &["paid"]).await[0].to_string();
    let theirs = Theirs {
        product: row("SELECT id FROM products WHERE tenant_id = $1 LIMIT 1", other.tenant).await,
        customer: row("SELECT id FROM customers WHERE tenant_id = $1 LIMIT 1", other.tenant).await,
        order: their_order,
        member: member_account.to_string(),
        invitation: row(
            "INSERT INTO invitations (tenant_id, email, role, secret_hash, expires_at)
             VALUES ($1, 'dee@example.test', 'viewer', '\\x00', now() + interval '1 day') RETURNING id",
            other.tenant,
        )
        .await,
        slug: sqlx::query_scalar("SELECT slug FROM tenants WHERE id = $1")
            .bind(other.tenant)
            .fetch_one(&app.db.owner)
            .await
            .unwrap(),
    };
    let (owner_account, store_b) = (store.owner.to_string(), other.tenant.to_string());
    let table = refusals(&own, &owner_account, &theirs, &store_b);

    let signed_out = app.visitor();
    let mut wrong = Vec::new();
    for refusal in &table {
        let visitor: &Visitor = match refusal.caller {
            Caller::Anonymous => &signed_out,
            Caller::Owner => &owner,
            Caller::Viewer => &viewer,
            Caller::Support => &support,
            Caller::Admin => &admin,
        };
        let response = match &refusal.body {
            Body::Form(fields) => visitor.call_path(refusal.path, &borrowed(fields)).await,
            Body::Json(body) => visitor.call_json_path(refusal.path, body).await,
        };
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        if status != refusal.expect.status() || !refusal.expect.names_itself(&body) {
            wrong.push(format!(
                "{} {} as {:?}: expected {:?} ({}), got {status} {body}",
                refusal.path,
                refusal.what,
                refusal.caller,
                refusal.expect,
                refusal.expect.status()
            ));
        }
    }
    assert!(wrong.is_empty(), "{} refusals answered wrongly:\n{}", wrong.len(), wrong.join("\n"));

    // Nothing the refusals tried changed store B, or store A's settings.
    let b_products: i64 = app.db.count("products WHERE tenant_id = $1 AND name = 'Tea'", other.tenant).await;
    assert_eq!(b_products, 0);
}

#[test]
fn no_served_server_function_is_left_out_of_the_refusals() {
    let theirs = Theirs {
        product: "1".into(),
        customer: "1".into(),
        order: "1".into(),
        member: "1".into(),
        invitation: "1".into(),
        slug: "b".into(),
    };
    let table = refusals("1", "1", &theirs, "1");
    let listed: Vec<&str> = table
        .iter()
        .map(|refusal| refusal.path)
        .chain(refuse_nobody().iter().map(|(path, _)| *path))
        .collect();
    let served: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    // The check can fail: far more functions are served than the open list alone names.
    assert!(served.len() > refuse_nobody().len() + 30, "{served:?}");
    let missing: Vec<&&str> = served.iter().filter(|path| !listed.contains(path)).collect();
    assert!(missing.is_empty(), "served but without refusals or a reason to refuse nobody: {missing:?}");
    let stale: Vec<&&str> = listed.iter().filter(|path| !served.contains(path)).collect();
    assert!(stale.is_empty(), "listed but not served: {stale:?}");
}

//! The team through HTTP: invitation links, joining with a new or an existing account,
//! roles and removal, and the rule that a store keeps an owner.

use crate::common::{TestApp, Visitor};
use app::stores::GetMyStores;
use app::team::{ChangeMemberRole, InviteMember, RemoveMember};
use domain::testing::TEST_PASSWORD;
use domain::Role;

/// Invites `email` as `role` through the no-JavaScript form; returns the link's path.
pub(crate) async fn invite(visitor: &Visitor, email: &str, role: &str) -> String {
    let response = visitor.submit::<InviteMember>("/team", &[("email", email), ("role", role)]).await;
    assert_eq!(response.headers()["location"], "/team?invited=1");
    let html = visitor.follow(response).await;
    let start = html.find("/invitations/accept?token=").expect("the link is shown");
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

#[tokio::test]
async fn a_new_person_joins_from_the_link_after_seeing_the_password_rules() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let newcomer_email = domain::testing::unique_email("newcomer");
    let link = invite(&owner, &newcomer_email.to_uppercase(), "member").await;
    assert!(!owner.get("/team").await.text().await.unwrap().contains(&link), "the link is shown once");

    let newcomer = app.visitor();
    let page = newcomer.get(&link).await.text().await.unwrap();
    assert!(page.contains("Join Corner Shop") && page.contains(&newcomer_email), "{page}");
    assert!(
        page.contains("Choose a password") && page.contains("At least 12 characters."),
        "rules before submitting"
    );

    let token = link.split("token=").nth(1).unwrap();
    let weak = newcomer.post_form("/invitations/accept", &[("token", token), ("password", "short")]).await;
    let html = newcomer.follow(weak).await;
    assert!(html.contains("Use at least 12 characters."), "{html}");

    let joined = newcomer
        .post_form("/invitations/accept", &[("token", token), ("password", "a fine long passphrase")])
        .await;
    assert_eq!(joined.headers()["location"], "/?joined=1");
    let home = newcomer.get("/").await.text().await.unwrap();
    assert!(home.contains("Corner Shop") && home.contains("Sign out"), "signed in to the store");
    let role: String = sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = $2 AND m.tenant_id = $1",
    )
    .bind(store.tenant)
    .bind(&newcomer_email)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(role, "member");

    let again = app.visitor().get(&link).await.text().await.unwrap();
    assert!(again.contains("does not work any more"), "a link works once");
    let audit = owner.get("/audit").await.text().await.unwrap();
    assert!(audit.contains("member.joined") && audit.contains("member.invited"));
}

#[tokio::test]
pub(crate) async fn a_person_with_an_account_joins_with_its_password() {
    let app = TestApp::spawn().await;
    let (_store, owner) = app.signed_in_store("Corner Shop").await;
    let other = app.db.store("Other Shop").await;
    let link = invite(&owner, &other.owner_email, "viewer").await;
    let token = link.split("token=").nth(1).unwrap();

    let person = app.visitor();
    assert!(person.get(&link).await.text().await.unwrap().contains("Your password"));
    let wrong =
        person.post_form("/invitations/accept", &[("token", token), ("password", "not it at all")]).await;
    assert!(person.follow(wrong).await.contains("That is not the password of this account."));
    let right =
        person.post_form("/invitations/accept", &[("token", token), ("password", TEST_PASSWORD)]).await;
    assert_eq!(right.headers()["location"], "/?joined=1");
    let stores = person.call::<GetMyStores>(&[]).await.text().await.unwrap();
    assert!(stores.contains("Corner Shop") && stores.contains("Other Shop"), "{stores}");
}

#[tokio::test]
async fn roles_change_and_members_go_but_the_last_owner_stays() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let helper_email = domain::testing::unique_email("helper");
    let helper = app.db.account(&helper_email, TEST_PASSWORD).await;
    app.db.add_member(store.tenant, helper, Role::Member).await;
    let helper_id = helper.to_string();
    let owner_id = store.owner.to_string();

    let html = owner
        .follow(
            owner.submit::<ChangeMemberRole>("/team", &[("account_id", &owner_id), ("role", "admin")]).await,
        )
        .await;
    assert!(html.contains("A store needs at least one owner"), "{html}");
    let html = owner
        .follow(
            owner.submit::<ChangeMemberRole>("/team", &[("account_id", &helper_id), ("role", "admin")]).await,
        )
        .await;
    assert!(html.contains("Role changed."));
    let html = owner.follow(owner.submit::<RemoveMember>("/team", &[("account_id", &helper_id)]).await).await;
    assert!(html.contains("Member removed.") && !html.contains(&helper_email));
    let removed = owner.call::<RemoveMember>(&[("account_id", &owner_id)]).await;
    assert!(removed.text().await.unwrap().contains("at least one owner"));
}

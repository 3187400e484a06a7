//! The team: invitations by single-use expiring links, joining, roles, removal, and the rule
//! that a store keeps an owner.

use domain::accounts::{Email, NewPassword};
use domain::audit::{self, AuditFilter};
use domain::team::{self, Joiner, LinkNotValid};
use domain::testing::{unique_email, TestDb};
use domain::{Error, Role, TenantScope};

fn new_password(email: &str) -> NewPassword {
    NewPassword::parse("a long enough passphrase", &Email::parse(email).unwrap()).unwrap()
}

async fn member(t: &TestDb, scope: &TenantScope, email: &str, role: Role) -> TenantScope {
    let account = t.account(email, "irrelevant password").await;
    t.add_member(scope.tenant_id(), account, role).await;
    t.scope(account, scope.tenant_id()).await
}

#[tokio::test]
async fn an_invitation_link_works_once_and_creates_the_account() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let owner = t.scope(store.owner, store.tenant).await;
    let email = unique_email("New.Person");
    let invitation = team::invite(&t.db, &owner, &format!(" {email} "), Role::Member).await.unwrap();
    assert_eq!(invitation.email, email.to_lowercase());
    assert_eq!(team::pending_invitations(&t.db, &owner).await.unwrap().len(), 1);

    let open = team::open_invitation(&t.db, &invitation.token).await.unwrap().unwrap();
    assert_eq!((open.store_name.as_str(), open.role, open.account), ("Alpha", Role::Member, None));
    let account = team::accept(&t.db, &open, Joiner::New(new_password(&open.email))).await.unwrap();
    let scope = t.scope(account, store.tenant).await;
    assert_eq!(scope.role(), Role::Member);

    assert_eq!(team::open_invitation(&t.db, &invitation.token).await.unwrap(), Err(LinkNotValid), "used up");
    assert!(team::accept(&t.db, &open, Joiner::Existing(account)).await.is_err(), "a second use");
    assert!(team::pending_invitations(&t.db, &owner).await.unwrap().is_empty());
    let (entries, _) = audit::list(&t.db, &owner, &AuditFilter::default(), 1).await.unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["member.joined", "member.invited"]);
    assert_eq!(entries[0].actor, email.to_lowercase());
}

#[tokio::test]
async fn forged_revoked_and_expired_links_open_nothing() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let owner = t.scope(store.owner, store.tenant).await;
    let invitation = team::invite(&t.db, &owner, "x@example.test", Role::Viewer).await.unwrap();
    let (prefix, _) = invitation.token.rsplit_once('.').unwrap();
    for forged in [format!("{prefix}.{}", "0".repeat(64)), "1.2".into(), "nonsense".into(), String::new()] {
        assert_eq!(team::open_invitation(&t.db, &forged).await.unwrap(), Err(LinkNotValid), "{forged}");
    }
    // Inviting the same email again replaces the first link.
    let again = team::invite(&t.db, &owner, "x@example.test", Role::Viewer).await.unwrap();
    assert_eq!(team::open_invitation(&t.db, &invitation.token).await.unwrap(), Err(LinkNotValid));
    team::revoke(&t.db, &owner, again.id).await.unwrap();
    assert_eq!(team::open_invitation(&t.db, &again.token).await.unwrap(), Err(LinkNotValid));

    let late = team::invite(&t.db, &owner, "late@example.test", Role::Viewer).await.unwrap();
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(late.id)
        .execute(&t.owner)
        .await
        .unwrap();
    assert_eq!(team::open_invitation(&t.db, &late.token).await.unwrap(), Err(LinkNotValid));
}

#[tokio::test]
async fn an_existing_account_joins_and_keeps_its_other_stores() {
    let t = TestDb::new().await;
    let alpha = t.store("Alpha").await;
    let bravo = t.store("Bravo").await;
    let owner = t.scope(alpha.owner, alpha.tenant).await;
    let bravo_owner_email: String = sqlx::query_scalar("SELECT email FROM accounts WHERE id = $1")
        .bind(bravo.owner)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let invitation = team::invite(&t.db, &owner, &bravo_owner_email, Role::Admin).await.unwrap();
    let open = team::open_invitation(&t.db, &invitation.token).await.unwrap().unwrap();
    assert_eq!(open.account, Some(bravo.owner));
    team::accept(&t.db, &open, Joiner::Existing(bravo.owner)).await.unwrap();
    let stores = domain::accounts::memberships(&t.db, bravo.owner).await.unwrap();
    assert_eq!(
        stores.iter().map(|s| (s.store_name.as_str(), s.role)).collect::<Vec<_>>(),
        [("Alpha", Role::Admin), ("Bravo", Role::Owner)]
    );
    // Already a member: no second invitation.
    let refused = team::invite(&t.db, &owner, &bravo_owner_email, Role::Viewer).await.unwrap_err();
    assert!(matches!(refused, Error::Fields(_)), "{refused:?}");
}

#[tokio::test]
async fn the_last_owner_cannot_be_removed_or_demoted_and_only_owners_make_owners() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let owner = t.scope(store.owner, store.tenant).await;
    let admin_email = unique_email("admin");
    let admin = member(&t, &owner, &admin_email, Role::Admin).await;
    let viewer = member(&t, &owner, &unique_email("viewer"), Role::Viewer).await;

    let demote = team::change_role(&t.db, &owner, store.owner, Role::Admin).await.unwrap_err();
    assert!(demote.to_string().contains("at least one owner"), "{demote}");
    let remove = team::remove(&t.db, &owner, store.owner).await.unwrap_err();
    assert!(remove.to_string().contains("at least one owner"), "{remove}");

    assert!(
        team::change_role(&t.db, &admin, viewer.account_id(), Role::Owner).await.is_err(),
        "admin makes an owner"
    );
    assert!(team::remove(&t.db, &admin, store.owner).await.is_err(), "admin removes an owner");
    assert!(
        team::invite(&t.db, &admin, "boss@example.test", Role::Owner).await.is_err(),
        "admin invites an owner"
    );
    assert!(matches!(
        team::change_role(&t.db, &viewer, viewer.account_id(), Role::Admin).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        team::invite(&t.db, &viewer, "a@example.test", Role::Viewer).await,
        Err(Error::Forbidden)
    ));

    team::change_role(&t.db, &admin, viewer.account_id(), Role::Member).await.unwrap();
    team::change_role(&t.db, &owner, admin.account_id(), Role::Owner).await.unwrap();
    // Now two owners: the first may step down.
    team::change_role(&t.db, &owner, store.owner, Role::Member).await.unwrap();
    let roles: Vec<(String, String)> =
        team::members(&t.db, &admin).await.unwrap().into_iter().map(|m| (m.email, m.role)).collect();
    assert_eq!(roles[0], (admin_email, "owner".to_owned()));
    team::remove(&t.db, &admin, viewer.account_id()).await.unwrap();
    assert!(TenantScope::for_member(&t.db, viewer.account_id(), store.tenant).await.is_err(), "removed");

    let other = t.store("Bravo").await;
    let other = t.scope(other.owner, other.tenant).await;
    assert!(matches!(team::remove(&t.db, &other, admin.account_id()).await, Err(Error::NotFound)));
    assert!(matches!(
        team::change_role(&t.db, &other, admin.account_id(), Role::Viewer).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn staff_addresses_are_not_invited_and_cannot_accept_an_earlier_invitation() {
    use domain::staff::{self, StaffRole};

    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let owner = t.scope(store.owner, store.tenant).await;
    let (_, staff_email) = t.staff(StaffRole::Support).await;
    let refused = team::invite(&t.db, &owner, &staff_email, Role::Viewer).await;
    assert!(
        matches!(&refused, Err(Error::Fields(f)) if f.iter().any(|(field, _)| field == "email")),
        "{refused:?}"
    );

    // Invited first, made staff afterwards: the invitation no longer lets them in.
    let email = unique_email("later-staff");
    let invitation = team::invite(&t.db, &owner, &email, Role::Viewer).await.unwrap();
    let parsed = Email::parse(&email).unwrap();
    staff::create(&t.owner, &parsed, StaffRole::Support, Some(&new_password(&email))).await.unwrap();
    let open = team::open_invitation(&t.db, &invitation.token).await.unwrap().unwrap();
    let account = open.account.expect("the staff account");
    let accepted = team::accept(&t.db, &open, Joiner::Existing(account)).await;
    assert!(matches!(accepted, Err(Error::Conflict(_))), "{accepted:?}");
    assert!(domain::accounts::memberships(&t.db, account).await.unwrap().is_empty());
}

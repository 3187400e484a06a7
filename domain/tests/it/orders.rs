//! Listing and reading orders, confined to the caller's store.

use chrono::{Days, Utc};
use domain::orders::{change_status, detail, list, OrderFilter, OrderStatus, PAGE_SIZE};
use domain::testing::TestDb;
use domain::{Error, Role};

#[tokio::test]
async fn orders_are_listed_newest_first_25_a_page() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    let ids = t.add_orders(a.tenant, 30, &["paid"]).await;
    let scope = t.scope(a.owner, a.tenant).await;

    let first = list(&t.db, &scope, &OrderFilter::default(), 1).await.unwrap();
    assert_eq!((first.matching, first.pages, first.page), (30, 2, 1));
    assert_eq!(first.orders.len() as i64, PAGE_SIZE);
    assert_eq!(first.orders.iter().map(|o| o.id).collect::<Vec<_>>(), ids[..25]);
    assert_eq!(first.orders[0].customer_name, "Ada Okafor");
    assert_eq!(first.currency, "USD");

    let second = list(&t.db, &scope, &OrderFilter::default(), 2).await.unwrap();
    assert_eq!(second.orders.iter().map(|o| o.id).collect::<Vec<_>>(), ids[25..]);
    // Past the end: the last page.
    assert_eq!(list(&t.db, &scope, &OrderFilter::default(), 99).await.unwrap().page, 2);
}

#[tokio::test]
async fn orders_are_filtered_by_status_and_dates() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    // Orders every hour for 60 hours, alternating paid and shipped.
    t.add_orders(a.tenant, 60, &["paid", "shipped"]).await;
    let scope = t.scope(a.owner, a.tenant).await;

    let shipped = OrderFilter::new(Some(OrderStatus::Shipped), None, None).unwrap();
    let page = list(&t.db, &scope, &shipped, 1).await.unwrap();
    assert_eq!(page.matching, 30);
    assert!(page.orders.iter().all(|o| o.status == "shipped"));

    let today = Utc::now().date_naive();
    let only_today = OrderFilter::new(None, Some(today), Some(today)).unwrap();
    let page = list(&t.db, &scope, &only_today, 1).await.unwrap();
    assert!(page.orders.iter().all(|o| o.created_at.date_naive() == today));
    let before_today = OrderFilter::new(None, None, today.checked_sub_days(Days::new(1))).unwrap();
    let earlier = list(&t.db, &scope, &before_today, 1).await.unwrap();
    assert_eq!(page.matching + earlier.matching, 60);

    let nothing = OrderFilter::new(Some(OrderStatus::Refunded), None, None).unwrap();
    let empty = list(&t.db, &scope, &nothing, 1).await.unwrap();
    assert_eq!((empty.matching, empty.pages, empty.orders.len()), (0, 1, 0));
}

#[tokio::test]
async fn an_order_shows_its_lines_and_other_stores_orders_are_not_found() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    let b = t.store("Bravo").await;
    let a_order = t.add_orders(a.tenant, 1, &["paid"]).await[0];
    let b_order = t.add_orders(b.tenant, 1, &["paid"]).await[0];
    let scope = t.scope(a.owner, a.tenant).await;

    let order = detail(&t.db, &scope, a_order).await.unwrap();
    assert_eq!(order.total_cents, 1750);
    assert_eq!(order.lines.len(), 2);
    let sum: i64 = order.lines.iter().map(|l| i64::from(l.quantity) * l.unit_price_cents).sum();
    assert_eq!(sum, order.total_cents);

    assert!(matches!(detail(&t.db, &scope, b_order).await, Err(Error::NotFound)));
    let listed = list(&t.db, &scope, &OrderFilter::default(), 1).await.unwrap();
    assert_eq!(listed.orders.iter().map(|o| o.id).collect::<Vec<_>>(), vec![a_order]);
}

#[tokio::test]
async fn status_changes_follow_the_allowed_transitions() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    let order = t.add_orders(a.tenant, 1, &["pending"]).await[0];
    let scope = t.scope(a.owner, a.tenant).await;

    assert_eq!(change_status(&t.db, &scope, order, OrderStatus::Paid).await.unwrap(), OrderStatus::Pending);
    assert_eq!(change_status(&t.db, &scope, order, OrderStatus::Shipped).await.unwrap(), OrderStatus::Paid);
    let refused = change_status(&t.db, &scope, order, OrderStatus::Cancelled).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Conflict(m) if m == "A shipped order cannot be marked cancelled."),
        "{refused:?}"
    );
    assert_eq!(detail(&t.db, &scope, order).await.unwrap().status, "shipped");
}

#[tokio::test]
async fn every_role_but_viewer_may_change_an_order() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    for (role, allowed) in
        [(Role::Owner, true), (Role::Admin, true), (Role::Member, true), (Role::Viewer, false)]
    {
        let person =
            t.account(&format!("{}-{}@example.test", role, uuid::Uuid::new_v4()), "irrelevant").await;
        if role != Role::Owner {
            t.add_member(a.tenant, person, role).await;
        }
        let scope = if role == Role::Owner {
            t.scope(a.owner, a.tenant).await
        } else {
            t.scope(person, a.tenant).await
        };
        let order = t.add_orders(a.tenant, 1, &["pending"]).await[0];
        let result = change_status(&t.db, &scope, order, OrderStatus::Paid).await;
        assert_eq!(result.is_ok(), allowed, "{role}: {result:?}");
        if !allowed {
            assert!(matches!(result, Err(Error::Forbidden)));
        }
        let expected = if allowed { "paid" } else { "pending" };
        assert_eq!(detail(&t.db, &scope, order).await.unwrap().status, expected, "{role}");
    }
}

#[tokio::test]
async fn another_stores_order_cannot_be_changed() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    let b = t.store("Bravo").await;
    let b_order = t.add_orders(b.tenant, 1, &["pending"]).await[0];
    let scope = t.scope(a.owner, a.tenant).await;
    assert!(matches!(change_status(&t.db, &scope, b_order, OrderStatus::Paid).await, Err(Error::NotFound)));
    let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(b_order)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(status, "pending");
}

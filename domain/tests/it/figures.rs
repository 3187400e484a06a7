//! The dashboard figures against a real database.

use domain::figures::{store_overview, Period};
use domain::testing::TestDb;

#[tokio::test]
async fn the_dashboard_adds_up_and_covers_every_day() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    // 60 orders, one an hour: paid, shipped, cancelled in turn; each 17.50 (2 × 5.00 + 7.50).
    t.add_orders(a.tenant, 60, &["paid", "shipped", "cancelled"]).await;
    let scope = t.scope(a.owner, a.tenant).await;

    let o = store_overview(&t.db, &scope, Period::Last7Days).await.unwrap();
    assert_eq!(o.orders, 60);
    assert_eq!(o.revenue_cents, 40 * 1750, "cancelled orders count as no revenue");
    assert_eq!(o.revenue_per_day.len(), 7);
    assert_eq!(o.revenue_per_day.iter().map(|d| d.revenue_cents).sum::<i64>(), o.revenue_cents);
    assert!(o.revenue_per_day.windows(2).all(|w| w[0].day < w[1].day));
    assert_eq!(o.top_products.len(), 2);
    assert_eq!(o.top_products[0].name, "Linen Tote");
    assert_eq!((o.top_products[0].units, o.top_products[0].revenue_cents), (80, 80 * 500));
    assert_eq!(o.recent_orders.len(), 10);
    assert!(o.recent_orders.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    assert_eq!((o.active_products, o.customers), (2, 1));
}

#[tokio::test]
async fn a_new_store_has_empty_figures() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    let scope = t.scope(a.owner, a.tenant).await;
    let o = store_overview(&t.db, &scope, Period::Last30Days).await.unwrap();
    assert_eq!((o.orders, o.revenue_cents), (0, 0));
    assert_eq!(o.revenue_per_day.len(), 30);
    assert!(o.top_products.is_empty() && o.recent_orders.is_empty());
}

#[tokio::test]
async fn days_are_the_stores_own_calendar_days() {
    let t = TestDb::new().await;
    let a = t.store("Alpha").await;
    sqlx::query("UPDATE tenants SET time_zone = 'Pacific/Kiritimati' WHERE id = $1")
        .bind(a.tenant)
        .execute(&t.owner)
        .await
        .unwrap();
    let scope = t.scope(a.owner, a.tenant).await;
    let o = store_overview(&t.db, &scope, Period::Last7Days).await.unwrap();
    let today_there: chrono::NaiveDate =
        sqlx::query_scalar("SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date")
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(o.time_zone, "Pacific/Kiritimati");
    assert_eq!(o.revenue_per_day.last().unwrap().day, today_there);
}

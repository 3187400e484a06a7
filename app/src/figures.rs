//! The live figures on a store's home page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The period the figures cover, as chosen on the page (`?period=7|30|90`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    Last7Days,
    #[default]
    Last30Days,
    Last90Days,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Last7Days, Period::Last30Days, Period::Last90Days];

    pub fn query_value(self) -> &'static str {
        match self {
            Period::Last7Days => "7",
            Period::Last30Days => "30",
            Period::Last90Days => "90",
        }
    }

    pub fn from_query_value(value: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.query_value() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Period::Last7Days => "Last 7 days",
            Period::Last30Days => "Last 30 days",
            Period::Last90Days => "Last 90 days",
        }
    }
}

#[cfg(feature = "ssr")]
impl From<Period> for domain::figures::Period {
    fn from(period: Period) -> Self {
        match period {
            Period::Last7Days => domain::figures::Period::Last7Days,
            Period::Last30Days => domain::figures::Period::Last30Days,
            Period::Last90Days => domain::figures::Period::Last90Days,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRevenue {
    pub day: chrono::NaiveDate,
    pub revenue_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopProduct {
    pub name: String,
    pub units: i64,
    pub revenue_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOverview {
    pub store_name: String,
    pub currency: String,
    pub time_zone: String,
    pub period: Period,
    pub orders: i64,
    pub revenue_cents: i64,
    pub revenue_per_day: Vec<DayRevenue>,
    pub top_products: Vec<TopProduct>,
    pub recent_orders: Vec<crate::orders::OrderSummary>,
    pub active_products: i64,
    pub customers: i64,
}

/// The signed-in store's dashboard for `period`.
#[server(endpoint = "store_overview")]
pub async fn get_store_overview(period: Period) -> Result<StoreOverview, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let o = domain::figures::store_overview(&state.db, &scope, period.into()).await?;
    Ok(StoreOverview {
        store_name: o.store_name,
        currency: o.currency,
        time_zone: o.time_zone,
        period,
        orders: o.orders,
        revenue_cents: o.revenue_cents,
        revenue_per_day: o
            .revenue_per_day
            .into_iter()
            .map(|d| DayRevenue { day: d.day, revenue_cents: d.revenue_cents })
            .collect(),
        top_products: o
            .top_products
            .into_iter()
            .map(|p| TopProduct { name: p.name, units: p.units, revenue_cents: p.revenue_cents })
            .collect(),
        recent_orders: o.recent_orders.into_iter().map(crate::orders::OrderSummary::from).collect(),
        active_products: o.active_products,
        customers: o.customers,
    })
}

//! The counter's figures for one Beijing day (今日核销): how many vouchers this cashier
//! and the whole shop redeemed, and their face value, for the mini-program's home tab.

use chrono::NaiveDate;
use entity::enums::VoucherStatus;
use jobs::clock::beijing_day_start;
use jobs::database::{sql_str, stmt};
use sea_orm::FromQueryResult;

use crate::auth::StaffPrincipal;
use crate::error::ApiResult;
use crate::state::AppState;

/// Count and face value (fen) of redemptions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub count: i64,
    pub amount_fen: i64,
}

/// One day's figures: this staff account's and the merchant's.
#[derive(Debug)]
pub struct DaySummary {
    pub date: NaiveDate,
    pub mine: Figures,
    pub shop: Figures,
}

/// Figures of `date` (Beijing), by default today as the server's clock says.
pub async fn of_day(
    state: &AppState,
    me: &StaffPrincipal,
    date: Option<NaiveDate>,
) -> ApiResult<DaySummary> {
    let date = date.unwrap_or_else(|| state.clock.today());
    let start = beijing_day_start(date);
    let end = beijing_day_start(date + chrono::Duration::days(1));
    #[derive(FromQueryResult)]
    struct Row {
        shop_count: i64,
        shop_amount: i64,
        mine_count: i64,
        mine_amount: i64,
    }
    // One pass over the merchant's redemptions of the day (index on
    // redeemed_by_merchant_id, redeemed_at); the cashier's share is a CASE.
    let row = Row::find_by_statement(stmt(
        state.db.get_database_backend(),
        &format!(
        "SELECT COUNT(*) AS shop_count, \
         CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS shop_amount, \
         CAST(COALESCE(SUM(CASE WHEN redeemed_by_staff_id = $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS mine_count, \
         CAST(COALESCE(SUM(CASE WHEN redeemed_by_staff_id = $4 THEN amount_fen ELSE 0 END), 0) AS BIGINT) AS mine_amount \
         FROM vouchers WHERE redeemed_by_merchant_id = $1 AND status = {} \
         AND redeemed_at >= $2 AND redeemed_at < $3",
            sql_str(VoucherStatus::Redeemed)
        ),
        vec![
            me.merchant_id.into(),
            start.into(),
            end.into(),
            me.staff_id.into(),
        ],
    ))
    .one(&state.db)
    .await?;
    let (shop, mine) = row.map_or_else(Default::default, |r| {
        (
            Figures {
                count: r.shop_count,
                amount_fen: r.shop_amount,
            },
            Figures {
                count: r.mine_count,
                amount_fen: r.mine_amount,
            },
        )
    });
    Ok(DaySummary { date, mine, shop })
}

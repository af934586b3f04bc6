//! Expiry reminders (卡券到期提醒): one SMS per unused voucher, `REMINDER_DAYS_BEFORE`
//! days before its window ends, through the SMS gateway (`SMS_GATEWAY_URL`) with purpose
//! `voucher_expiry` and `{voucher_code_tail, coupon_name, valid_to}` besides the phone.
//!
//! - Never twice for one voucher: before sending, a run claims the voucher by inserting
//!   its `voucher_reminders` row (primary key: the voucher); only the run whose insert
//!   went in sends, so two runners (two worker processes, or a run repeated) never both
//!   do. A send that fails gives its row back, and a later run tries again.
//! - Not between 21:00 and 08:00 Beijing time: a run in the quiet hours sends nothing;
//!   the first run after 08:00 sends what is due (postponed, not dropped), as long as
//!   the voucher is still unused and valid.
//! - Not to members who switched reminders off (`app_accounts.expiry_reminders`).
//! - Nothing without a gateway.

use chrono::{DateTime, Duration, Timelike, Utc};
use entity::value::voucher_code::VISIBLE_TAIL;
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::clock::beijing;
use crate::database::stmt;
use crate::sms_gateway::{SmsError, SmsGateway};
use crate::workers::JobContext;

/// The gateway purpose of an expiry reminder.
pub const PURPOSE: &str = "voucher_expiry";
/// Vouchers looked at per query.
const BATCH: i64 = 200;
/// Beijing hours in which no reminder is sent: from 21:00 to 08:00.
const QUIET_FROM: u32 = 21;
const QUIET_UNTIL: u32 = 8;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reminded {
    pub sent: u64,
    pub failed: u64,
    /// The run fell in the quiet hours and sent nothing.
    pub quiet: bool,
}

/// Whether `now` falls in the quiet hours (21:00–08:00 Beijing time).
pub fn quiet(now: DateTime<Utc>) -> bool {
    let hour = now.with_timezone(&beijing()).hour();
    !(QUIET_UNTIL..QUIET_FROM).contains(&hour)
}

#[derive(Debug, FromQueryResult)]
struct Due {
    id: i64,
    member_id: i64,
    code: String,
    valid_to: DateTime<Utc>,
    coupon_name: String,
    phone: String,
}

/// One run: sends the reminders due now.
#[tracing::instrument(skip(ctx), fields(worker = %ctx.worker_name))]
pub async fn run(ctx: &JobContext) -> Result<Reminded, sea_orm::DbErr> {
    let mut done = Reminded::default();
    let Some(url) = ctx.settings.sms_gateway() else {
        return Ok(done);
    };
    let now = ctx.clock.now();
    if quiet(now) {
        done.quiet = true;
        return Ok(done);
    }
    let gateway = SmsGateway::new(url.to_owned())
        .map_err(|e| sea_orm::DbErr::Custom(format!("SMS client: {e}")))?;
    let backend = ctx.db.get_database_backend();
    let due_by = now + Duration::days(ctx.settings.reminder_days_before);
    // Vouchers with an id above `after`: a failed send leaves its voucher due, and the
    // walk must not pick it again in this run.
    let select = "SELECT v.id, v.member_id, v.code, v.valid_to, c.title AS coupon_name, m.phone \
         FROM vouchers v JOIN coupons c ON c.id = v.coupon_id \
         JOIN members m ON m.id = v.member_id \
         WHERE v.status = 'unused' AND v.valid_to > $1 AND v.valid_to <= $2 AND v.id > $3 \
         AND NOT EXISTS (SELECT 1 FROM voucher_reminders r WHERE r.voucher_id = v.id) \
         AND NOT EXISTS (SELECT 1 FROM app_accounts a \
           WHERE a.member_id = v.member_id AND a.expiry_reminders = FALSE) \
         ORDER BY v.id LIMIT $4";
    let claim = "INSERT INTO voucher_reminders (voucher_id, member_id, sent_at) \
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let give_back = "DELETE FROM voucher_reminders WHERE voucher_id = $1";
    let mut after = 0i64;
    loop {
        let due = Due::find_by_statement(stmt(
            backend,
            select,
            vec![now.into(), due_by.into(), after.into(), BATCH.into()],
        ))
        .all(&ctx.db)
        .await?;
        let Some(last) = due.last() else { break };
        after = last.id;
        for v in due {
            let claimed = ctx
                .db
                .execute_raw(stmt(
                    backend,
                    claim,
                    vec![v.id.into(), v.member_id.into(), now.into()],
                ))
                .await?
                .rows_affected();
            if claimed != 1 {
                continue; // another runner has it
            }
            match send(&gateway, &v).await {
                Ok(()) => done.sent += 1,
                Err(e) => {
                    tracing::warn!(voucher_id = v.id, error = %e, "expiry reminder not sent");
                    ctx.db
                        .execute_raw(stmt(backend, give_back, vec![v.id.into()]))
                        .await?;
                    done.failed += 1;
                }
            }
        }
    }
    if done.sent + done.failed > 0 {
        tracing::info!(sent = done.sent, failed = done.failed, "expiry reminders");
    }
    Ok(done)
}

/// The reminder's message; the error's text never holds the phone number or the code.
async fn send(gateway: &SmsGateway, v: &Due) -> Result<(), SmsError> {
    let tail: String = {
        let chars: Vec<char> = v.code.chars().collect();
        chars[chars.len().saturating_sub(VISIBLE_TAIL)..]
            .iter()
            .collect()
    };
    gateway
        .post(&serde_json::json!({
            "phone": v.phone,
            "purpose": PURPOSE,
            // Gateways that expect a `code` get the tail too.
            "code": tail,
            "voucher_code_tail": tail,
            "coupon_name": v.coupon_name,
            "valid_to": v.valid_to.with_timezone(&beijing()).to_rfc3339(),
        }))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_quiet_hours_run_from_21_to_8_beijing_time() {
        assert!(quiet(at("2026-12-03T21:00:00+08:00")));
        assert!(quiet(at("2026-12-04T07:59:59+08:00")));
        assert!(!quiet(at("2026-12-04T08:00:00+08:00")));
        assert!(!quiet(at("2026-12-04T20:59:59+08:00")));
    }
}

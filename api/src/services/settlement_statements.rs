//! Settlement statements (结算单): what a paying union owes one merchant for a period.
//!
//! Covered vouchers: redeemed by the merchant within the period (Beijing dates, both
//! inclusive) and belonging to activities published by the statement's organisation.
//! A granted merchant's redemptions of another merchant's coupon are its own to settle.
//!
//! A draft shows live figures, also while its period is running. Confirming (结算确认)
//! waits until the period's last Beijing date is over (409 `PERIOD_NOT_ENDED` before):
//! vouchers redeemed later that day could otherwise never be settled, since every
//! statement covering them would overlap the confirmed one. Confirming is one
//! transaction: a conditional update draft → confirmed, then every covered voucher
//! copied into `settlement_statement_lines` with one `INSERT … SELECT`. The lines'
//! unique `voucher_id` settles each voucher at most once, so of two statements covering
//! the same voucher only the first confirmation succeeds and the other is refused with
//! 409 `ALREADY_SETTLED`, even when both are confirmed at the same moment. Once
//! confirmed, a statement is read from its lines and its stored names only: later
//! redemptions, renamed merchants or edited coupons do not change it. Face values are
//! the vouchers' own (as issued), in drafts as in the snapshot.
//!
//! Who: the statement's organisation is the creator's own; its admins create, confirm
//! and delete drafts; admins above it may read and export (oversight) but not change
//! (403 `NOT_OWNER`); anyone else gets 404.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::enums::SettlementStatus;
use entity::{merchant, organisation, settlement_statement as statement};
use jobs::clock::beijing_day_start;
use jobs::database::stmt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::paging::PageRequest;
use crate::scope::require_owner;
use crate::services::{audit, merchants};
use crate::state::AppState;

/// The vouchers a statement covers; `$1` organisation, `$2` merchant, `$3`..`$4` the
/// period as instants (start inclusive, end exclusive).
const COVERED_FROM: &str = "FROM vouchers v JOIN activities a ON a.id = v.activity_id \
     JOIN coupons c ON c.id = v.coupon_id \
     LEFT JOIN merchant_staff st ON st.id = v.redeemed_by_staff_id";
const COVERED_WHERE: &str = "WHERE a.org_id = $1 AND v.redeemed_by_merchant_id = $2 \
     AND v.status = 'redeemed' AND v.redeemed_at >= $3 AND v.redeemed_at < $4";
const LINE_COLUMNS: &str = "v.id AS voucher_id, v.activity_id, a.title AS activity_title, \
     v.code, v.coupon_id, c.title AS coupon_title, v.amount_fen AS face_value_fen, \
     v.redeemed_at, st.name AS staff_name, v.holder_name_masked AS member_name_masked, \
     v.holder_phone_masked AS member_phone_masked";

/// A new statement as the client asks for it.
#[derive(Clone, Debug)]
pub struct NewStatement {
    pub merchant_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Redeemed vouchers of one coupon at one face value.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct CouponFigure {
    pub coupon_id: i64,
    pub coupon_title: String,
    pub face_value_fen: i64,
    pub voucher_count: i64,
}

impl CouponFigure {
    pub fn amount_fen(&self) -> i64 {
        self.voucher_count * self.face_value_fen
    }
}

/// A statement's figures: live for a draft, the snapshot once confirmed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub by_coupon: Vec<CouponFigure>,
    pub voucher_count: i64,
    pub amount_fen: i64,
    /// Vouchers of the period already on a confirmed statement (drafts only): confirming
    /// this draft would be refused while there are any.
    pub already_settled: i64,
}

impl Figures {
    fn of(by_coupon: Vec<CouponFigure>) -> Self {
        Self {
            voucher_count: by_coupon.iter().map(|c| c.voucher_count).sum(),
            amount_fen: by_coupon.iter().map(CouponFigure::amount_fen).sum(),
            by_coupon,
            already_settled: 0,
        }
    }
}

/// One settled (or, in a draft, settleable) voucher.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Line {
    pub voucher_id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub code: String,
    pub coupon_id: i64,
    pub coupon_title: String,
    pub face_value_fen: i64,
    pub redeemed_at: DateTime<Utc>,
    pub staff_name: Option<String>,
    pub member_name_masked: Option<String>,
    pub member_phone_masked: Option<String>,
}

/// A statement with its figures.
#[derive(Clone, Debug)]
pub struct View {
    pub statement: statement::Model,
    pub figures: Figures,
    /// Whether the period is over (Beijing date): until then more redemptions may fall in it.
    pub period_ended: bool,
}

#[derive(Debug, Default)]
pub struct StatementFilter {
    pub status: Option<SettlementStatus>,
    pub merchant_id: Option<i64>,
}

fn period(s: &statement::Model) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        beijing_day_start(s.period_from),
        beijing_day_start(s.period_to + Days::new(1)),
    )
}

fn covered_values(s: &statement::Model) -> Vec<sea_orm::Value> {
    let (start, end) = period(s);
    vec![
        s.org_id.into(),
        s.merchant_id.into(),
        start.into(),
        end.into(),
    ]
}

/// A statement of an organisation in the caller's scope, or 404.
async fn visible<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<statement::Model> {
    statement::Entity::find_by_id(id)
        .filter(me.scope.filter(statement::Column::OrgId))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("结算单"))
}

/// A merchant the caller's organisation may settle with: one in the caller's scope, or
/// one that has redeemed vouchers of the organisation's activities (a merchant of a
/// federation above, for example). Anything else is 404.
async fn payable_merchant(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<merchant::Model> {
    match merchants::visible(&state.db, &me.scope, id).await {
        Err(ApiError::NotFound(_)) => {}
        other => return other,
    }
    let backend = state.db.get_database_backend();
    let served = state
        .db
        .query_one_raw(stmt(
            backend,
            "SELECT v.id FROM vouchers v JOIN activities a ON a.id = v.activity_id \
             WHERE v.redeemed_by_merchant_id = $1 AND a.org_id = $2 LIMIT 1",
            vec![id.into(), me.org_id.into()],
        ))
        .await?
        .is_some();
    if !served {
        return Err(ApiError::NotFound("商家"));
    }
    merchant::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("商家"))
}

/// Creates a draft statement of the caller's organisation.
#[tracing::instrument(skip(state, me), fields(admin_id = me.admin_id))]
pub async fn create(state: &AppState, me: &AdminPrincipal, input: NewStatement) -> ApiResult<View> {
    if input.from > input.to {
        return Err(ApiError::validation(
            "开始日期（from）不能晚于结束日期（to）",
        ));
    }
    let merchant = payable_merchant(state, me, input.merchant_id).await?;
    let org = organisation::Entity::find_by_id(me.org_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("组织"))?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let created = statement::ActiveModel {
        org_id: Set(org.id),
        merchant_id: Set(merchant.id),
        period_from: Set(input.from),
        period_to: Set(input.to),
        status: Set(SettlementStatus::Draft),
        org_name: Set(org.name),
        merchant_name: Set(merchant.name),
        voucher_count: Set(0),
        amount_fen: Set(0),
        created_by: Set(me.admin_id),
        created_by_name: Set(me.username.clone()),
        confirmed_by: Set(None),
        confirmed_by_name: Set(None),
        confirmed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on(
            "create_settlement_statement",
            "settlement_statement",
            created.id,
        )
        .with_detail(serde_json::json!({
            "merchant_id": created.merchant_id,
            "from": created.period_from,
            "to": created.period_to,
        })),
    )
    .await?;
    txn.commit().await?;
    view(state, created).await
}

/// One statement in the caller's scope with its figures.
pub async fn get(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<View> {
    let s = visible(&state.db, me, id).await?;
    view(state, s).await
}

/// Whether the period's last Beijing date is over on `today`.
fn period_ended(s: &statement::Model, today: NaiveDate) -> bool {
    today > s.period_to
}

async fn view(state: &AppState, s: statement::Model) -> ApiResult<View> {
    let figures = figures(&state.db, &s).await?;
    let period_ended = period_ended(&s, state.clock.today());
    Ok(View {
        statement: s,
        figures,
        period_ended,
    })
}

/// Live figures of a draft; the stored snapshot of a confirmed statement.
async fn figures<C: ConnectionTrait>(db: &C, s: &statement::Model) -> ApiResult<Figures> {
    let backend = db.get_database_backend();
    match s.status {
        SettlementStatus::Confirmed => {
            let by_coupon = CouponFigure::find_by_statement(stmt(
                backend,
                "SELECT coupon_id, coupon_title, face_value_fen, COUNT(*) AS voucher_count \
                 FROM settlement_statement_lines WHERE statement_id = $1 \
                 GROUP BY coupon_id, coupon_title, face_value_fen \
                 ORDER BY coupon_id, face_value_fen",
                vec![s.id.into()],
            ))
            .all(db)
            .await?;
            Ok(Figures {
                voucher_count: s.voucher_count,
                amount_fen: s.amount_fen,
                by_coupon,
                already_settled: 0,
            })
        }
        SettlementStatus::Draft => {
            let by_coupon = CouponFigure::find_by_statement(stmt(
                backend,
                &format!(
                    "SELECT v.coupon_id, c.title AS coupon_title, v.amount_fen AS face_value_fen, \
                     COUNT(*) AS voucher_count {COVERED_FROM} {COVERED_WHERE} \
                     GROUP BY v.coupon_id, c.title, v.amount_fen \
                     ORDER BY v.coupon_id, v.amount_fen"
                ),
                covered_values(s),
            ))
            .all(db)
            .await?;
            let mut figures = Figures::of(by_coupon);
            figures.already_settled = already_settled(db, s).await?.values().sum();
            Ok(figures)
        }
    }
}

/// Covered vouchers already on a confirmed statement, by statement id.
async fn already_settled<C: ConnectionTrait>(
    db: &C,
    s: &statement::Model,
) -> ApiResult<BTreeMap<i64, i64>> {
    #[derive(FromQueryResult)]
    struct Settled {
        statement_id: i64,
        n: i64,
    }
    let rows = Settled::find_by_statement(stmt(
        db.get_database_backend(),
        &format!(
            "SELECT l.statement_id, COUNT(*) AS n FROM settlement_statement_lines l \
             WHERE l.voucher_id IN (SELECT v.id {COVERED_FROM} {COVERED_WHERE}) \
             GROUP BY l.statement_id ORDER BY l.statement_id"
        ),
        covered_values(s),
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.statement_id, r.n)).collect())
}

/// The vouchers of a statement in redemption order: live for a draft, the snapshot once
/// confirmed.
pub async fn lines<C: ConnectionTrait>(db: &C, s: &statement::Model) -> ApiResult<Vec<Line>> {
    let backend = db.get_database_backend();
    let query = match s.status {
        SettlementStatus::Confirmed => stmt(
            backend,
            "SELECT voucher_id, activity_id, activity_title, code, coupon_id, coupon_title, \
             face_value_fen, redeemed_at, staff_name, member_name_masked, member_phone_masked \
             FROM settlement_statement_lines WHERE statement_id = $1 \
             ORDER BY redeemed_at, voucher_id",
            vec![s.id.into()],
        ),
        SettlementStatus::Draft => stmt(
            backend,
            &format!(
                "SELECT {LINE_COLUMNS} {COVERED_FROM} {COVERED_WHERE} ORDER BY v.redeemed_at, v.id"
            ),
            covered_values(s),
        ),
    };
    Ok(Line::find_by_statement(query).all(db).await?)
}

/// Statements of the caller's organisation and those below, newest first.
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: StatementFilter,
    page: PageRequest,
) -> ApiResult<(Vec<View>, u64)> {
    let mut query = statement::Entity::find()
        .filter(me.scope.filter(statement::Column::OrgId))
        .order_by_desc(statement::Column::Id);
    if let Some(status) = filter.status {
        query = query.filter(statement::Column::Status.eq(status));
    }
    if let Some(m) = filter.merchant_id {
        query = query.filter(statement::Column::MerchantId.eq(m));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let mut items = Vec::new();
    for s in paginator.fetch_page(page.page - 1).await? {
        items.push(view(state, s).await?);
    }
    Ok((items, total))
}

fn already_confirmed() -> ApiError {
    ApiError::conflict(
        ErrorCode::AlreadyConfirmed,
        "结算单已确认，不能重复确认或修改",
    )
}

/// 结算确认: freezes the statement with a snapshot of its vouchers, in one transaction.
#[tracing::instrument(skip(state, me), fields(admin_id = me.admin_id))]
pub async fn confirm(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<View> {
    let current = confirmable(state, me, id).await?;
    let names = current_names(state, &current).await?;
    let now = state.clock.now();

    // The first statement is a write, so on SQLite the transaction takes the write lock
    // before it reads anything, and concurrent confirmations queue instead of failing.
    let txn = state.db.begin().await?;
    if !mark_confirmed(&txn, me, &current, names, now).await? {
        drop(txn);
        // Confirmed or deleted by someone else meanwhile.
        visible(&state.db, me, id).await?;
        return Err(already_confirmed());
    }
    let settled = already_settled(&txn, &current).await?;
    if !settled.is_empty() {
        return Err(settled_elsewhere(&settled));
    }
    if freeze_lines(&txn, &current).await? == 0 {
        return Err(ApiError::conflict(
            ErrorCode::NothingToSettle,
            "该结算期间内没有该商家核销的本工会活动券，无需确认",
        ));
    }
    let (count, amount) = record_totals(&txn, current.id).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on(
            "confirm_settlement_statement",
            "settlement_statement",
            current.id,
        )
        .with_detail(serde_json::json!({
            "voucher_count": count,
            "amount_fen": amount,
        })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        statement_id = current.id,
        vouchers = count,
        "settlement statement confirmed"
    );
    get(state, me, id).await
}

/// The statement, when this admin may confirm it now: the owner's, still a draft, its
/// period ended.
async fn confirmable(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<statement::Model> {
    let current = visible(&state.db, me, id).await?;
    require_owner(current.org_id, me.org_id)?;
    if current.status == SettlementStatus::Confirmed {
        return Err(already_confirmed());
    }
    if !period_ended(&current, state.clock.today()) {
        return Err(period_not_ended(&current));
    }
    Ok(current)
}

/// The merchant's and the organisation's names as they are now (frozen on
/// confirmation); the statement's copies when either is gone.
async fn current_names(
    state: &AppState,
    current: &statement::Model,
) -> ApiResult<(String, String)> {
    let merchant_name = merchant::Entity::find_by_id(current.merchant_id)
        .one(&state.db)
        .await?
        .map_or_else(|| current.merchant_name.clone(), |m| m.name);
    let org_name = organisation::Entity::find_by_id(current.org_id)
        .one(&state.db)
        .await?
        .map_or_else(|| current.org_name.clone(), |o| o.name);
    Ok((merchant_name, org_name))
}

/// Draft to confirmed, by this admin, with the names frozen; `false` when the
/// statement was no longer a draft.
async fn mark_confirmed(
    txn: &DatabaseTransaction,
    me: &AdminPrincipal,
    current: &statement::Model,
    (merchant_name, org_name): (String, String),
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let taken = statement::Entity::update_many()
        .col_expr(
            statement::Column::Status,
            Expr::value(SettlementStatus::Confirmed),
        )
        .col_expr(statement::Column::ConfirmedBy, Expr::value(me.admin_id))
        .col_expr(
            statement::Column::ConfirmedByName,
            Expr::value(me.username.clone()),
        )
        .col_expr(statement::Column::ConfirmedAt, Expr::value(now))
        .col_expr(statement::Column::MerchantName, Expr::value(merchant_name))
        .col_expr(statement::Column::OrgName, Expr::value(org_name))
        .col_expr(statement::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            statement::Column::Version,
            Expr::col(statement::Column::Version).add(1),
        )
        .filter(statement::Column::Id.eq(current.id))
        .filter(statement::Column::Status.eq(SettlementStatus::Draft))
        .exec(txn)
        .await?;
    Ok(taken.rows_affected > 0)
}

/// The snapshot of the vouchers the statement covers, one line each; how many.
async fn freeze_lines(txn: &DatabaseTransaction, current: &statement::Model) -> ApiResult<u64> {
    Ok(txn
        .execute_raw(stmt(
            txn.get_database_backend(),
            &format!(
                "INSERT INTO settlement_statement_lines (statement_id, voucher_id, activity_id, \
                 activity_title, code, coupon_id, coupon_title, face_value_fen, redeemed_at, \
                 staff_name, member_name_masked, member_phone_masked) \
                 SELECT $5, {LINE_COLUMNS} {COVERED_FROM} {COVERED_WHERE} ORDER BY v.redeemed_at, v.id"
            ),
            [covered_values(current), vec![current.id.into()]].concat(),
        ))
        .await
        .map_err(|e| {
            ApiError::on_unique(
                e,
                ErrorCode::AlreadySettled,
                "部分券已被同时确认的其他结算单结算，不能重复结算；请刷新后调整结算期间",
            )
        })?
        .rows_affected())
}

/// Writes the count and face-value total of the statement's lines onto it; both.
async fn record_totals(txn: &DatabaseTransaction, statement_id: i64) -> ApiResult<(i64, i64)> {
    #[derive(FromQueryResult)]
    struct Totals {
        n: i64,
        amount: i64,
    }
    let totals = Totals::find_by_statement(stmt(
        txn.get_database_backend(),
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(face_value_fen), 0) AS BIGINT) AS amount \
         FROM settlement_statement_lines WHERE statement_id = $1",
        vec![statement_id.into()],
    ))
    .one(txn)
    .await?
    .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("statement totals missing")))?;
    statement::Entity::update_many()
        .col_expr(statement::Column::VoucherCount, Expr::value(totals.n))
        .col_expr(statement::Column::AmountFen, Expr::value(totals.amount))
        .filter(statement::Column::Id.eq(statement_id))
        .exec(txn)
        .await?;
    Ok((totals.n, totals.amount))
}

fn period_not_ended(s: &statement::Model) -> ApiError {
    let from = s.period_to + Days::new(1);
    ApiError::Conflict {
        code: ErrorCode::PeriodNotEnded,
        message: format!(
            "结算期间尚未结束（至{}），期间内仍可能有券核销，{}起方可确认结算单",
            s.period_to, from
        ),
        details: Some(serde_json::json!({
            "period_to": s.period_to,
            "confirmable_from": from,
        })),
    }
}

fn settled_elsewhere(settled: &BTreeMap<i64, i64>) -> ApiError {
    let n: i64 = settled.values().sum();
    let ids: Vec<String> = settled.keys().map(|id| format!("#{id}")).collect();
    ApiError::Conflict {
        code: ErrorCode::AlreadySettled,
        message: format!(
            "该期间有{n}张券已在结算单{}中结算，不能重复结算；请调整结算期间",
            ids.join("、")
        ),
        details: Some(serde_json::json!({
            "voucher_count": n,
            "statement_ids": settled.keys().collect::<Vec<_>>(),
        })),
    }
}

/// Deletes a draft (a confirmed statement stays for good).
pub async fn delete(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<()> {
    let current = visible(&state.db, me, id).await?;
    require_owner(current.org_id, me.org_id)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let deleted = statement::Entity::delete_many()
        .filter(statement::Column::Id.eq(current.id))
        .filter(statement::Column::Status.eq(SettlementStatus::Draft))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyConfirmed,
            "已确认的结算单不能删除",
        ));
    }
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on(
            "delete_settlement_statement",
            "settlement_statement",
            current.id,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The statement as an xlsx workbook: its file name and bytes.
pub async fn export(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<(String, Vec<u8>)> {
    use crate::services::settlement_xlsx::{self, Stamp};
    use jobs::settlement::verification;
    let view = get(state, me, id).await?;
    let lines = lines(&state.db, &view.statement).await?;
    let now = state.clock.now();
    let doc = settlement_xlsx::document(&view, now);
    let code = doc.code(&state.cipher.subkey(verification::KEY_PURPOSE));
    let stamp = Stamp {
        doc: &doc,
        code: &code,
        public_base_url: state.settings.core.public_base_url.as_deref(),
    };
    let bytes = settlement_xlsx::build(&view, &lines, now, &stamp)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("settlement statement workbook: {e}")))?;
    verification::record(&state.db, &doc, &code, &bytes).await?;
    Ok((settlement_xlsx::file_name(&view.statement), bytes))
}

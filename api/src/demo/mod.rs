//! `api --demo`: fills an empty database with a demo city through the same services the
//! routes call, so a newcomer opens a living system: 日照市总工会 → two district
//! federations → six grassroots unions with units and about 600 members, half of them
//! certified in the app, pending applications, three merchants with staff, coupons, an
//! open 中秋 activity with claims and redemptions, a birthday-cake activity and a finished
//! (closed) activity.

mod people;

use std::fmt;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use entity::activity_state::ActivityAction;
use entity::enums::{ClaimLimitKind, FilePurpose, MemberStatus, MerchantKind, OrgKind};
use entity::roster::MemberDraft;
use entity::{admin_account, app_account, member, merchant, organisation};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::auth::{AdminPrincipal, StaffPrincipal, password};
use crate::error::ApiError;
use crate::services::{
    activities, admin_auth, certifications, claims, coupons, files, members, merchants, orgs,
    redemptions, sessions, staff_auth, units,
};
use crate::state::AppState;
use people::People;
use secrecy::ExposeSecret;

/// The member app password of every demo member account.
const MEMBER_PASSWORD: &str = "Member2026";

/// The bootstrap admin's one-time password: `BOOTSTRAP_ADMIN_PASSWORD`, or the file the
/// server wrote it to at its first start.
fn bootstrap_password(state: &AppState) -> anyhow::Result<String> {
    if let Some(chosen) = &state.settings.bootstrap_admin_password {
        return Ok(chosen.expose_secret().to_owned());
    }
    let file = state.settings.data_dir.join("initial-admin-password");
    std::fs::read_to_string(&file)
        .map(|p| p.trim().to_owned())
        .with_context(|| {
            format!(
                "reading the bootstrap admin's password from {}",
                file.display()
            )
        })
}

/// What the demo prints: who logs in where, with what.
#[derive(Default)]
pub struct Accounts {
    lines: Vec<(String, String, String)>,
}

impl Accounts {
    fn add(&mut self, role: impl Into<String>, login: impl Into<String>, password: &str) {
        self.lines
            .push((role.into(), login.into(), password.to_owned()));
    }

    /// The one-time password handed out for `login`.
    pub fn password_of(&self, login: &str) -> anyhow::Result<&str> {
        self.lines
            .iter()
            .find(|(_, l, _)| l == login)
            .map(|(_, _, p)| p.as_str())
            .with_context(|| format!("no demo account {login}"))
    }
}

impl fmt::Display for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "演示数据已生成。账号（首次登录须修改初始密码）：")?;
        writeln!(f, "  {:<16} {:<12} 身份", "账号", "密码")?;
        for (role, login, password) in &self.lines {
            writeln!(f, "  {login:<16} {password:<12} {role}")?;
        }
        Ok(())
    }
}

/// Seeds the demo city and returns the accounts to print. Refuses a database that has
/// anything besides the freshly bootstrapped root organisation and its admin.
pub async fn seed(state: &AppState) -> anyhow::Result<Accounts> {
    ensure_empty(state).await?;
    let mut accounts = Accounts::default();
    let root_password = bootstrap_password(state)?;
    let root_name = state
        .settings
        .bootstrap_admin_username
        .trim()
        .to_lowercase();
    accounts.add("日照市总工会（市总）", &root_name, &root_password);
    let city = log_in(state, &root_name, &root_password).await?;

    let mut people = People::new();
    let mut unions = Vec::new();
    for district in DISTRICTS {
        let (fed, fed_admin) = create_org(
            state,
            &city,
            None,
            OrgKind::DistrictFederation,
            district.name,
            district.admin,
            &mut accounts,
        )
        .await?;
        for spec in district.unions {
            let (org, admin) = create_org(
                state,
                &fed_admin,
                Some(fed.id),
                OrgKind::GrassrootsUnion,
                spec.name,
                spec.admin,
                &mut accounts,
            )
            .await?;
            let roster = fill_union(state, &admin, spec, district.region, &mut people).await?;
            unions.push(Union {
                org,
                admin,
                district: fed.id,
                roster,
            });
        }
        tracing::info!(district = district.name, "demo district seeded");
    }
    certify_half(state, &unions).await?;

    // Merchants: a department store of the 东港 federation, a cake shop of the port's
    // union, a supermarket of the 岚山 federation; each with a cashier. An activity's
    // prizes are coupons of its publisher's own merchants.
    let donggang = log_in(state, "donggang", accounts.password_of("donggang")?).await?;
    let lanshan = log_in(state, "lanshan", accounts.password_of("lanshan")?).await?;
    let port = &unions[0];
    let store = create_merchant(
        state,
        &donggang,
        "日照银座商城东港店",
        "孙丽",
        "15806331001",
        "日照市东港区海曲中路 66 号",
        &mut accounts,
    )
    .await?;
    let cake = create_merchant(
        state,
        &port.admin,
        "好利来蛋糕海曲路店",
        "厉晓东",
        "15806331002",
        "日照市东港区海曲东路 21 号",
        &mut accounts,
    )
    .await?;
    let market = create_merchant(
        state,
        &lanshan,
        "利群超市岚山店",
        "牟春生",
        "15806331003",
        "日照市岚山区岚山中路 188 号",
        &mut accounts,
    )
    .await?;
    let cashier = add_staff(
        state,
        &donggang,
        store.id,
        "王秀兰",
        "15806331011",
        &mut accounts,
    )
    .await?;
    add_staff(
        state,
        &port.admin,
        cake.id,
        "丁雪",
        "15806331012",
        &mut accounts,
    )
    .await?;
    add_staff(
        state,
        &lanshan,
        market.id,
        "许海鹏",
        "15806331013",
        &mut accounts,
    )
    .await?;

    let now = state.clock.now();
    let gift = create_coupon(
        state,
        &donggang,
        store.id,
        "中秋礼品券",
        "银座商城中秋礼品兑换券",
        500,
        20_000,
        now,
    )
    .await?;
    let mooncake = create_coupon(
        state,
        &donggang,
        store.id,
        "月饼券",
        "银座商城中秋月饼礼盒券",
        500,
        9_800,
        now,
    )
    .await?;
    let birthday = create_coupon(
        state,
        &port.admin,
        cake.id,
        "生日蛋糕券",
        "好利来 8 英寸生日蛋糕券",
        200,
        16_800,
        now,
    )
    .await?;
    let zongzi = create_coupon(
        state,
        &donggang,
        store.id,
        "端午粽子券",
        "银座商城端午粽子礼盒券",
        300,
        6_800,
        now,
    )
    .await?;
    create_coupon(
        state,
        &lanshan,
        market.id,
        "春节购物券",
        "利群超市春节购物券",
        300,
        10_000,
        now,
    )
    .await?;

    // Activities must start in the future; claims come once they have started.
    let start = state.clock.now() + chrono::Duration::seconds(5);
    // 中秋: published by the 东港 federation for its three unions, reviewed by the city.
    let ends = start + chrono::Duration::days(30);
    let mid_autumn = publish(state, &donggang, &city, ActivitySpec {
        title: "2026年中秋节会员福利发放",
        colour: [196, 40, 40],
        content: "<p>中秋佳节将至，东港区总工会为辖区基层工会会员发放中秋福利：每位会员可领取银座商城礼品券、月饼礼盒券各一张，凭券到店核销。</p>",
        scope_org_id: unions[0].district,
        birthday_only: false,
        prizes: vec![(gift.id, 400), (mooncake.id, 400)],
    }, start, ends).await?;
    // 生日蛋糕: the port's union, reviewed by its district.
    publish(
        state,
        &port.admin,
        &donggang,
        ActivitySpec {
            title: "会员生日蛋糕",
            colour: [236, 120, 150],
            content: "<p>本月过生日的会员可领取好利来生日蛋糕券一张，祝您生日快乐！</p>",
            scope_org_id: port.org.id,
            birthday_only: true,
            prizes: vec![(birthday.id, 150)],
        },
        start,
        ends,
    )
    .await?;
    let dragon_boat = publish(
        state,
        &donggang,
        &city,
        ActivitySpec {
            title: "端午节粽子发放",
            colour: [46, 125, 80],
            content: "<p>端午节为会员发放粽子礼盒券，每人一张。</p>",
            scope_org_id: unions[0].district,
            birthday_only: false,
            prizes: vec![(zongzi.id, 200)],
        },
        start,
        ends,
    )
    .await?;

    // Claims once the activities have started, then some redemptions at the store.
    let wait = (start - state.clock.now()).num_milliseconds().max(0) as u64 + 300;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let holders = certified_accounts(state, &unions[..3]).await?;
    let mut codes = Vec::new();
    for account_id in holders.iter().take(120) {
        let claimed = claims::claim(state, *account_id, mid_autumn, None)
            .await
            .map_err(api)?;
        codes.extend(
            claimed
                .vouchers
                .iter()
                .filter(|v| v.coupon_id == gift.id)
                .map(|v| v.code.clone()),
        );
    }
    for account_id in holders.iter().skip(40).take(60) {
        claims::claim(state, *account_id, dragon_boat, None)
            .await
            .map_err(api)?;
    }
    let staff =
        staff_principal(state, &cashier.phone, accounts.password_of(&cashier.phone)?).await?;
    for code in codes.iter().take(70) {
        redemptions::redeem(state, &staff, code, None, None)
            .await
            .map_err(api)?;
    }
    activities::transition(
        state,
        &donggang,
        dragon_boat,
        ActivityAction::Close,
        Some("活动已结束".into()),
    )
    .await
    .map_err(api)?;
    if let Some(first) = holders.first()
        && let Some(account) = app_account::Entity::find_by_id(*first)
            .one(&state.db)
            .await?
    {
        accounts.add(
            "会员端（任一已认证会员的手机号）",
            account.phone,
            MEMBER_PASSWORD,
        );
    }
    Ok(accounts)
}

/// ApiError does not carry `std::error::Error`'s source chain; say what it was.
fn api(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

async fn ensure_empty(state: &AppState) -> anyhow::Result<()> {
    let orgs = organisation::Entity::find().count(&state.db).await?;
    let admins = admin_account::Entity::find().all(&state.db).await?;
    let members = member::Entity::find().count(&state.db).await?;
    let merchants = merchant::Entity::find().count(&state.db).await?;
    let untouched = admins.len() == 1 && admins[0].must_change_password;
    if orgs != 1 || members != 0 || merchants != 0 || !untouched {
        bail!(
            "--demo 只能在空数据库上运行：当前数据库已有数据（{orgs} 个组织、{members} 名会员、{merchants} 个商家）。\
             请换一个空的数据目录（DATA_DIR 与 DATABASE_URL），或删除 ./data 后重试。"
        );
    }
    Ok(())
}

async fn log_in(
    state: &AppState,
    username: &str,
    password: &str,
) -> anyhow::Result<AdminPrincipal> {
    let logged = admin_auth::login(state, username, password, None)
        .await
        .map_err(api)?;
    sessions::resolve_admin(state, &logged.token)
        .await
        .map_err(api)
}

async fn staff_principal(
    state: &AppState,
    phone: &str,
    password: &str,
) -> anyhow::Result<StaffPrincipal> {
    let logged = staff_auth::login(state, phone, password, None, None)
        .await
        .map_err(api)?;
    sessions::resolve_staff(state, &logged.token)
        .await
        .map_err(api)
}

struct DistrictSpec {
    name: &'static str,
    admin: &'static str,
    region: &'static str,
    unions: &'static [UnionSpec],
}

struct UnionSpec {
    name: &'static str,
    admin: &'static str,
    units: &'static [(&'static str, &'static str, &'static str, &'static str)],
    members: usize,
}

const DISTRICTS: &[DistrictSpec] = &[
    DistrictSpec {
        name: "日照市东港区总工会",
        admin: "donggang",
        region: "371102",
        unions: &[
            UnionSpec {
                name: "日照港集团有限公司工会",
                admin: "rzport",
                units: &[
                    (
                        "日照港集团第一港务分公司",
                        "企业",
                        "国有",
                        "交通运输、仓储和邮政业",
                    ),
                    (
                        "日照港集团物流有限公司",
                        "企业",
                        "有限责任",
                        "交通运输、仓储和邮政业",
                    ),
                ],
                members: 120,
            },
            UnionSpec {
                name: "日照市人民医院工会",
                admin: "rmyy",
                units: &[("日照市人民医院", "事业单位", "国有", "卫生和社会工作")],
                members: 110,
            },
            UnionSpec {
                name: "日照市东港区实验小学工会",
                admin: "dgsx",
                units: &[("日照市东港区实验小学", "事业单位", "国有", "教育")],
                members: 70,
            },
        ],
    },
    DistrictSpec {
        name: "日照市岚山区总工会",
        admin: "lanshan",
        region: "371103",
        unions: &[
            UnionSpec {
                name: "日照钢铁控股集团有限公司工会",
                admin: "rzgt",
                units: &[
                    ("日照钢铁控股集团有限公司", "企业", "私营", "制造业"),
                    ("日照钢铁轧钢厂", "企业", "私营", "制造业"),
                ],
                members: 140,
            },
            UnionSpec {
                name: "国网日照市岚山区供电公司工会",
                admin: "lsgd",
                units: &[(
                    "国网日照市岚山区供电公司",
                    "企业",
                    "国有",
                    "电力、热力、燃气及水生产和供应业",
                )],
                members: 90,
            },
            UnionSpec {
                name: "日照市岚山区市场监督管理局工会",
                admin: "lsjg",
                units: &[(
                    "日照市岚山区市场监督管理局",
                    "机关",
                    "国有",
                    "公共管理、社会保障和社会组织",
                )],
                members: 70,
            },
        ],
    },
];

struct Union {
    org: organisation::Model,
    admin: AdminPrincipal,
    district: i64,
    roster: Vec<member::Model>,
}

async fn create_org(
    state: &AppState,
    me: &AdminPrincipal,
    parent_id: Option<i64>,
    kind: OrgKind,
    name: &str,
    admin: &str,
    accounts: &mut Accounts,
) -> anyhow::Result<(organisation::Model, AdminPrincipal)> {
    let profile = orgs::Profile {
        name: name.to_owned(),
        short_name: None,
        credit_code: None,
        chairman: None,
        contact_name: None,
        contact_phone: None,
        address: Some(format!("山东省{name}")),
        postcode: Some("276800".into()),
        founded_on: None,
        description: None,
    };
    let new = orgs::NewOrg {
        parent_id,
        kind,
        profile,
        admin_username: admin.to_owned(),
        admin_display_name: None,
    };
    let (org, _, initial) = orgs::create_child(state, me, new).await.map_err(api)?;
    accounts.add(name, admin, &initial.clear);
    let principal = log_in(state, admin, &initial.clear).await?;
    Ok((org, principal))
}

async fn fill_union(
    state: &AppState,
    admin: &AdminPrincipal,
    spec: &UnionSpec,
    region: &str,
    people: &mut People,
) -> anyhow::Result<Vec<member::Model>> {
    let mut unit_ids = Vec::new();
    for (name, nature, economic, industry) in spec.units {
        let unit = units::create(
            state,
            admin,
            units::UnitInput {
                name: (*name).to_owned(),
                leader: Some("张建国".into()),
                phone: Some("0633-8220000".into()),
                nature: Some((*nature).to_owned()),
                economic_type: Some((*economic).to_owned()),
                industry: Some((*industry).to_owned()),
                collective_bargaining: true,
                contract_valid_until: chrono::NaiveDate::from_ymd_opt(2028, 12, 31),
                address: Some("山东省日照市".into()),
                employee_count: (spec.members * 2) as i64,
                migrant_worker_count: (spec.members / 5) as i64,
                ..Default::default()
            },
        )
        .await
        .map_err(api)?;
        unit_ids.push(unit.id);
    }
    let mut roster = Vec::with_capacity(spec.members);
    for i in 0..spec.members {
        let p = people.next(region);
        let draft = MemberDraft {
            name: p.name,
            phone: p.phone,
            id_type: String::new(),
            id_number: p.id_number,
            gender: String::new(),
            migrant_worker: p.migrant_worker,
            position: Some(p.position.to_owned()),
            joined_on: Some(p.joined_on),
            remark: None,
        };
        let input = members::MemberInput {
            draft,
            unit_id: Some(unit_ids[i % unit_ids.len()]),
        };
        roster.push(members::create(state, admin, input).await.map_err(api)?);
    }
    Ok(roster)
}

/// About half of each union's members have an app account and are certified; a few
/// more have applied and wait for review, one was rejected, and one certified member
/// has since retired (数据比对's "left but still certified" list).
async fn certify_half(state: &AppState, unions: &[Union]) -> anyhow::Result<()> {
    // One hash for all demo member accounts: hashing 600 times would take a minute.
    let hash = password::hash(MEMBER_PASSWORD).await.map_err(api)?;
    for union in unions {
        for (i, m) in union.roster.iter().enumerate() {
            let (certify, pending, reject) = (i % 2 == 0, i % 17 == 1, i == 3);
            if !(certify || pending || reject) {
                continue;
            }
            let account = register_account(state, &m.phone, &hash).await?;
            let full_id = state
                .cipher
                .decrypt(&m.id_number_enc)
                .context("decrypting a demo ID number")?;
            let application = certifications::apply(
                state,
                account.id,
                certifications::Application {
                    name: m.name.clone(),
                    id_number: full_id,
                    id_type: None,
                },
            )
            .await
            .map_err(api)?;
            if certify {
                certifications::approve(state, &union.admin, application.id)
                    .await
                    .map_err(api)?;
                if i == 8 {
                    let reason = Some("2026年退休".to_owned());
                    members::leave(state, &union.admin, m.id, MemberStatus::Retired, reason)
                        .await
                        .map_err(api)?;
                }
            } else if reject {
                certifications::reject(
                    state,
                    &union.admin,
                    application.id,
                    "姓名与身份证照片不一致，请核对后重新提交",
                )
                .await
                .map_err(api)?;
            }
        }
    }
    Ok(())
}

/// A member app account as registration leaves it. (Registration proper needs an SMS
/// code, which a demo has no phone to receive.)
async fn register_account(
    state: &AppState,
    phone: &str,
    hash: &str,
) -> anyhow::Result<app_account::Model> {
    let now = state.clock.now();
    Ok(app_account::ActiveModel {
        phone: Set(phone.to_owned()),
        password_hash: Set(hash.to_owned()),
        region: Set("山东省日照市".into()),
        agreement_accepted_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?)
}

/// App accounts of the active, certified members of `unions` (those who may claim).
async fn certified_accounts(state: &AppState, unions: &[Union]) -> anyhow::Result<Vec<i64>> {
    let member_ids: Vec<i64> = unions
        .iter()
        .flat_map(|u| u.roster.iter().map(|m| m.id))
        .collect();
    let active: Vec<i64> = member::Entity::find()
        .filter(member::Column::Id.is_in(member_ids))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let accounts = app_account::Entity::find()
        .filter(app_account::Column::MemberId.is_in(active))
        .all(&state.db)
        .await?;
    Ok(accounts.into_iter().map(|a| a.id).collect())
}

async fn create_merchant(
    state: &AppState,
    me: &AdminPrincipal,
    name: &str,
    contact: &str,
    phone: &str,
    address: &str,
    accounts: &mut Accounts,
) -> anyhow::Result<merchant::Model> {
    let fields = merchants::MerchantInput {
        name: name.to_owned(),
        contact_name: contact.to_owned(),
        landline: None,
        kind: Some(MerchantKind::Merchant),
        service_type: Some("零售".into()),
        tags: vec!["工会福利".into()],
        company_address: Some(address.to_owned()),
        address: Some(address.to_owned()),
        intro: Some(format!("{name}，工会福利定点商家。")),
        settled_on: None,
        licence_file_id: None,
        logo_file_id: None,
        longitude: None,
        latitude: None,
    }
    .validate(&state.db, &me.scope)
    .await
    .map_err(api)?;
    let (merchant, issued) = merchants::create(state, me, None, phone, fields)
        .await
        .map_err(api)?;
    merchants::set_online(state, me, merchant.id, true)
        .await
        .map_err(api)?;
    accounts.add(format!("{name}（店长）"), phone, &issued.initial.clear);
    Ok(merchant)
}

async fn add_staff(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
    name: &str,
    phone: &str,
    accounts: &mut Accounts,
) -> anyhow::Result<entity::merchant_staff::Model> {
    let issued = merchants::add_staff(state, me, merchant_id, name, phone)
        .await
        .map_err(api)?;
    accounts.add(format!("核销员 {name}"), phone, &issued.initial.clear);
    Ok(issued.staff)
}

#[allow(clippy::too_many_arguments)]
async fn create_coupon(
    state: &AppState,
    me: &AdminPrincipal,
    merchant_id: i64,
    title: &str,
    name: &str,
    quantity: i64,
    amount_fen: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<entity::coupon::Model> {
    let fields = coupons::CouponInput {
        kind: None,
        title: title.to_owned(),
        name: name.to_owned(),
        quantity,
        valid_from: now - chrono::Duration::days(1),
        valid_to: now + chrono::Duration::days(60),
        amount_fen,
        conditions: Some("凭券到店核销，不找零，不兑换现金".into()),
        description: None,
    }
    .validate()
    .map_err(api)?;
    let coupon = coupons::create(state, me, merchant_id, fields)
        .await
        .map_err(api)?;
    coupons::set_enabled(state, me, coupon.id, true)
        .await
        .map_err(api)?;
    Ok(coupon)
}

struct ActivitySpec {
    title: &'static str,
    /// The cover's colour (a plain banner; the admins upload real ones).
    colour: [u8; 3],
    content: &'static str,
    scope_org_id: i64,
    birthday_only: bool,
    prizes: Vec<(i64, i64)>,
}

/// A 750×360 PNG fading from `colour` to white, as an activity cover.
fn banner(colour: [u8; 3]) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (750u32, 360u32);
    let img = image::RgbImage::from_fn(w, h, |x, _| {
        let t = x as f32 / w as f32 * 0.6;
        image::Rgb(colour.map(|c| (f32::from(c) + (255.0 - f32::from(c)) * t) as u8))
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

/// Creates, submits, gets approved by `reviewer` and opens an activity; returns its id.
async fn publish(
    state: &AppState,
    me: &AdminPrincipal,
    reviewer: &AdminPrincipal,
    spec: ActivitySpec,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let cover = files::store(
        &state.db,
        me.org_id,
        FilePurpose::Image,
        &format!("{}.png", spec.title),
        "image/png",
        banner(spec.colour)?,
        Some(me.admin_id),
        state.clock.now(),
    )
    .await
    .map_err(api)?;
    let input = activities::ActivityInput {
        title: spec.title.to_owned(),
        cover_url: None,
        cover_file_id: Some(cover.id),
        claim_limit_kind: ClaimLimitKind::Once,
        claim_limit_times: None,
        scope_org_id: spec.scope_org_id,
        scope_unit_id: None,
        starts_at,
        ends_at,
        content_html: spec.content.to_owned(),
        birthday_only: spec.birthday_only,
        dynamic_code: false,
    };
    let activity = activities::create(state, me, input).await.map_err(api)?;
    for (coupon_id, quantity) in &spec.prizes {
        activities::add_prize(state, me, activity.id, *coupon_id, *quantity)
            .await
            .map_err(api)?;
    }
    activities::transition(state, me, activity.id, ActivityAction::Submit, None)
        .await
        .map_err(api)?;
    activities::transition(
        state,
        reviewer,
        activity.id,
        ActivityAction::Approve,
        Some("同意".into()),
    )
    .await
    .map_err(api)?;
    activities::transition(state, me, activity.id, ActivityAction::Open, None)
        .await
        .map_err(api)?;
    Ok(activity.id)
}

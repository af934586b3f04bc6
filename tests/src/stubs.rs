//! Stand-ins for the external HTTP services, on 127.0.0.1 with the real JSON shapes:
//! the SMS gateway of the contract and WeChat's `sns` endpoints. Each records what it
//! was asked.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Json, Query};
use poem::{EndpointExt, Response, Route, Server, get, handler, post};
use serde_json::{Value, json};

async fn serve(route: impl poem::Endpoint + 'static) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("stub binds");
    let port = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().map(|s| s.port()))
        .expect("stub port");
    tokio::spawn(Server::new_with_acceptor(acceptor).run(route));
    format!("http://127.0.0.1:{port}")
}

#[derive(Default)]
struct SmsState {
    received: Mutex<Vec<Value>>,
    status: AtomicU16,
}

/// The SMS gateway: records each request body — `{"phone","purpose","code"}`, and for
/// the expiry reminders (`voucher_expiry`) also `voucher_code_tail`, `coupon_name` and
/// `valid_to` — and answers with the status set by the test (200 by default).
#[derive(Clone)]
pub struct SmsGateway {
    pub url: String,
    state: Arc<SmsState>,
}

#[handler]
fn sms_send(Json(body): Json<Value>, Data(state): Data<&Arc<SmsState>>) -> Response {
    state.received.lock().expect("lock").push(body);
    let status = StatusCode::from_u16(state.status.load(Ordering::SeqCst))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(r#"{"ok":true}"#)
}

impl SmsGateway {
    pub async fn start() -> Self {
        let state = Arc::new(SmsState::default());
        state.status.store(200, Ordering::SeqCst);
        let url = serve(Route::new().at("/send", post(sms_send)).data(state.clone())).await;
        Self {
            url: format!("{url}/send"),
            state,
        }
    }

    /// Every request body received so far.
    pub fn received(&self) -> Vec<Value> {
        self.state.received.lock().expect("lock").clone()
    }

    /// Every request body received so far for `purpose`.
    pub fn received_for(&self, purpose: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|b| b["purpose"] == purpose)
            .collect()
    }

    /// The last code sent to `phone` for `purpose`.
    pub fn last_code(&self, phone: &str, purpose: &str) -> Option<String> {
        self.received()
            .into_iter()
            .rev()
            .find(|b| b["phone"] == phone && b["purpose"] == purpose)
            .and_then(|b| b["code"].as_str().map(str::to_owned))
    }

    pub fn answer_with(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }
}

pub const APP_APPID: &str = "wx-app-appid";
pub const APP_SECRET: &str = "wx-app-secret";
pub const MINI_APPID: &str = "wx-mini-appid";
pub const MINI_SECRET: &str = "wx-mini-secret";

#[derive(Default)]
struct WechatState {
    received: Mutex<Vec<(String, Value)>>,
    /// Answer every code with a valid identity derived from it (for fuzzing), instead
    /// of the identity the code spells.
    any_code: bool,
}

/// WeChat's `sns/oauth2/access_token` (mobile app) and `sns/jscode2session`
/// (mini-program). A code `openid` or `openid:unionid` succeeds with that identity
/// (`start_for_any_code`: every code succeeds with an identity derived from it);
/// `err40029`, `err45011` and `err-1` answer WeChat's error JSON.
#[derive(Clone)]
pub struct Wechat {
    pub url: String,
    state: Arc<WechatState>,
}

fn wechat_error(code: &str) -> Option<Value> {
    let errcode: i64 = code.strip_prefix("err")?.parse().ok()?;
    let errmsg = match errcode {
        40029 => "invalid code, rid: 6571c9b8-1f5e1a2b-3c4d5e6f",
        45011 => "api minute-quota reach limit  mustslower  retry next minute",
        -1 => "system error",
        _ => "unknown",
    };
    Some(json!({ "errcode": errcode, "errmsg": errmsg }))
}

fn identity(state: &WechatState, code: &str) -> (String, Option<String>) {
    if state.any_code {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        code.hash(&mut hasher);
        return (format!("o{:016x}", hasher.finish()), None);
    }
    match code.split_once(':') {
        Some((openid, unionid)) => (openid.to_owned(), Some(unionid.to_owned())),
        None => (code.to_owned(), None),
    }
}

fn check_app(q: &Value, appid: &str, secret: &str) -> Option<Value> {
    if q["appid"] != appid || q["secret"] != secret || q["grant_type"] != "authorization_code" {
        return Some(json!({ "errcode": 40013, "errmsg": "invalid appid" }));
    }
    None
}

/// WeChat labels these JSON answers `text/plain`.
fn plain(body: Value) -> Response {
    Response::builder()
        .content_type("text/plain")
        .body(body.to_string())
}

#[handler]
fn oauth2_access_token(
    Query(q): Query<std::collections::HashMap<String, String>>,
    Data(state): Data<&Arc<WechatState>>,
) -> Response {
    let q = json!(q);
    state
        .received
        .lock()
        .expect("lock")
        .push(("/sns/oauth2/access_token".into(), q.clone()));
    if let Some(err) = check_app(&q, APP_APPID, APP_SECRET) {
        return plain(err);
    }
    let code = q["code"].as_str().unwrap_or_default();
    if let Some(err) = wechat_error(code) {
        return plain(err);
    }
    let (openid, unionid) = identity(state, code);
    let mut body = json!({
        "access_token": "ACCESS_TOKEN",
        "expires_in": 7200,
        "refresh_token": "REFRESH_TOKEN",
        "openid": openid,
        "scope": "snsapi_userinfo",
    });
    if let Some(u) = unionid {
        body["unionid"] = json!(u);
    }
    plain(body)
}

#[handler]
fn jscode2session(
    Query(q): Query<std::collections::HashMap<String, String>>,
    Data(state): Data<&Arc<WechatState>>,
) -> Response {
    let q = json!(q);
    state
        .received
        .lock()
        .expect("lock")
        .push(("/sns/jscode2session".into(), q.clone()));
    if let Some(err) = check_app(&q, MINI_APPID, MINI_SECRET) {
        return plain(err);
    }
    let code = q["js_code"].as_str().unwrap_or_default();
    if let Some(err) = wechat_error(code) {
        return plain(err);
    }
    let (openid, unionid) = identity(state, code);
    let mut body = json!({ "openid": openid, "session_key": "tiihtNczf5v6AKRyjwEUhQ==" });
    if let Some(u) = unionid {
        body["unionid"] = json!(u);
    }
    Response::builder()
        .content_type("application/json")
        .body(body.to_string())
}

impl Wechat {
    pub async fn start() -> Self {
        Self::start_with(WechatState::default()).await
    }

    /// A stand-in that takes any code, like WeChat does for codes it issued.
    pub async fn start_for_any_code() -> Self {
        Self::start_with(WechatState {
            any_code: true,
            ..WechatState::default()
        })
        .await
    }

    async fn start_with(state: WechatState) -> Self {
        let state = Arc::new(state);
        let url = serve(
            Route::new()
                .at("/sns/oauth2/access_token", get(oauth2_access_token))
                .at("/sns/jscode2session", get(jscode2session))
                .data(state.clone()),
        )
        .await;
        Self { url, state }
    }

    /// `(path, query)` of every request received so far.
    pub fn received(&self) -> Vec<(String, Value)> {
        self.state.received.lock().expect("lock").clone()
    }
}

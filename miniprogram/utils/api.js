// The only module that talks to the server. Wraps wx.request with the base URL,
// the bearer token, JSON error bodies and the app-wide reactions:
//   401 (token expired/revoked)      -> clear session, back to the login page
//   403 PASSWORD_CHANGE_REQUIRED     -> forced password page
//   network failure / 5xx            -> toast
// Every failure rejects with an ApiError; `handled` is true when the user has
// already been told (toast or redirect), so callers need not show it again.
const config = require('../config');
const session = require('./session');
const routes = require('./routes');

const MSG_NETWORK = '网络异常，请检查网络后重试';
const MSG_SERVER = '服务器繁忙，请稍后重试';
const MSG_EXPIRED = '登录已过期，请重新登录';
const MSG_UNKNOWN = '请求失败，请稍后重试';
const MSG_NOT_CONFIGURED = '小程序尚未配置服务器地址，请联系管理员';

// 401 codes that are answers to the request itself, not a dead session.
const BUSINESS_401 = ['INVALID_CREDENTIALS', 'WECHAT_NOT_BOUND', 'INITIAL_PASSWORD_EXPIRED'];

function ApiError(status, code, message, details) {
  const err = new Error(message || MSG_UNKNOWN);
  err.name = 'ApiError';
  err.status = status;
  err.code = code || 'UNKNOWN';
  err.details = details || null;
  err.handled = false;
  return err;
}

function toast(title) {
  wx.showToast({ title: title, icon: 'none', duration: 2500 });
}

// Avoid a burst of parallel failures relaunching the same page repeatedly.
let lastRedirect = { url: '', at: 0 };
function relaunchOnce(url) {
  const now = Date.now();
  if (lastRedirect.url === url && now - lastRedirect.at < 2000) return;
  lastRedirect = { url: url, at: now };
  wx.reLaunch({ url: url });
}
function resetRedirectGuard() {
  lastRedirect = { url: '', at: 0 };
}

function parseBody(data) {
  if (typeof data === 'string' && data) {
    try { return JSON.parse(data); } catch (e) { return null; }
  }
  return data || null;
}

// `quiet: '*'` silences every failure; a list silences those codes.
function isQuiet(opts, code) {
  return opts.quiet === '*' || (Array.isArray(opts.quiet) && opts.quiet.indexOf(code) >= 0);
}

function handleFailure(status, body, opts) {
  const code = body && body.code;
  const err = ApiError(status, code, body && body.message, body && body.details);

  if (status === 401 && opts.authRedirect && BUSINESS_401.indexOf(code) < 0) {
    session.clear();
    toast(MSG_EXPIRED);
    relaunchOnce(routes.LOGIN);
    err.handled = true;
  } else if (status === 403 && code === 'PASSWORD_CHANGE_REQUIRED') {
    toast(err.message && err.message !== MSG_UNKNOWN ? err.message : '请先修改初始密码');
    session.setMustChangePassword(true);
    relaunchOnce(routes.PASSWORD + '?forced=1');
    err.handled = true;
  } else if (status >= 500 && !isQuiet(opts, code)) {
    toast(MSG_SERVER);
    err.handled = true;
  }
  return err;
}

/**
 * request({method, path, data, header, auth = true, authRedirect = true, quiet = []})
 * Resolves with the parsed body (null for 204). `quiet` lists error codes the
 * caller handles silently (no toast), e.g. WECHAT_NOT_CONFIGURED, or is '*'.
 */
function request(opts) {
  const options = Object.assign({ method: 'GET', auth: true, authRedirect: true, quiet: [] }, opts);
  const header = Object.assign({ 'Content-Type': 'application/json' }, options.header);
  if (options.auth) {
    const token = session.getToken();
    if (token) header.Authorization = 'Bearer ' + token;
  }
  const baseUrl = config.getBaseUrl();
  if (!baseUrl) {
    const err = ApiError(0, 'NOT_CONFIGURED', MSG_NOT_CONFIGURED);
    if (!isQuiet(options, 'NOT_CONFIGURED')) {
      toast(MSG_NOT_CONFIGURED);
      err.handled = true;
    }
    return Promise.reject(err);
  }
  return new Promise(function (resolve, reject) {
    wx.request({
      url: baseUrl + options.path,
      method: options.method,
      data: options.data,
      header: header,
      timeout: config.timeout,
      success: function (res) {
        const body = parseBody(res.data);
        if (res.statusCode >= 200 && res.statusCode < 300) {
          resolve(res.statusCode === 204 ? null : body);
        } else {
          reject(handleFailure(res.statusCode, body, options));
        }
      },
      fail: function (res) {
        const err = ApiError(0, 'NETWORK_ERROR', MSG_NETWORK, { errMsg: res && res.errMsg });
        if (!isQuiet(options, 'NETWORK_ERROR')) {
          toast(MSG_NETWORK);
          err.handled = true;
        }
        reject(err);
      }
    });
  });
}

function query(params) {
  const parts = [];
  Object.keys(params).forEach(function (key) {
    const v = params[key];
    if (v !== undefined && v !== null && v !== '') {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(v));
    }
  });
  return parts.length ? '?' + parts.join('&') : '';
}

const BASE = '/api/merchant';

module.exports = {
  request: request,
  resetRedirectGuard: resetRedirectGuard,
  ApiError: ApiError,
  MSG_NETWORK: MSG_NETWORK,
  MSG_SERVER: MSG_SERVER,
  MSG_EXPIRED: MSG_EXPIRED,

  // {phone, password, wx_code?} -> {token, must_change_password, merchant, staff}
  login: function (body) {
    return request({ method: 'POST', path: BASE + '/login', data: body, auth: false, authRedirect: false });
  },
  // Silent attempt: every failure (not bound, WeChat down or not configured, no
  // network) is left to the caller, which quietly shows the form.
  loginWechat: function (wxCode) {
    return request({
      method: 'POST', path: BASE + '/login/wechat', data: { wx_code: wxCode }, auth: false,
      authRedirect: false, quiet: '*'
    });
  },
  // Revokes this token on the server.
  logout: function () {
    return request({ method: 'POST', path: BASE + '/logout', authRedirect: false, quiet: '*' });
  },
  // This WeChat stops logging in as the current account.
  unbindWechat: function () {
    return request({ method: 'POST', path: BASE + '/wechat/unbind', authRedirect: false, quiet: '*' });
  },
  // {date: 'YYYY-MM-DD'} -> {date, mine: {count, amount_fen}, shop: {count, amount_fen}}
  summary: function (date) {
    return request({ path: BASE + '/summary' + query({ date: date }), quiet: '*' });
  },
  // -> {token} (all older tokens are revoked by the server)
  changePassword: function (oldPassword, newPassword) {
    return request({ method: 'POST', path: BASE + '/password', data: { old_password: oldPassword, new_password: newPassword } });
  },
  me: function () {
    return request({ path: BASE + '/me' });
  },
  // code: a voucher code, or a dynamic payload as scanned; digits: the 6-digit number of
  // a screenshot-proof voucher typed with its code.
  voucher: function (code, digits) {
    return request({ path: BASE + '/vouchers/' + encodeURIComponent(code) + (digits ? query({ digits: digits }) : '') });
  },
  // The same key on a retry makes the server answer the first redemption again.
  redeem: function (code, idempotencyKey, digits) {
    const data = { code: code };
    if (digits) data.digits = digits;
    return request({
      method: 'POST', path: BASE + '/redemptions', data: data,
      header: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}
    });
  },
  // {from, to, code, page, page_size} -> {items, total, page, page_size, total_amount_fen}
  redemptions: function (params) {
    return request({ path: BASE + '/redemptions' + query(params) });
  }
};

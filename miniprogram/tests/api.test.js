// Unit tests of utils/api.js against a mocked `wx`.
const { install, flush, toasts, err, BASE_URL } = require('./helpers/wx');
const api = require('../utils/api');
const session = require('../utils/session');

let env;
beforeEach(() => {
  env = install();
});

describe('requests', () => {
  test('uses the configured base URL and sends the bearer token', async () => {
    session.setToken('tok-1');
    env.server.on('GET /api/merchant/me', { status: 200, body: { merchant: { id: 1, name: '店' }, staff: { id: 2, name: '张三', phone: '13800000000' } } });
    const me = await api.me();
    expect(me.merchant.name).toBe('店');
    const call = env.server.calls[0];
    expect(call.url).toBe(BASE_URL + '/api/merchant/me');
    expect(call.header.Authorization).toBe('Bearer tok-1');
  });

  test('login sends no Authorization header and posts the JSON body', async () => {
    session.setToken('stale');
    env.server.on('POST /api/merchant/login', { status: 200, body: { token: 't', must_change_password: false } });
    await api.login({ phone: '13800000000', password: 'pw', wx_code: 'c' });
    const call = env.server.calls[0];
    expect(call.header.Authorization).toBeUndefined();
    expect(call.data).toEqual({ phone: '13800000000', password: 'pw', wx_code: 'c' });
  });

  test('voucher code is URL-encoded in the path; redemption list passes the filter', async () => {
    env.server.on('GET /api/merchant/vouchers/*', { status: 200, body: { code: 'X' } });
    env.server.on('GET /api/merchant/redemptions', { status: 200, body: { items: [], total: 0 } });
    await api.voucher('AB CD');
    await api.redemptions({ from: '2024-05-01', to: '2024-05-31', page: 2, page_size: 20 });
    expect(env.server.calls[0].path).toBe('/api/merchant/vouchers/AB%20CD');
    expect(env.server.calls[1].query).toEqual({ from: '2024-05-01', to: '2024-05-31', page: '2', page_size: '20' });
  });

  test('204 resolves with null; a JSON string body is parsed', async () => {
    env.server.on('POST /api/merchant/password', { status: 204 });
    await expect(api.changePassword('a', 'b')).resolves.toBeNull();
    env.server.on('GET /api/merchant/me', { status: 200, body: '{"merchant":{"name":"x"}}' });
    await expect(api.me()).resolves.toEqual({ merchant: { name: 'x' } });
  });

  test('business errors reject with status, code, message and details, without UI', async () => {
    env.server.on('POST /api/merchant/redemptions', err(409, 'ALREADY_REDEEMED', '该券已核销', { redeemed_at: '2024-05-01T10:00:00+08:00', merchant_name: '一号店' }));
    const e = await api.redeem('CODE1234').catch((x) => x);
    expect(e.status).toBe(409);
    expect(e.code).toBe('ALREADY_REDEEMED');
    expect(e.message).toBe('该券已核销');
    expect(e.details.merchant_name).toBe('一号店');
    expect(e.handled).toBe(false);
    expect(env.wx.showToast).not.toHaveBeenCalled();
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
  });
});

describe('token expiry and forced password change', () => {
  test('401 UNAUTHORIZED clears the session and relaunches the login page', async () => {
    session.save({ token: 'old', merchant: { id: 1, name: '店' }, staff: { id: 2, name: '张三' } });
    env.server.on('GET /api/merchant/me', err(401, 'UNAUTHORIZED', '登录已失效'));
    const e = await api.me().catch((x) => x);
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.handled).toBe(true);
    expect(session.getToken()).toBe('');
    expect(session.getProfile()).toBeNull();
    expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login' });
    expect(toasts(env.wx)).toContain('登录已过期，请重新登录');
  });

  test('401 without a body is also treated as an expired session', async () => {
    session.setToken('old');
    env.server.on('GET /api/merchant/redemptions', { status: 401, body: '' });
    await api.redemptions({}).catch(() => {});
    expect(session.getToken()).toBe('');
    expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login' });
  });

  test('parallel 401s relaunch the login page only once', async () => {
    session.setToken('old');
    env.server.on('GET /api/merchant/me', err(401, 'UNAUTHORIZED', 'x'));
    await Promise.all([api.me().catch(() => {}), api.me().catch(() => {})]);
    expect(env.wx.reLaunch).toHaveBeenCalledTimes(1);
  });

  test('401 INVALID_CREDENTIALS on the password route is a plain error, not a log-out', async () => {
    session.setToken('tok');
    env.server.on('POST /api/merchant/password', err(401, 'INVALID_CREDENTIALS', '原密码错误'));
    const e = await api.changePassword('wrong', 'abcd1234').catch((x) => x);
    expect(e.code).toBe('INVALID_CREDENTIALS');
    expect(e.handled).toBe(false);
    expect(session.getToken()).toBe('tok');
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
  });

  test('401 on the login route does not redirect', async () => {
    env.server.on('POST /api/merchant/login', err(401, 'INVALID_CREDENTIALS', '手机号或密码错误'));
    const e = await api.login({ phone: '13800000000', password: 'x' }).catch((x) => x);
    expect(e.code).toBe('INVALID_CREDENTIALS');
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
  });

  test('403 PASSWORD_CHANGE_REQUIRED sends the user to the forced password page', async () => {
    session.setToken('tok');
    env.server.on('GET /api/merchant/vouchers/*', err(403, 'PASSWORD_CHANGE_REQUIRED', '请先修改初始密码'));
    const e = await api.voucher('ABCDEFGH').catch((x) => x);
    expect(e.handled).toBe(true);
    expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/password/password?forced=1' });
    expect(session.getToken()).toBe('tok');
    expect(session.mustChangePassword()).toBe(true);
  });

  test('403 NOT_AUTHORISED is left to the caller', async () => {
    session.setToken('tok');
    env.server.on('POST /api/merchant/redemptions', err(403, 'NOT_AUTHORISED', '无权核销'));
    const e = await api.redeem('ABCDEFGH').catch((x) => x);
    expect(e.code).toBe('NOT_AUTHORISED');
    expect(e.handled).toBe(false);
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
  });
});

describe('network and server failures', () => {
  test('a network failure shows a toast and rejects with NETWORK_ERROR', async () => {
    env.server.on('GET /api/merchant/me', { fail: true });
    const e = await api.me().catch((x) => x);
    expect(e.code).toBe('NETWORK_ERROR');
    expect(e.handled).toBe(true);
    expect(toasts(env.wx)).toEqual(['网络异常，请检查网络后重试']);
  });

  test('a 5xx shows a toast', async () => {
    env.server.on('GET /api/merchant/me', { status: 502, body: '<html>bad gateway</html>' });
    const e = await api.me().catch((x) => x);
    expect(e.status).toBe(502);
    expect(e.handled).toBe(true);
    expect(toasts(env.wx)).toEqual(['服务器繁忙，请稍后重试']);
  });

  test('silent WeChat login: WECHAT_NOT_CONFIGURED (503) and network errors show nothing', async () => {
    env.server.on('POST /api/merchant/login/wechat', err(503, 'WECHAT_NOT_CONFIGURED', '未配置'));
    const a = await api.loginWechat('c').catch((x) => x);
    expect(a.code).toBe('WECHAT_NOT_CONFIGURED');
    env.server.on('POST /api/merchant/login/wechat', { fail: true });
    const b = await api.loginWechat('c').catch((x) => x);
    expect(b.code).toBe('NETWORK_ERROR');
    await flush();
    expect(env.wx.showToast).not.toHaveBeenCalled();
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
  });
});

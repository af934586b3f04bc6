// 登录 page: automatic WeChat login, password login with binding, routing.
const { install, flush, err, toasts } = require('../helpers/wx');
const { render, text, tap, input } = require('../helpers/page');
const session = require('../../utils/session');

const LOGIN_OK = {
  token: 'tok-abc',
  must_change_password: false,
  merchant: { id: 7, name: '日照蛋糕坊' },
  staff: { id: 9, name: '王店员', phone: '13800000001' }
};

let env;
beforeEach(() => {
  env = install();
});

async function openForm() {
  env.server.on('POST /api/merchant/login/wechat', err(401, 'WECHAT_NOT_BOUND', '微信未绑定'));
  const page = render('login');
  await page.instance.onLoad({});
  await flush();
  return page;
}

describe('automatic WeChat login', () => {
  test('a bound WeChat logs straight in and lands on the 核销 tab', async () => {
    env.server.on('POST /api/merchant/login/wechat', { status: 200, body: LOGIN_OK });
    const page = render('login');
    expect(text(page, '#checking')).toBe('正在登录…');
    await page.instance.onLoad({});
    await flush();
    expect(env.server.calls[0].data).toEqual({ wx_code: 'WX_CODE_1' });
    expect(session.getToken()).toBe('tok-abc');
    expect(session.getProfile().merchant.name).toBe('日照蛋糕坊');
    expect(env.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/scan/scan' });
  });

  test('WECHAT_NOT_BOUND falls back to the password form silently', async () => {
    const page = await openForm();
    expect(text(page, '#checking')).toBeNull();
    expect(page.querySelector('#phone')).toBeTruthy();
    expect(text(page, '#error')).toBeNull();
    expect(env.wx.showToast).not.toHaveBeenCalled();
    expect(env.wx.switchTab).not.toHaveBeenCalled();
  });

  test('WECHAT_NOT_CONFIGURED (503) falls back silently too', async () => {
    env.server.on('POST /api/merchant/login/wechat', err(503, 'WECHAT_NOT_CONFIGURED', '未配置微信登录'));
    const page = render('login');
    await page.instance.onLoad({});
    await flush();
    expect(page.querySelector('#phone')).toBeTruthy();
    expect(env.wx.showToast).not.toHaveBeenCalled();
  });

  test.each([
    [503, 'WECHAT_UNAVAILABLE', '微信服务暂时不可用，请稍后重试'],
    [503, 'WECHAT_BUSY', '微信系统繁忙，请稍后重试'],
    [502, 'WECHAT_ERROR', '微信登录失败，请稍后重试'],
    [429, 'WECHAT_RATE_LIMITED', '微信登录过于频繁，请稍后再试']
  ])('WeChat unavailable at opening (%i %s): the form, quietly', async (status, code, message) => {
    env.server.on('POST /api/merchant/login/wechat', err(status, code, message));
    const page = render('login');
    await page.instance.onLoad({});
    await flush();
    expect(page.querySelector('#phone')).toBeTruthy();
    expect(text(page, '#error')).toBeNull();
    expect(env.wx.showToast).not.toHaveBeenCalled();
  });

  test('no network at opening: the form, quietly', async () => {
    env.server.on('POST /api/merchant/login/wechat', { fail: true });
    const page = render('login');
    await page.instance.onLoad({});
    await flush();
    expect(page.querySelector('#phone')).toBeTruthy();
    expect(env.wx.showToast).not.toHaveBeenCalled();
  });

  test('an existing token skips the login page', async () => {
    session.setToken('have');
    const page = render('login');
    await page.instance.onLoad({});
    expect(env.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/scan/scan' });
    expect(env.server.calls).toHaveLength(0);
  });

  test('reopening with a token but a pending password change goes to the password page', async () => {
    session.save(Object.assign({}, LOGIN_OK, { must_change_password: true }));
    const page = render('login');
    await page.instance.onLoad({});
    expect(env.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/password/password?forced=1' });
    expect(env.wx.switchTab).not.toHaveBeenCalled();
  });

  test('after an explicit log-out no automatic WeChat login is attempted', async () => {
    const page = render('login');
    await page.instance.onLoad({ logout: '1' });
    await flush();
    expect(env.server.calls).toHaveLength(0);
    expect(page.querySelector('#phone')).toBeTruthy();
  });

  test('after a log-out even a later opening stays on the form until someone logs in', async () => {
    session.loggedOut();
    env.server.on('POST /api/merchant/login/wechat', { status: 200, body: LOGIN_OK });
    const cold = render('login');
    await cold.instance.onLoad({});
    await flush();
    expect(env.wx.login).not.toHaveBeenCalled();
    expect(env.server.calls).toHaveLength(0);
    expect(cold.querySelector('#phone')).toBeTruthy();

    // A password log-in turns automatic log-in back on for the next opening.
    env.server.on('POST /api/merchant/login', { status: 200, body: LOGIN_OK });
    await input(cold, '#phone', '13800000001');
    await input(cold, '#password', 'secret123');
    await tap(cold, '#submit');
    await flush();
    expect(session.wasLoggedOut()).toBe(false);
    session.clear();
    const next = render('login');
    await next.instance.onLoad({});
    await flush();
    expect(env.server.callsTo('POST /api/merchant/login/wechat')).toHaveLength(1);
  });
});

describe('password login', () => {
  test('success stores the session, binds WeChat via wx_code and opens the 核销 tab', async () => {
    const page = await openForm();
    env.wx.login.mockImplementation((o) => o.success({ code: 'WX_CODE_2' }));
    env.server.on('POST /api/merchant/login', { status: 200, body: LOGIN_OK });
    await input(page, '#phone', '13800000001');
    await input(page, '#password', 'secret123');
    await tap(page, '#submit');
    await flush();
    const call = env.server.callsTo('POST /api/merchant/login')[0];
    expect(call.data).toEqual({ phone: '13800000001', password: 'secret123', wx_code: 'WX_CODE_2' });
    expect(session.getToken()).toBe('tok-abc');
    expect(env.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/scan/scan' });
    expect(env.wx.redirectTo).not.toHaveBeenCalled();
  });

  test('first login (must_change_password) is routed to the forced password page', async () => {
    const page = await openForm();
    env.server.on('POST /api/merchant/login', { status: 200, body: Object.assign({}, LOGIN_OK, { must_change_password: true }) });
    await input(page, '#phone', '13800000001');
    await input(page, '#password', 'K7mPq2Rt9xYz');
    await tap(page, '#submit');
    await flush();
    expect(env.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/password/password?forced=1' });
    expect(env.wx.switchTab).not.toHaveBeenCalled();
    expect(session.mustChangePassword()).toBe(true);
  });

  test('an expired initial password shows the server message and stays on the form', async () => {
    const page = await openForm();
    const message = '初始密码已过期（72小时内有效），请联系管理员重新获取初始密码';
    env.server.on('POST /api/merchant/login', err(401, 'INITIAL_PASSWORD_EXPIRED', message));
    await input(page, '#phone', '13800000001');
    await input(page, '#password', 'K7mPq2Rt9xYz');
    await tap(page, '#submit');
    await flush();
    expect(text(page, '#error')).toBe(message);
    expect(session.getToken()).toBe('');
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
    expect(env.wx.switchTab).not.toHaveBeenCalled();
  });

  test('wrong password shows the server message on the form', async () => {
    const page = await openForm();
    env.server.on('POST /api/merchant/login', err(401, 'INVALID_CREDENTIALS', '手机号或密码错误'));
    await input(page, '#phone', '13800000001');
    await input(page, '#password', 'nope');
    await tap(page, '#submit');
    await flush();
    expect(text(page, '#error')).toBe('手机号或密码错误');
    expect(page.instance.data.submitting).toBe(false);
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
    expect(session.getToken()).toBe('');
  });

  test('too many attempts shows the rate-limit message', async () => {
    const page = await openForm();
    env.server.on('POST /api/merchant/login', err(429, 'TOO_MANY_ATTEMPTS', '登录失败次数过多，请 15 分钟后再试'));
    await input(page, '#phone', '13800000001');
    await input(page, '#password', 'nope');
    await tap(page, '#submit');
    await flush();
    expect(text(page, '#error')).toBe('登录失败次数过多，请 15 分钟后再试');
  });

  test('invalid phone or empty password are refused before any request', async () => {
    const page = await openForm();
    const before = env.server.calls.length;
    await input(page, '#phone', '1380000');
    await input(page, '#password', 'x');
    await tap(page, '#submit');
    expect(text(page, '#error')).toBe('请输入正确的 11 位手机号');
    await input(page, '#phone', '13800000001');
    await input(page, '#password', '');
    await tap(page, '#submit');
    expect(text(page, '#error')).toBe('请输入密码');
    expect(env.server.calls.length).toBe(before);
  });

  test('a WeChat that could not be bound: logged in all the same, with a notice', async () => {
    const page = await openForm();
    env.server.on('POST /api/merchant/login', {
      status: 200,
      body: Object.assign({}, LOGIN_OK, {
        wechat_bound: false,
        wechat_bind_error: '未绑定微信：微信服务暂时不可用，请稍后重试'
      })
    });
    env.wx.showModal.mockImplementation((o) => { o.success && o.success({ confirm: true }); o.complete && o.complete(); });
    await input(page, '#phone', '13800000001');
    await input(page, '#password', 'secret123');
    await tap(page, '#submit');
    await flush();
    const notice = env.wx.showModal.mock.calls[0][0];
    expect(notice.title).toBe('已登录，微信未绑定');
    expect(notice.content).toContain('微信服务暂时不可用');
    expect(notice.showCancel).toBe(false);
    expect(env.server.callsTo('POST /api/merchant/login')).toHaveLength(1);
    expect(session.getToken()).toBe(LOGIN_OK.token);
    expect(env.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/scan/scan' });
  });

  test('a network error shows a toast and re-enables the button', async () => {
    const page = await openForm();
    env.server.on('POST /api/merchant/login', { fail: true });
    await input(page, '#phone', '13800000001');
    await input(page, '#password', 'secret123');
    await tap(page, '#submit');
    await flush();
    expect(toasts(env.wx)).toEqual(['网络异常，请检查网络后重试']);
    expect(page.instance.data.submitting).toBe(false);
    expect(text(page, '#error')).toBeNull();
  });
});

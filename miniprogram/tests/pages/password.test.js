// 修改密码 page: forced first-login change and voluntary change.
const { install, flush, err, toasts } = require('../helpers/wx');
const { render, text, tap, input } = require('../helpers/page');
const session = require('../../utils/session');

// A one-time initial password as the server hands them out.
const INITIAL = 'K7mPq2Rt9xYz';

let env;
beforeEach(() => {
  env = install();
  session.setToken('first-token');
});

async function fill(page, oldPw, newPw, confirmPw) {
  await input(page, '#old', oldPw);
  await input(page, '#new', newPw);
  await input(page, '#confirm', confirmPw === undefined ? newPw : confirmPw);
}

test('forced mode explains why and, on success, stores the fresh token and opens 核销', async () => {
  env.server.on('POST /api/merchant/password', { status: 200, body: { token: 'fresh-token' } });
  session.setMustChangePassword(true);
  const page = render('password');
  page.instance.onLoad({ forced: '1' });
  expect(text(page, '#forced-notice')).toContain('首次登录请先修改初始密码');
  expect(env.wx.hideHomeButton).toHaveBeenCalled();
  expect(text(page, '#forced-notice')).toContain('72小时');
  await fill(page, INITIAL, 'newpass88');
  await tap(page, '#submit');
  await flush();
  const call = env.server.callsTo('POST /api/merchant/password')[0];
  expect(call.data).toEqual({ old_password: INITIAL, new_password: 'newpass88' });
  expect(call.header.Authorization).toBe('Bearer first-token');
  expect(session.getToken()).toBe('fresh-token');
  expect(session.mustChangePassword()).toBe(false);
  expect(toasts(env.wx)).toContain('密码已修改');
  expect(env.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/scan/scan' });
});

test('voluntary change goes back to the previous page', async () => {
  env.server.on('POST /api/merchant/password', { status: 200, body: { token: 'fresh-token' } });
  const page = render('password');
  page.instance.onLoad({});
  expect(text(page, '#forced-notice')).toBeNull();
  await fill(page, 'oldpass11', 'newpass22');
  await tap(page, '#submit');
  await flush();
  expect(session.getToken()).toBe('fresh-token');
  expect(env.wx.navigateBack).toHaveBeenCalled();
  expect(env.wx.switchTab).not.toHaveBeenCalled();
});

test.each([
  ['1', '', 'abcd1234', 'abcd1234', '请输入初始密码'],
  ['1', INITIAL, 'abc123', 'abc123', '新密码至少 8 位'],
  ['1', INITIAL, 'abcdefgh', 'abcdefgh', '新密码须同时包含字母和数字'],
  ['1', INITIAL, '12345678', '12345678', '新密码须同时包含字母和数字'],
  // The first change may not keep the initial password (the old one in the form).
  ['1', INITIAL, INITIAL, INITIAL, '新密码不能使用初始密码'],
  ['1', INITIAL, 'abcd1234', 'abcd1235', '两次输入的新密码不一致'],
  ['', '', 'abcd1234', 'abcd1234', '请输入原密码'],
  ['', 'abcd1234', 'abcd1234', 'abcd1234', '新密码不能与原密码相同']
])('client-side check forced=%p old=%p new=%p confirm=%p -> %s', async (forced, oldPw, newPw, confirmPw, message) => {
  const page = render('password');
  page.instance.onLoad(forced ? { forced: forced } : {});
  await fill(page, oldPw, newPw, confirmPw);
  await tap(page, '#submit');
  expect(text(page, '#error')).toBe(message);
  expect(env.server.calls).toHaveLength(0);
});

test('the forced page asks for the initial password by name', async () => {
  const page = render('password');
  page.instance.onLoad({ forced: '1' });
  await flush();
  expect(text(page, '.weui-cell__hd')).toBe('初始密码');
  const voluntary = render('password');
  voluntary.instance.onLoad({});
  await flush();
  expect(text(voluntary, '.weui-cell__hd')).toBe('原密码');
});

test('server VALIDATION message is shown as is', async () => {
  env.server.on('POST /api/merchant/password', err(400, 'VALIDATION', '新密码过于简单'));
  const page = render('password');
  page.instance.onLoad({ forced: '1' });
  await fill(page, INITIAL, 'abcd1234');
  await tap(page, '#submit');
  await flush();
  expect(text(page, '#error')).toBe('新密码过于简单');
  expect(page.instance.data.submitting).toBe(false);
  expect(env.wx.switchTab).not.toHaveBeenCalled();
});

test('wrong old password says so and does not log out', async () => {
  env.server.on('POST /api/merchant/password', err(401, 'INVALID_CREDENTIALS', '密码错误'));
  const page = render('password');
  page.instance.onLoad({});
  await fill(page, 'wrongpw1', 'abcd1234');
  await tap(page, '#submit');
  await flush();
  expect(text(page, '#error')).toBe('原密码错误');
  expect(session.getToken()).toBe('first-token');
  expect(env.wx.reLaunch).not.toHaveBeenCalled();
});

test('a wrong initial password on the forced page is named so', async () => {
  env.server.on('POST /api/merchant/password', err(401, 'INVALID_CREDENTIALS', '密码错误'));
  const page = render('password');
  page.instance.onLoad({ forced: '1' });
  await fill(page, 'wrongpw1', 'abcd1234');
  await tap(page, '#submit');
  await flush();
  expect(text(page, '#error')).toBe('初始密码错误');
});

test('an expired initial password shows the server message and keeps the session', async () => {
  const message = '初始密码已过期（72小时内有效），请联系管理员重新获取初始密码';
  env.server.on('POST /api/merchant/password', err(401, 'INITIAL_PASSWORD_EXPIRED', message));
  const page = render('password');
  page.instance.onLoad({ forced: '1' });
  await fill(page, INITIAL, 'abcd1234');
  await tap(page, '#submit');
  await flush();
  expect(text(page, '#error')).toBe(message);
  expect(session.getToken()).toBe('first-token');
  expect(env.wx.reLaunch).not.toHaveBeenCalled();
  expect(toasts(env.wx)).not.toContain('登录已过期，请重新登录');
});

test('without a session the page goes to login', () => {
  session.clear();
  const page = render('password');
  page.instance.onLoad({ forced: '1' });
  expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login' });
});

test('forced mode offers 退出登录', async () => {
  const page = render('password');
  page.instance.onLoad({ forced: '1' });
  await tap(page, '#logout');
  expect(session.getToken()).toBe('');
  expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login?logout=1' });
});

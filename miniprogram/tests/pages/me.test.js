// 我的: merchant and staff, change password, log out.
const { install, flush } = require('../helpers/wx');
const { render, text, tap, dispatch } = require('../helpers/page');
const session = require('../../utils/session');

let env;
beforeEach(() => {
  env = install();
  session.save({ token: 'tok', merchant: { id: 1, name: '旧名称' }, staff: { id: 2, name: '王店员', phone: '13800000001' } });
  env.server.on('GET /api/merchant/me', {
    status: 200,
    body: { merchant: { id: 1, name: '日照蛋糕坊' }, staff: { id: 2, name: '王店员', phone: '13800000001' } }
  });
});

async function openPage() {
  const page = render('me');
  await page.instance.onShow();
  await flush();
  return page;
}

test('shows the merchant and the staff member from /me', async () => {
  const page = await openPage();
  expect(text(page, '#merchant-name')).toBe('日照蛋糕坊');
  expect(text(page, '#staff-name')).toBe('王店员');
  expect(text(page, '#staff-phone')).toBe('138****0001');
  expect(session.getProfile().merchant.name).toBe('日照蛋糕坊');
});

test('修改密码 opens the password page', async () => {
  const page = await openPage();
  await tap(page, '#change-password');
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/password/password' });
});

function answerModal(confirm) {
  env.wx.showModal.mockImplementation((o) => { o.success && o.success({ confirm: confirm, cancel: !confirm }); });
}

describe('退出登录', () => {
  beforeEach(() => {
    env.server.on('POST /api/merchant/wechat/unbind', { status: 200, body: null });
    env.server.on('POST /api/merchant/logout', { status: 200, body: null });
  });

  test('by default also unbinds this WeChat, revokes the token, and stays logged out', async () => {
    const page = await openPage();
    expect(page.instance.data.unbindOnLogout).toBe(true);
    answerModal(true);
    await tap(page, '#logout');
    await flush();
    expect(env.wx.showModal.mock.calls[0][0].content).toBe('确定退出当前账号并解除本微信的绑定吗？');
    const calls = env.server.calls.map((c) => c.method + ' ' + c.path).filter((c) => c.startsWith('POST'));
    expect(calls).toEqual(['POST /api/merchant/wechat/unbind', 'POST /api/merchant/logout']);
    expect(env.server.callsTo('POST /api/merchant/logout')[0].header.Authorization).toBe('Bearer tok');
    expect(session.getToken()).toBe('');
    expect(session.wasLoggedOut()).toBe(true);
    expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login?logout=1' });
  });

  test('with unbinding switched off (remembered) it only logs out', async () => {
    const page = await openPage();
    await dispatch(page, '#unbind', 'change', { value: false });
    expect(session.unbindOnLogout()).toBe(false);
    const again = await openPage();
    expect(again.instance.data.unbindOnLogout).toBe(false);
    answerModal(true);
    await tap(again, '#logout');
    await flush();
    expect(env.wx.showModal.mock.calls[0][0].content).toBe('确定退出当前账号吗？');
    expect(env.server.callsTo('POST /api/merchant/wechat/unbind')).toHaveLength(0);
    expect(env.server.callsTo('POST /api/merchant/logout')).toHaveLength(1);
    expect(session.getToken()).toBe('');
  });

  test('when unbinding cannot reach the server the cashier stays logged in and is told', async () => {
    env.server.on('POST /api/merchant/wechat/unbind', { fail: true });
    const page = await openPage();
    answerModal(true);
    await tap(page, '#logout');
    await flush();
    expect(env.wx.showModal.mock.calls[1][0].title).toBe('未能解除微信绑定');
    expect(env.server.callsTo('POST /api/merchant/logout')).toHaveLength(0);
    expect(session.getToken()).toBe('tok');
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
    expect(page.instance.data.loggingOut).toBe(false);
  });

  test('a log-out the server did not hear still ends the session on the phone', async () => {
    env.server.on('POST /api/merchant/logout', { fail: true });
    const page = await openPage();
    answerModal(true);
    await tap(page, '#logout');
    await flush();
    expect(session.getToken()).toBe('');
    expect(env.wx.showToast).not.toHaveBeenCalled();
    expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login?logout=1' });
  });

  test('cancelling keeps the session and calls nothing', async () => {
    const page = await openPage();
    answerModal(false);
    await tap(page, '#logout');
    await flush();
    expect(session.getToken()).toBe('tok');
    expect(env.server.callsTo('POST /api/merchant/logout')).toHaveLength(0);
    expect(env.wx.reLaunch).not.toHaveBeenCalled();
  });
});

test('a network failure keeps showing the cached profile', async () => {
  env.server.on('GET /api/merchant/me', { fail: true });
  const page = await openPage();
  expect(text(page, '#merchant-name')).toBe('旧名称');
  expect(env.wx.showToast).toHaveBeenCalled();
});

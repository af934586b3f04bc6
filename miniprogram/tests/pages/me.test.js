// 我的: merchant and staff, change password, log out.
const { install, flush } = require('../helpers/wx');
const { render, text, tap } = require('../helpers/page');
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

test('退出登录 asks, then clears the session and returns to login without auto WeChat login', async () => {
  const page = await openPage();
  env.wx.showModal.mockImplementation((o) => o.success({ confirm: true }));
  await tap(page, '#logout');
  expect(env.wx.showModal.mock.calls[0][0].content).toBe('确定退出当前账号吗？');
  expect(session.getToken()).toBe('');
  expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login?logout=1' });
});

test('cancelling the log-out keeps the session', async () => {
  const page = await openPage();
  env.wx.showModal.mockImplementation((o) => o.success({ confirm: false, cancel: true }));
  await tap(page, '#logout');
  expect(session.getToken()).toBe('tok');
  expect(env.wx.reLaunch).not.toHaveBeenCalled();
});

test('a network failure keeps showing the cached profile', async () => {
  env.server.on('GET /api/merchant/me', { fail: true });
  const page = await openPage();
  expect(text(page, '#merchant-name')).toBe('旧名称');
  expect(env.wx.showToast).toHaveBeenCalled();
});

// 核销 home: 扫一扫 (QR only) and manual code entry.
const { install, toasts } = require('../helpers/wx');
const { render, text, tap, input } = require('../helpers/page');
const session = require('../../utils/session');

let env;
beforeEach(() => {
  env = install();
  session.save({ token: 't', merchant: { id: 1, name: '日照蛋糕坊' }, staff: { id: 2, name: '王店员' } });
});

function openPage() {
  const page = render('scan');
  page.instance.onShow();
  return page;
}

test('shows the big 扫一扫 button and the merchant name', () => {
  const page = openPage();
  expect(text(page, '#scan')).toBe('扫一扫');
  expect(text(page, '#merchant')).toBe('日照蛋糕坊');
});

test('scanning opens the preview of the scanned code, QR codes only, camera only', async () => {
  env.wx.scanCode.mockImplementation((o) => o.success({ result: 'K7Q2M9X4ABCD3FGH5JKLMNPQ', scanType: 'QR_CODE' }));
  const page = openPage();
  await tap(page, '#scan');
  const opts = env.wx.scanCode.mock.calls[0][0];
  expect(opts.scanType).toEqual(['qrCode']);
  expect(opts.onlyFromCamera).toBe(true);
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=K7Q2M9X4ABCD3FGH5JKLMNPQ' });
});

test('a scanned code with odd case and spaces is normalised', async () => {
  env.wx.scanCode.mockImplementation((o) => o.success({ result: ' k7q2-m9x4 abcd3fgh5jklmnpq\n' }));
  const page = openPage();
  await tap(page, '#scan');
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=K7Q2M9X4ABCD3FGH5JKLMNPQ' });
});

test('a QR code that is not a voucher code is refused with a toast', async () => {
  env.wx.scanCode.mockImplementation((o) => o.success({ result: 'https://example.com/?x=1' }));
  const page = openPage();
  await tap(page, '#scan');
  expect(env.wx.navigateTo).not.toHaveBeenCalled();
  expect(toasts(env.wx)).toEqual(['无法识别的券码二维码']);
});

test('cancelling the scanner does nothing; a scanner failure shows a toast', async () => {
  const page = openPage();
  env.wx.scanCode.mockImplementation((o) => o.fail({ errMsg: 'scanCode:fail cancel' }));
  await tap(page, '#scan');
  expect(env.wx.showToast).not.toHaveBeenCalled();
  env.wx.scanCode.mockImplementation((o) => o.fail({ errMsg: 'scanCode:fail camera denied' }));
  await tap(page, '#scan');
  expect(toasts(env.wx)).toEqual(['扫码失败，请重试']);
  expect(env.wx.navigateTo).not.toHaveBeenCalled();
});

test('manual entry is case-insensitive with spaces and dashes stripped', async () => {
  const page = openPage();
  await input(page, '#code', 'k7q2 m9x4-abcd 3fgh-5jkl mnpq');
  await tap(page, '#lookup');
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=K7Q2M9X4ABCD3FGH5JKLMNPQ' });
});

test('manual entry: empty and malformed codes are refused on the page', async () => {
  const page = openPage();
  await tap(page, '#lookup');
  expect(text(page, '#error')).toBe('请输入券码');
  await input(page, '#code', '券码#1');
  await tap(page, '#lookup');
  expect(text(page, '#error')).toBe('券码格式不正确，请核对后重新输入');
  expect(env.wx.navigateTo).not.toHaveBeenCalled();
});

test('without a session the tab sends the user to login', () => {
  session.clear();
  render('scan').instance.onShow();
  expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login' });
});

test('a pending forced password change sends the user to the password page', () => {
  session.setMustChangePassword(true);
  render('scan').instance.onShow();
  expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/password/password?forced=1' });
});

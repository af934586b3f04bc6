// 核销 home: 扫一扫 (QR only) and manual code entry.
const { install, toasts, flush } = require('../helpers/wx');
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
  env.wx.scanCode.mockImplementation((o) => o.success({ result: 'K7Q2M9X4ABCD3FGH5JKMNPQR', scanType: 'QR_CODE' }));
  const page = openPage();
  await tap(page, '#scan');
  const opts = env.wx.scanCode.mock.calls[0][0];
  expect(opts.scanType).toEqual(['qrCode']);
  expect(opts.onlyFromCamera).toBe(true);
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=K7Q2M9X4ABCD3FGH5JKMNPQR' });
});

test('a scanned code with odd case and spaces is normalised', async () => {
  env.wx.scanCode.mockImplementation((o) => o.success({ result: ' k7q2-m9x4 abcd3fgh5jkmnpqr\n' }));
  const page = openPage();
  await tap(page, '#scan');
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=K7Q2M9X4ABCD3FGH5JKMNPQR' });
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
  await input(page, '#code', 'k7q2 m9x4-abcd 3fgh-5jkm npqr');
  await tap(page, '#lookup');
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=K7Q2M9X4ABCD3FGH5JKMNPQR' });
});

test("manual entry reads I and L as 1 and O as 0, as Crockford's alphabet does", async () => {
  const page = openPage();
  await input(page, '#code', 'OOI1 LLOO abcd-efgh jkmn pqrs');
  await tap(page, '#lookup');
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=00111100ABCDEFGHJKMNPQRS' });
});

test.each([
  ['', '请输入券码'],
  ['券码#1', '券码只含数字和字母，请核对后重新输入'],
  ['K7Q2M9X4ABCD3FGH5JKMNPQ', '券码应为24位，当前23位，请核对后重新输入'],
  ['K7Q2M9X4ABCD3FGH5JKMNPQRS', '券码应为24位，当前25位，请核对后重新输入'],
  ['K7Q2M9X4ABCD3FGH5JKMNPQU', '券码中没有字母 U，请核对后重新输入']
])('manual entry %p is refused on the page without asking the server', async (typed, message) => {
  const page = openPage();
  await input(page, '#code', typed);
  await tap(page, '#lookup');
  expect(text(page, '#error')).toBe(message);
  expect(env.wx.navigateTo).not.toHaveBeenCalled();
  expect(env.server.calls.filter((c) => c.path.indexOf('/vouchers/') >= 0)).toHaveLength(0);
});

describe("today's figures", () => {
  function summaryOf(date, mine, shop) {
    return { status: 200, body: { date: date, mine: { count: mine[0], amount_fen: mine[1] }, shop: { count: shop[0], amount_fen: shop[1] } } };
  }

  afterEach(() => jest.useRealTimers());

  test('this cashier and the shop, in yuan, asked for the Beijing date when shown', async () => {
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    jest.setSystemTime(new Date('2026-12-03T02:00:00Z')); // 10:00 in Beijing
    env.server.on('GET /api/merchant/summary', (call) => summaryOf(call.query.date, [3, 15000], [7, 35050]));
    const page = render('scan');
    await page.instance.onShow();
    await flush();
    expect(env.server.callsTo('GET /api/merchant/summary')[0].query).toEqual({ date: '2026-12-03' });
    expect(text(page, '#today-mine')).toBe('3 笔 · ¥150.00');
    expect(text(page, '#today-shop')).toBe('7 笔 · ¥350.50');
  });

  test('a phone left open past midnight starts the new day when the tab is shown again', async () => {
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    jest.setSystemTime(new Date('2026-12-03T15:50:00Z')); // 23:50 in Beijing
    env.server.on('GET /api/merchant/summary', (call) => (call.query.date === '2026-12-03'
      ? summaryOf('2026-12-03', [12, 60000], [30, 150000])
      : summaryOf(call.query.date, [0, 0], [0, 0])));
    const page = render('scan');
    await page.instance.onShow();
    await flush();
    expect(text(page, '#today-mine')).toBe('12 笔 · ¥600.00');

    jest.setSystemTime(new Date('2026-12-03T16:05:00Z')); // 00:05 the next day
    await page.instance.onShow();
    await flush();
    const dates = env.server.callsTo('GET /api/merchant/summary').map((c) => c.query.date);
    expect(dates).toEqual(['2026-12-03', '2026-12-04']);
    expect(text(page, '#today-mine')).toBe('0 笔 · ¥0.00');
    expect(text(page, '#today-shop')).toBe('0 笔 · ¥0.00');
  });

  test('without the figures (no network) the counter still scans, quietly', async () => {
    env.server.on('GET /api/merchant/summary', { fail: true });
    const page = render('scan');
    await page.instance.onShow();
    await flush();
    expect(text(page, '#today')).toBeNull();
    expect(env.wx.showToast).not.toHaveBeenCalled();
    expect(text(page, '#scan')).toBe('扫一扫');
  });
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

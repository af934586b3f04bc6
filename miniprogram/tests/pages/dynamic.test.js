// Screenshot-proof vouchers (动态券码): the scanned payload goes to the server as is; a
// typed code the server says needs them gets the 6-digit field.
const { install, flush, err } = require('../helpers/wx');
const { render, text, tap, input, exists } = require('../helpers/page');
const session = require('../../utils/session');
const flash = require('../../utils/flash');
const format = require('../../utils/format');
const { CODE, preview, redemption } = require('../helpers/fixtures');

const PAYLOAD = 'DV1.42.60000000.aB3-_xYz0123456789ab';

let env;
beforeEach(() => {
  env = install();
  session.save({ token: 'tok', merchant: { id: 1, name: '日照蛋糕坊' }, staff: { id: 2, name: '王店员' } });
  flash.take();
});

async function open(code, answer) {
  env.server.on('GET /api/merchant/vouchers/*', answer || { status: 200, body: preview() });
  const page = render('confirm');
  await page.instance.onLoad({ code: encodeURIComponent(code) });
  await flush();
  return page;
}

test('a dynamic payload is recognised and not taken for a code', () => {
  expect(format.isDynamicPayload(PAYLOAD)).toBe(true);
  expect(format.isDynamicPayload(CODE)).toBe(false);
  expect(format.isDynamicPayload('DV1.x')).toBe(false);
  expect(format.isDynamicDigits('012345')).toBe(true);
  expect(format.isDynamicDigits('12345')).toBe(false);
});

test('scanning a dynamic QR code opens the preview with the payload as scanned', async () => {
  env.wx.scanCode.mockImplementation((o) => o.success({ result: PAYLOAD + '\n' }));
  const page = render('scan');
  page.instance.onShow();
  await tap(page, '#scan');
  expect(env.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=' + encodeURIComponent(PAYLOAD) });
});

test('the payload is previewed and redeemed as is', async () => {
  const page = await open(PAYLOAD);
  expect(env.server.calls[0].path).toBe('/api/merchant/vouchers/' + encodeURIComponent(PAYLOAD));
  expect(text(page, '#code')).toBe(CODE);
  env.server.on('POST /api/merchant/redemptions', { status: 201, body: redemption() });
  await tap(page, '#redeem');
  await flush();
  expect(env.server.callsTo('POST /api/merchant/redemptions')[0].data).toEqual({ code: PAYLOAD });
});

test('an expired payload asks the member to refresh, without a retry', async () => {
  const page = await open(PAYLOAD, err(409, 'DYNAMIC_CODE_EXPIRED', '请会员刷新券码后重新扫码'));
  expect(text(page, '#load-error')).toContain('动态券码已过期');
  expect(text(page, '#load-error-text')).toBe('请会员刷新券码后重新扫码');
  expect(exists(page, '#retry')).toBe(false);
});

test('a typed code that needs them gets the 6-digit field, sent with the preview and the redemption', async () => {
  const page = await open(CODE, err(409, 'DYNAMIC_CODE_REQUIRED', '需要动态数字'));
  expect(exists(page, '#digits-form')).toBe(true);
  expect(exists(page, '#preview')).toBe(false);

  await input(page, '#digits', '123');
  await tap(page, '#digits-submit');
  expect(text(page, '#digits-error')).toBe('请输入会员手机上券码下方的6位数字');
  expect(env.server.calls.length).toBe(1);

  env.server.on('GET /api/merchant/vouchers/*', err(409, 'DYNAMIC_DIGITS_INVALID', '不正确'));
  await input(page, '#digits', '654321');
  await tap(page, '#digits-submit');
  await flush();
  expect(env.server.calls[1].path).toBe('/api/merchant/vouchers/' + CODE);
  expect(env.server.calls[1].query).toEqual({ digits: '654321' });
  expect(text(page, '#digits-error')).toBe('动态数字不正确或已过期，请核对会员手机上券码下方的6位数字');

  env.server.on('GET /api/merchant/vouchers/*', { status: 200, body: preview() });
  await input(page, '#digits', '123456');
  await tap(page, '#digits-submit');
  await flush();
  expect(exists(page, '#preview')).toBe(true);
  env.server.on('POST /api/merchant/redemptions', { status: 201, body: redemption() });
  await tap(page, '#redeem');
  await flush();
  expect(env.server.callsTo('POST /api/merchant/redemptions')[0].data).toEqual({ code: CODE, digits: '123456' });
});

test('an ordinary code is previewed without digits, as before', async () => {
  await open(CODE);
  expect(env.server.calls[0].path).toBe('/api/merchant/vouchers/' + CODE);
  expect(env.server.calls[0].query).toEqual({});
});

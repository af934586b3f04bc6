// Scan → preview → 确认核销 → result, and every way a redemption can fail.
const { install, flush, err, toasts, deferred } = require('../helpers/wx');
const { render, text, tap, exists } = require('../helpers/page');
const session = require('../../utils/session');
const flash = require('../../utils/flash');
const { CODE, preview, redemption } = require('../helpers/fixtures');

let env;
beforeEach(() => {
  env = install();
  session.save({ token: 'tok', merchant: { id: 1, name: '日照蛋糕坊' }, staff: { id: 2, name: '王店员' } });
  flash.take();
});

async function openPreview(body, code) {
  env.server.on('GET /api/merchant/vouchers/*', body || { status: 200, body: preview() });
  const page = render('confirm');
  await page.instance.onLoad({ code: code || CODE });
  await flush();
  return page;
}

// Render the result page from what the confirm page handed over.
function openResult() {
  const page = render('result');
  page.instance.onLoad();
  return page;
}

describe('preview', () => {
  test('shows coupon, face value in yuan, masked member and validity', async () => {
    const page = await openPreview();
    expect(env.server.calls[0].path).toBe('/api/merchant/vouchers/' + CODE);
    expect(env.server.calls[0].header.Authorization).toBe('Bearer tok');
    expect(text(page, '#title')).toBe('2024 端午节福利');
    expect(text(page, '#name')).toBe('粽子礼盒兑换券');
    expect(text(page, '#amount')).toBe('¥128.50');
    expect(text(page, '#member')).toBe('张* 181****2499');
    expect(text(page, '#validity')).toBe('2024-06-01 00:00 至 2024-06-30 23:59');
    expect(text(page, '#conditions')).toBe('凭券到店领取，不找零');
    expect(text(page, '#status')).toBe('未使用');
    expect(text(page, '#redeem')).toBe('确认核销');
    expect(text(page, '#block-reason')).toBeNull();
  });

  test('a lower-case code in the query is normalised before the lookup', async () => {
    await openPreview(null, 'k7q2-m9x4abcd3fgh5jkmnpqr');
    expect(env.server.calls[0].path).toBe('/api/merchant/vouchers/' + CODE);
  });

  test('an already redeemed voucher shows when and where, and no 确认核销 button', async () => {
    const page = await openPreview({
      status: 200,
      body: preview({
        status: 'redeemed', redeemable: false, reason: 'ALREADY_REDEEMED',
        redeemed_at: '2024-06-10T09:30:00+08:00', redeemed_merchant_name: '东港区一号店'
      })
    });
    expect(text(page, '#status')).toBe('已核销');
    expect(text(page, '#block-title')).toBe('该券已核销');
    expect(text(page, '#block-desc')).toBe('该券已于 2024-06-10 09:30 在「东港区一号店」核销，不能重复核销');
    expect(exists(page, '#redeem')).toBe(false);
  });

  test.each([
    ['NOT_IN_WINDOW', 'unused', '不在核销有效期内', '当前不在核销有效期内，有效期为 2024-06-01 00:00 至 2024-06-30 23:59'],
    ['EXPIRED', 'expired', '该券已过期', '该券已超过有效期，视为自动放弃，无法核销']
  ])('not redeemable because %s', async (reason, status, title, desc) => {
    const page = await openPreview({ status: 200, body: preview({ status, redeemable: false, reason }) });
    expect(text(page, '#block-title')).toBe(title);
    expect(text(page, '#block-desc')).toBe(desc);
    expect(exists(page, '#redeem')).toBe(false);
  });

  test('unknown code (404) says the code does not exist', async () => {
    const page = await openPreview(err(404, 'NOT_FOUND', '未找到'));
    expect(text(page, '#load-error')).toContain('券码不存在');
    expect(text(page, '#load-error-text')).toBe('未找到该券码，请核对后重试');
    expect(exists(page, '#retry')).toBe(false);
    expect(exists(page, '#preview')).toBe(false);
  });

  test.each([
    ['NOT_AUTHORISED', '本店无权核销此券', '该券不属于本店，也未授权本店核销，请会员到指定商家使用'],
    ['MERCHANT_OFFLINE', '本店已下线', '本店已被工会设为下线，暂停核销；如需恢复请联系工会管理员']
  ])('a 403 %s shows the reason instead of a preview', async (code, title, desc) => {
    const page = await openPreview(err(403, code, '拒绝'));
    expect(text(page, '#load-error')).toContain(title);
    expect(text(page, '#load-error-text')).toBe(desc);
    expect(exists(page, '#retry')).toBe(false);
    expect(exists(page, '#preview')).toBe(false);
  });

  test('too many lookups (429) shows the message and offers a retry', async () => {
    const page = await openPreview(err(429, 'TOO_MANY_LOOKUPS', '查询过于频繁，请稍后再试'));
    expect(text(page, '#load-error-text')).toBe('查询过于频繁，请稍后再试');
    env.server.on('GET /api/merchant/vouchers/*', { status: 200, body: preview() });
    await tap(page, '#retry');
    await flush();
    expect(text(page, '#amount')).toBe('¥128.50');
  });
});

describe('redeem', () => {
  test('success hands the redemption to the result page, which shows it', async () => {
    const page = await openPreview();
    env.server.on('POST /api/merchant/redemptions', { status: 201, body: redemption() });
    await tap(page, '#redeem');
    await flush();
    expect(env.server.callsTo('POST /api/merchant/redemptions')[0].data).toEqual({ code: CODE });
    expect(env.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/result/result' });

    const result = openResult();
    expect(text(result, '#title')).toBe('核销成功');
    expect(text(result, '#amount')).toBe('¥128.50');
    const rows = result.instance.data.rows.map((r) => r.label + '=' + r.value);
    expect(rows).toEqual([
      '券名称=2024 端午节福利',
      '面值=¥128.50',
      '会员=张*',
      '核销时间=2024-06-12 10:05',
      '核销门店=日照蛋糕坊',
      '核销员=王店员',
      '券码=' + CODE
    ]);
    expect(result.dom.textContent).toContain('王店员');
  });

  test('a second tap while the first request is pending sends no second request', async () => {
    const page = await openPreview();
    const pending = deferred();
    env.server.on('POST /api/merchant/redemptions', () => pending.promise);
    const taps = [tap(page, '#redeem'), tap(page, '#redeem')];
    await Promise.all(taps);
    await tap(page, '#redeem');
    expect(env.server.callsTo('POST /api/merchant/redemptions')).toHaveLength(1);
    expect(page.instance.data.submitting).toBe(true);
    pending.resolve({ status: 201, body: redemption() });
    await flush();
    await tap(page, '#redeem');
    expect(env.server.callsTo('POST /api/merchant/redemptions')).toHaveLength(1);
    expect(env.wx.redirectTo).toHaveBeenCalledTimes(1);
  });

  const failures = [
    [
      'ALREADY_REDEEMED',
      err(409, 'ALREADY_REDEEMED', '该券已核销', { redeemed_at: '2024-06-10T01:30:00Z', merchant_name: '东港区一号店' }),
      '该券已核销',
      '该券已于 2024-06-10 09:30 在「东港区一号店」核销，不能重复核销'
    ],
    [
      'NOT_IN_WINDOW',
      err(409, 'NOT_IN_WINDOW', '不在有效期内', { valid_from: '2024-07-01T00:00:00+08:00', valid_to: '2024-07-31T23:59:59+08:00' }),
      '不在核销有效期内',
      '当前不在核销有效期内，有效期为 2024-07-01 00:00 至 2024-07-31 23:59'
    ],
    ['EXPIRED', err(409, 'EXPIRED', '券已过期'), '该券已过期', '该券已超过有效期，视为自动放弃，无法核销'],
    ['NOT_AUTHORISED', err(403, 'NOT_AUTHORISED', '无权核销'), '本店无权核销此券', '该券不属于本店，也未授权本店核销，请会员到指定商家使用'],
    ['MERCHANT_OFFLINE', err(403, 'MERCHANT_OFFLINE', '已下线'), '本店已下线', '本店已被工会设为下线，暂停核销；如需恢复请联系工会管理员'],
    ['NOT_FOUND', err(404, 'NOT_FOUND', '未找到'), '券码不存在', '未找到该券码，请核对后重试']
  ];

  test.each(failures)('%s: the result page shows the exact reason', async (code, response, reasonTitle, reason) => {
    const page = await openPreview();
    env.server.on('POST /api/merchant/redemptions', response);
    await tap(page, '#redeem');
    await flush();
    expect(env.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/result/result' });
    expect(env.wx.reLaunch).not.toHaveBeenCalled();

    const result = openResult();
    expect(text(result, '#title')).toBe('核销失败');
    expect(text(result, '#reason-title')).toBe(reasonTitle);
    expect(text(result, '#reason')).toBe(reason);
    expect(text(result, '#success')).toBeNull();
  });

  test('a network error keeps the page, shows a toast and allows another try', async () => {
    const page = await openPreview();
    env.server.on('POST /api/merchant/redemptions', { fail: true });
    await tap(page, '#redeem');
    await flush();
    expect(toasts(env.wx)).toEqual(['网络异常，请检查网络后重试']);
    expect(env.wx.redirectTo).not.toHaveBeenCalled();
    expect(page.instance.data.submitting).toBe(false);

    env.server.on('POST /api/merchant/redemptions', { status: 201, body: redemption() });
    await tap(page, '#redeem');
    await flush();
    expect(env.server.callsTo('POST /api/merchant/redemptions')).toHaveLength(2);
    expect(env.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/result/result' });
  });

  test('token expired at 确认核销: session cleared, back to login, no result page', async () => {
    const page = await openPreview();
    env.server.on('POST /api/merchant/redemptions', err(401, 'UNAUTHORIZED', '登录已失效'));
    await tap(page, '#redeem');
    await flush();
    expect(session.getToken()).toBe('');
    expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login' });
    expect(toasts(env.wx)).toContain('登录已过期，请重新登录');
    expect(env.wx.redirectTo).not.toHaveBeenCalled();
  });

  test('password change required at preview: sent to the forced password page', async () => {
    await openPreview(err(403, 'PASSWORD_CHANGE_REQUIRED', '请先修改初始密码'));
    expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/password/password?forced=1' });
  });
});

describe('a lost answer', () => {
  test('the retry sends the same Idempotency-Key and the first redemption is the success page', async () => {
    const page = await openPreview();
    // The server redeems, but the answer never reaches the phone.
    let redeemed = null;
    env.server.on('POST /api/merchant/redemptions', (call) => {
      if (!redeemed) {
        redeemed = call.header['Idempotency-Key'];
        return { fail: true };
      }
      // The server answers a repeated key with the first redemption.
      return call.header['Idempotency-Key'] === redeemed
        ? { status: 201, body: redemption() }
        : err(409, 'ALREADY_REDEEMED', '此券已核销');
    });
    await tap(page, '#redeem');
    await flush();
    expect(env.wx.redirectTo).not.toHaveBeenCalled();
    await tap(page, '#redeem');
    await flush();
    const calls = env.server.callsTo('POST /api/merchant/redemptions');
    expect(calls).toHaveLength(2);
    expect(calls[0].header['Idempotency-Key']).toMatch(/^[!-~]{1,64}$/);
    expect(calls[1].header['Idempotency-Key']).toBe(calls[0].header['Idempotency-Key']);
    expect(env.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/result/result' });
    const result = openResult();
    expect(text(result, '#title')).toBe('核销成功');
  });

  test('each confirmation has a key of its own', async () => {
    env.server.on('POST /api/merchant/redemptions', { status: 201, body: redemption() });
    const first = await openPreview();
    await tap(first, '#redeem');
    await flush();
    const second = await openPreview();
    await tap(second, '#redeem');
    await flush();
    const keys = env.server.callsTo('POST /api/merchant/redemptions').map((c) => c.header['Idempotency-Key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });
});

describe('result page', () => {
  test('success vibrates briefly; 继续扫码 opens the scanner and the next preview replaces the page', async () => {
    flash.set({ ok: true, redemption: redemption() });
    const result = openResult();
    expect(env.wx.vibrateShort).toHaveBeenCalledTimes(1);
    expect(env.wx.vibrateLong).not.toHaveBeenCalled();
    expect(text(result, '#scan-next')).toBe('继续扫码');
    env.wx.scanCode.mockImplementation((o) => o.success({ result: 'k7q2 m9x4 abcd 3fgh 5jkm npqr' }));
    await tap(result, '#scan-next');
    expect(env.wx.scanCode.mock.calls[0][0].onlyFromCamera).toBe(true);
    expect(env.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/confirm/confirm?code=K7Q2M9X4ABCD3FGH5JKMNPQR' });
  });

  test('a failure vibrates long', () => {
    flash.set({ ok: false, code: 'ALREADY_REDEEMED', message: '此券已核销', details: null, voucherCode: 'X' });
    openResult();
    expect(env.wx.vibrateLong).toHaveBeenCalledTimes(1);
    expect(env.wx.vibrateShort).not.toHaveBeenCalled();
  });

  test('a phone without vibration still shows the result', () => {
    env.wx.vibrateShort.mockImplementation(() => { throw new Error('not supported'); });
    flash.set({ ok: true, redemption: redemption() });
    const result = openResult();
    expect(text(result, '#title')).toBe('核销成功');
  });

  test('返回首页 and 查看核销记录 switch tabs', async () => {
    flash.set({ ok: true, redemption: redemption() });
    const result = openResult();
    await tap(result, '#home');
    expect(env.wx.switchTab).toHaveBeenLastCalledWith({ url: '/pages/scan/scan' });
    await tap(result, '#records');
    expect(env.wx.switchTab).toHaveBeenLastCalledWith({ url: '/pages/records/records' });
  });

  test('opened with nothing to show it returns to scanning', () => {
    openResult();
    expect(env.wx.switchTab).toHaveBeenCalledWith({ url: '/pages/scan/scan' });
  });
});

// 核销记录: date filter, server-side totals, paging, token expiry.
const { install, flush, err } = require('../helpers/wx');
const { render, text, tap, exists, dispatch } = require('../helpers/page');
const session = require('../../utils/session');
const { redemption } = require('../helpers/fixtures');

const NOW = Date.parse('2024-06-12T10:00:00+08:00');

let env;
beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
  env = install();
  session.setToken('tok');
});
afterEach(() => {
  Date.now.mockRestore();
});

function items(n, start) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(redemption({ id: (start || 0) + i + 1, amount_fen: 1000, member_name_masked: '会员' + ((start || 0) + i + 1) }));
  }
  return out;
}

// Server stub: 45 redemptions worth ¥10.00 each in any filter, paged.
function serve45() {
  env.server.on('GET /api/merchant/redemptions', (call) => {
    const page = Number(call.query.page);
    const size = Number(call.query.page_size);
    const count = Math.max(0, Math.min(size, 45 - (page - 1) * size));
    return { status: 200, body: { items: items(count, (page - 1) * size), total: 45, page, page_size: size, total_amount_fen: 45000 } };
  });
}

async function openPage() {
  const page = render('records');
  page.instance.onLoad();
  await page.instance.onShow();
  await flush();
  return page;
}

test('defaults to today and shows the totals of the whole filter', async () => {
  serve45();
  const page = await openPage();
  const call = env.server.calls[0];
  expect(call.query).toEqual({ from: '2024-06-12', to: '2024-06-12', page: '1', page_size: '20' });
  expect(call.header.Authorization).toBe('Bearer tok');
  expect(text(page, '#total-count')).toBe('45');
  expect(text(page, '#total-amount')).toBe('¥450.00');
  expect(page.instance.data.items).toHaveLength(20);
  expect(page.instance.data.items[0]).toEqual({
    id: 1, title: '2024 端午节福利', amount: '¥10.00', time: '2024-06-12 10:05', member: '会员1', staff: '王店员',
    code: '****KMNPQR'
  });
  expect(page.dom.textContent).toContain('核销员：王店员');
  // The code masked but for its last six characters.
  expect(page.dom.textContent).toContain('券码：****KMNPQR');
  expect(page.dom.textContent).not.toContain('K7Q2M9X4');
});

test('searching one voucher by its code, typed loosely; clearing shows all again', async () => {
  serve45();
  const page = await openPage();
  await dispatch(page, '#search', 'input', { value: 'k7q2-m9x4 abcd 3fgh 5jkm npqr' });
  await tap(page, '#do-search');
  await flush();
  const searched = env.server.calls[env.server.calls.length - 1];
  expect(searched.query).toEqual({ from: '2024-06-12', to: '2024-06-12', code: 'K7Q2M9X4ABCD3FGH5JKMNPQR', page: '1', page_size: '20' });
  await tap(page, '#clear-search');
  await flush();
  const cleared = env.server.calls[env.server.calls.length - 1];
  expect(cleared.query.code).toBeUndefined();
  expect(page.instance.data.search).toBe('');
});

test('a search for something that cannot be a code is refused without a request', async () => {
  serve45();
  const page = await openPage();
  const before = env.server.calls.length;
  await dispatch(page, '#search', 'input', { value: '12345' });
  await tap(page, '#do-search');
  await flush();
  expect(text(page, '#search-error')).toBe('券码应为24位，当前5位，请核对后重新输入');
  expect(env.server.calls).toHaveLength(before);
});

test('a page left open overnight shows the new day when shown again', async () => {
  serve45();
  const page = await openPage();
  Date.now.mockReturnValue(Date.parse('2024-06-13T00:10:00+08:00'));
  await page.instance.onShow();
  await flush();
  const call = env.server.calls[env.server.calls.length - 1];
  expect(call.query.from).toBe('2024-06-13');
  expect(call.query.to).toBe('2024-06-13');
});

test('scrolling to the bottom loads the next pages and stops at the end', async () => {
  serve45();
  const page = await openPage();
  await page.instance.onReachBottom();
  await flush();
  expect(page.instance.data.items).toHaveLength(40);
  await page.instance.onReachBottom();
  await flush();
  expect(page.instance.data.items).toHaveLength(45);
  expect(page.instance.data.hasMore).toBe(false);
  expect(text(page, '#end')).toBe('没有更多了');
  page.instance.onReachBottom();
  expect(env.server.calls).toHaveLength(3);
  expect(env.server.calls.map((c) => c.query.page)).toEqual(['1', '2', '3']);
  expect(text(page, '#total-amount')).toBe('¥450.00');
});

test('presets 近7天 and 本月 change the date range', async () => {
  serve45();
  const page = await openPage();
  await tap(page, '#preset-week');
  await flush();
  expect(env.server.calls[1].query).toMatchObject({ from: '2024-06-06', to: '2024-06-12', page: '1' });
  await tap(page, '#preset-month');
  await flush();
  expect(env.server.calls[2].query).toMatchObject({ from: '2024-06-01', to: '2024-06-12' });
  expect(page.instance.data.preset).toBe('month');
});

test('picking dates re-queries and keeps from <= to', async () => {
  serve45();
  const page = await openPage();
  await dispatch(page, '#from', 'change', { value: '2024-05-01' });
  await flush();
  expect(env.server.calls[1].query).toMatchObject({ from: '2024-05-01', to: '2024-06-12' });
  await dispatch(page, '#to', 'change', { value: '2024-04-20' });
  await flush();
  expect(env.server.calls[2].query).toMatchObject({ from: '2024-04-20', to: '2024-04-20' });
});

test('an empty range says so and shows zero totals', async () => {
  env.server.on('GET /api/merchant/redemptions', { status: 200, body: { items: [], total: 0, page: 1, page_size: 20, total_amount_fen: 0 } });
  const page = await openPage();
  expect(text(page, '#empty')).toBe('所选日期内暂无核销记录');
  expect(text(page, '#total-count')).toBe('0');
  expect(text(page, '#total-amount')).toBe('¥0.00');
});

test('a failed load can be retried', async () => {
  env.server.on('GET /api/merchant/redemptions', err(400, 'VALIDATION', '日期范围不能超过 366 天'));
  const page = await openPage();
  expect(text(page, '#error')).toContain('日期范围不能超过 366 天');
  serve45();
  await tap(page, '#retry');
  await flush();
  expect(exists(page, '#error')).toBe(false);
  expect(text(page, '#total-count')).toBe('45');
});

test('pull-down refresh reloads page 1 and stops the indicator', async () => {
  serve45();
  const page = await openPage();
  await page.instance.onPullDownRefresh();
  expect(env.server.calls[1].query.page).toBe('1');
  expect(env.wx.stopPullDownRefresh).toHaveBeenCalled();
});

test('token expiry while viewing records goes back to login', async () => {
  env.server.on('GET /api/merchant/redemptions', err(401, 'UNAUTHORIZED', '登录已失效'));
  await openPage();
  expect(session.getToken()).toBe('');
  expect(env.wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/login' });
});

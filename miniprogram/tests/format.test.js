// Pure helpers: money, time, voucher codes, reasons, password rules, config.
const format = require('../utils/format');
const reasons = require('../utils/reasons');
const rules = require('../utils/password-rules');
const { install } = require('./helpers/wx');

describe('yuan', () => {
  test.each([
    [1250, '¥12.50'], [0, '¥0.00'], [5, '¥0.05'], [100, '¥1.00'], [123456789, '¥1234567.89'],
    [-250, '-¥2.50'], [null, '¥0.00'], [undefined, '¥0.00'], ['abc', '¥0.00']
  ])('%p fen -> %s', (fen, shown) => {
    expect(format.yuan(fen)).toBe(shown);
  });
});

describe('dateTime (shown in Beijing time)', () => {
  test.each([
    ['2024-06-01T00:00:00+08:00', '2024-06-01 00:00'],
    ['2024-06-11T18:05:00Z', '2024-06-12 02:05'],
    ['2024-06-11T18:05:59.123456789Z', '2024-06-12 02:05'],
    ['2024-06-12T10:05:00-0300', '2024-06-12 21:05'],
    ['2024-12-31T23:59:59+08:00', '2024-12-31 23:59'],
    ['2024-06-12 10:05:00', '2024-06-12 10:05'],
    ['not a date', 'not a date'],
    [null, '']
  ])('%p -> %p', (value, shown) => {
    expect(format.dateTime(value)).toBe(shown);
  });

  test('dateOf uses the Beijing calendar day', () => {
    expect(format.dateOf(Date.parse('2024-06-11T16:30:00Z'))).toBe('2024-06-12');
    expect(format.dateOf(Date.parse('2024-06-11T15:30:00Z'))).toBe('2024-06-11');
  });

  test('addDays crosses month and year ends', () => {
    expect(format.addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(format.addDays('2024-12-31', 1)).toBe('2025-01-01');
  });
});

describe('voucher codes', () => {
  test('normalised: upper case, spaces and dashes removed', () => {
    expect(format.normalizeCode(' k7q2-m9x4 abcd\t3fgh–5jkm_npqr ')).toBe('K7Q2M9X4ABCD3FGH5JKMNPQR');
  });
  test('validity', () => {
    expect(format.isValidCode('K7Q2M9X4ABCD3FGH5JKMNPQR')).toBe(true);
    expect(format.isValidCode('')).toBe(false);
    expect(format.isValidCode('ABC')).toBe(false);
    expect(format.isValidCode('HTTPS://X')).toBe(false);
  });
});

describe('redemption reasons', () => {
  test('ALREADY_REDEEMED without details still explains', () => {
    expect(reasons.detail('ALREADY_REDEEMED', null)).toBe('该券已被核销，不能重复核销');
  });
  test('unknown codes fall back to the server message', () => {
    expect(reasons.title('SOMETHING', '奇怪的错误')).toBe('奇怪的错误');
    expect(reasons.detail('SOMETHING', null, '奇怪的错误')).toBe('奇怪的错误');
  });
});

describe('password rules', () => {
  test('a good password passes', () => {
    expect(rules.validate('K7mPq2Rt9xYz', 'Shop2024x', 'Shop2024x', true)).toBe('');
  });
  test('the first change may not keep the initial password, which the app does not know', () => {
    expect(rules.INITIAL_PASSWORD).toBeUndefined();
    expect(rules.validate('K7mPq2Rt9xYz', 'K7mPq2Rt9xYz', 'K7mPq2Rt9xYz', true)).toBe('新密码不能使用初始密码');
    expect(rules.validate('Shop2024x', 'Shop2024x', 'Shop2024x', false)).toBe('新密码不能与原密码相同');
  });
});

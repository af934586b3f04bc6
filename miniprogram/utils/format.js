// Display helpers: money, times (shown in Beijing time, UTC+8) and voucher codes.
const CN_OFFSET_MIN = 8 * 60;

function pad(n) {
  return n < 10 ? '0' + n : '' + n;
}

// 1250 -> "¥12.50"
function yuan(fen) {
  const n = Number(fen);
  if (!isFinite(n)) return '¥0.00';
  const negative = n < 0;
  const abs = Math.round(Math.abs(n));
  const text = Math.floor(abs / 100) + '.' + pad(abs % 100);
  return (negative ? '-¥' : '¥') + text;
}

// Parse an RFC 3339 timestamp into epoch milliseconds without relying on
// Date.parse (iOS rejects fractional seconds longer than 3 digits).
function parseTime(value) {
  if (!value || typeof value !== 'string') return NaN;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return NaN;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
  const zone = m[7];
  if (!zone) {
    ms -= CN_OFFSET_MIN * 60000; // no offset: treat as Beijing time
  } else if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = sign * (parseInt(digits.slice(0, 2), 10) * 60 + parseInt(digits.slice(2), 10));
    ms -= offset * 60000;
  }
  return ms;
}

function cnParts(ms) {
  const d = new Date(ms + CN_OFFSET_MIN * 60000);
  return {
    y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(),
    h: d.getUTCHours(), mi: d.getUTCMinutes()
  };
}

// "2024-05-01T09:30:00+08:00" -> "2024-05-01 09:30"
function dateTime(value) {
  const ms = parseTime(value);
  if (isNaN(ms)) return value || '';
  const p = cnParts(ms);
  return p.y + '-' + pad(p.mo) + '-' + pad(p.d) + ' ' + pad(p.h) + ':' + pad(p.mi);
}

// YYYY-MM-DD of a moment (default: now) in Beijing time.
function dateOf(ms) {
  const p = cnParts(ms === undefined ? Date.now() : ms);
  return p.y + '-' + pad(p.mo) + '-' + pad(p.d);
}

// Shift a YYYY-MM-DD date by whole days.
function addDays(date, days) {
  const parts = date.split('-').map(Number);
  const d = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + days));
  return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
}

// Voucher codes are 24 characters of Crockford's base32 (digits and capitals without
// I, L, O, U), read the way Crockford decoding says: case, spaces and dashes do not
// matter, I and L are 1, O is 0. The server normalises the same way.
const CODE_LENGTH = 24;
const CODE_RE = /^[0-9A-HJKMNP-TV-Z]{24}$/;

function normalizeCode(raw) {
  return String(raw || '')
    .replace(/[\s\-_\u2010-\u2015\u3000]/g, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

// Whether a normalised code can be a voucher code: checked before asking the server,
// so a typo does not count against the lookup limit.
function isValidCode(code) {
  return CODE_RE.test(code);
}

// Why a normalised code cannot be one, in the cashier's words ('' when it can).
function codeProblem(code) {
  if (!code) return '请输入券码';
  if (/[^0-9A-Z]/.test(code)) return '券码只含数字和字母，请核对后重新输入';
  if (/U/.test(code)) return '券码中没有字母 U，请核对后重新输入';
  if (code.length !== CODE_LENGTH) {
    return '券码应为' + CODE_LENGTH + '位，当前' + code.length + '位，请核对后重新输入';
  }
  return '';
}

// "****ABCDEF": a code with all but its last `visible` characters hidden.
function maskCode(code, visible) {
  const c = String(code || '');
  const n = visible || 6;
  return c.length > n ? '****' + c.slice(-n) : c;
}

// The signed, short-lived payload of a screenshot-proof voucher (动态券码), as its QR
// code shows it: sent to the server exactly as scanned.
function isDynamicPayload(text) {
  return typeof text === 'string' && /^DV1\.\d+\.\d+\.[A-Za-z0-9_-]+$/.test(text.trim());
}

// The 6-digit number shown under a dynamic voucher's QR code.
function isDynamicDigits(text) {
  return typeof text === 'string' && /^\d{6}$/.test(text.trim());
}

module.exports = {
  isDynamicPayload,
  isDynamicDigits,
  yuan, parseTime, dateTime, dateOf, addDays, normalizeCode, isValidCode, codeProblem, maskCode, CODE_LENGTH
};

// Chinese explanations for why a voucher cannot be redeemed.
const format = require('./format');

const TITLES = {
  ALREADY_REDEEMED: '该券已核销',
  NOT_IN_WINDOW: '不在核销有效期内',
  EXPIRED: '该券已过期',
  NOT_AUTHORISED: '本店无权核销此券',
  MERCHANT_OFFLINE: '本店已下线',
  ACCOUNT_DISABLED: '账号已停用',
  NOT_FOUND: '券码不存在',
  DYNAMIC_CODE_EXPIRED: '动态券码已过期',
  DYNAMIC_CODE_REQUIRED: '需要动态数字',
  DYNAMIC_DIGITS_INVALID: '动态数字不正确'
};

// Refusals of the preview that end the lookup: the server tells nothing about the
// voucher, so the page shows the reason instead of a preview.
const PREVIEW_REFUSALS = ['NOT_FOUND', 'NOT_AUTHORISED', 'MERCHANT_OFFLINE', 'ACCOUNT_DISABLED'];

// Codes that end a redemption attempt with a definite answer.
const REDEEM_FAILURES = Object.keys(TITLES);

function title(code, fallback) {
  return TITLES[code] || fallback || '无法核销';
}

// details: {redeemed_at, merchant_name} or {valid_from, valid_to}
function detail(code, details, fallback) {
  const d = details || {};
  switch (code) {
    case 'ALREADY_REDEEMED': {
      const when = d.redeemed_at ? format.dateTime(d.redeemed_at) : '';
      const where = d.merchant_name ? '在「' + d.merchant_name + '」' : '';
      if (when || where) return '该券已于 ' + (when || '此前') + ' ' + where + '核销，不能重复核销';
      return '该券已被核销，不能重复核销';
    }
    case 'NOT_IN_WINDOW':
      if (d.valid_from && d.valid_to) {
        return '当前不在核销有效期内，有效期为 ' + format.dateTime(d.valid_from) + ' 至 ' + format.dateTime(d.valid_to);
      }
      return '当前不在核销有效期内';
    case 'EXPIRED':
      return '该券已超过有效期，视为自动放弃，无法核销';
    case 'NOT_AUTHORISED':
      return '该券不属于本店，也未授权本店核销，请会员到指定商家使用';
    case 'MERCHANT_OFFLINE':
      return '本店已被工会设为下线，暂停核销；如需恢复请联系工会管理员';
    case 'ACCOUNT_DISABLED':
      return '您的核销账号已停用，请联系商家或工会管理员';
    case 'NOT_FOUND':
      return '未找到该券码，请核对后重试';
    case 'DYNAMIC_CODE_EXPIRED':
      return '请会员刷新券码后重新扫码';
    case 'DYNAMIC_CODE_REQUIRED':
      return '此券为动态券码（防截图），请扫描会员手机上的实时二维码，或输入券码下方的6位动态数字';
    case 'DYNAMIC_DIGITS_INVALID':
      return '动态数字不正确或已过期，请核对会员手机上券码下方的6位数字';
    default:
      return fallback || '该券暂时无法核销';
  }
}

module.exports = { title, detail, REDEEM_FAILURES, PREVIEW_REFUSALS };

// 核销结果: success details, or exactly why the voucher was not redeemed. The phone
// vibrates briefly on success and long on failure, so the cashier need not read the
// screen; 继续扫码 opens the scanner straight away for the next customer.
const flash = require('../../utils/flash');
const format = require('../../utils/format');
const reasons = require('../../utils/reasons');
const routes = require('../../utils/routes');
const scanner = require('../../utils/scanner');

function successRows(r) {
  return [
    { label: '券名称', value: r.coupon_title || '' },
    { label: '面值', value: format.yuan(r.amount_fen) },
    { label: '会员', value: r.member_name_masked || '' },
    { label: '核销时间', value: format.dateTime(r.redeemed_at) },
    { label: '核销门店', value: r.merchant_name || '' },
    { label: '核销员', value: r.staff_name || '' },
    { label: '券码', value: r.code || '' }
  ].filter((row) => row.value);
}

// Vibration is a nicety: a phone without it (or a refused call) changes nothing.
function vibrate(ok) {
  try {
    if (ok) wx.vibrateShort({ type: 'heavy' });
    else wx.vibrateLong();
  } catch (e) { /* no vibration on this device */ }
}

Component({
  data: {
    ok: false,
    amount: '',
    reasonTitle: '',
    reason: '',
    rows: []
  },

  methods: {
    onLoad() {
      const result = flash.take();
      if (!result) {
        // Nothing to show (e.g. page restored): go back to scanning.
        wx.switchTab({ url: routes.SCAN });
        return;
      }
      vibrate(result.ok);
      if (result.ok) {
        const r = result.redemption || {};
        this.setData({ ok: true, amount: format.yuan(r.amount_fen), rows: successRows(r) });
      } else {
        this.setData({
          ok: false,
          reasonTitle: reasons.title(result.code, result.message),
          reason: reasons.detail(result.code, result.details, result.message),
          rows: result.voucherCode ? [{ label: '券码', value: result.voucherCode }] : []
        });
      }
    },

    // The next customer: the scanned code's preview replaces this page.
    onScanNext() {
      scanner.scan((o) => wx.redirectTo(o));
    },

    onHome() {
      wx.switchTab({ url: routes.SCAN });
    },

    onRecords() {
      wx.switchTab({ url: routes.RECORDS });
    }
  }
});

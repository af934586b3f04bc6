// 核销结果: success details, or exactly why the voucher was not redeemed.
const flash = require('../../utils/flash');
const format = require('../../utils/format');
const reasons = require('../../utils/reasons');
const routes = require('../../utils/routes');

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

    onAgain() {
      wx.switchTab({ url: routes.SCAN });
    },

    onRecords() {
      wx.switchTab({ url: routes.RECORDS });
    }
  }
});

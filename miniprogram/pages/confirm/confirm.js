// 确认核销: preview what was scanned, then redeem it exactly once.
const api = require('../../utils/api');
const routes = require('../../utils/routes');
const format = require('../../utils/format');
const reasons = require('../../utils/reasons');
const flash = require('../../utils/flash');
const wechat = require('../../utils/wechat');
const idempotency = require('../../utils/idempotency');

const STATUS_TEXT = { unused: '未使用', redeemed: '已核销', expired: '已过期' };

// Server preview -> what the page shows.
function toView(v) {
  const coupon = v.coupon || {};
  const member = v.member || {};
  return {
    code: v.code,
    status: v.status,
    statusText: STATUS_TEXT[v.status] || v.status,
    title: coupon.title || coupon.name || '',
    name: coupon.name || '',
    amount: format.yuan(coupon.amount_fen),
    member: [member.name_masked, member.phone_masked].filter(Boolean).join('  '),
    validity: format.dateTime(coupon.valid_from) + ' 至 ' + format.dateTime(coupon.valid_to),
    merchantName: coupon.merchant_name || '',
    conditions: coupon.conditions || ''
  };
}

function blockDetails(v) {
  const coupon = v.coupon || {};
  return {
    redeemed_at: v.redeemed_at,
    merchant_name: v.redeemed_merchant_name,
    valid_from: coupon.valid_from,
    valid_to: coupon.valid_to
  };
}

Component({
  data: {
    code: '',
    loading: true,
    loadError: '',
    loadErrorTitle: '',
    canRetry: false,
    voucher: null,
    canRedeem: false,
    blockTitle: '',
    blockReason: '',
    submitting: false,
    // A screenshot-proof voucher typed by hand: the server asked for its 6 digits.
    needDigits: false,
    digits: '',
    digitsError: ''
  },

  methods: {
    onLoad(query) {
      this.submitting = false;
      // One key for this confirmation: a retry after a lost answer reuses it, so the
      // server answers with the first redemption instead of ALREADY_REDEEMED.
      this.redeemKey = idempotency.newKey();
      let raw = (query && query.code) || '';
      try { raw = decodeURIComponent(raw); } catch (e) { /* keep as is */ }
      const dynamic = format.isDynamicPayload(raw);
      const code = dynamic ? raw.trim() : format.normalizeCode(raw);
      this.setData({ code: code });
      if (!dynamic && !format.isValidCode(code)) {
        this.setData({ loading: false, loadErrorTitle: '券码不正确', loadError: '请返回重新扫码或输入', canRetry: false });
        return;
      }
      return this.loadPreview();
    },

    loadPreview() {
      this.setData({ loading: true, loadError: '' });
      return api.voucher(this.data.code, this.data.digits)
        .then((v) => {
          const redeemable = !!v.redeemable && v.status === 'unused';
          const reason = v.reason || (v.status === 'redeemed' ? 'ALREADY_REDEEMED' : v.status === 'expired' ? 'EXPIRED' : '');
          this.setData({
            loading: false,
            voucher: toView(v),
            canRedeem: redeemable,
            blockTitle: redeemable ? '' : reasons.title(reason),
            blockReason: redeemable ? '' : reasons.detail(reason, blockDetails(v)),
            needDigits: false
          });
        })
        .catch((err) => {
          if (err.code === 'DYNAMIC_CODE_REQUIRED' || err.code === 'DYNAMIC_DIGITS_INVALID') {
            this.setData({
              loading: false,
              needDigits: true,
              digitsError: err.code === 'DYNAMIC_DIGITS_INVALID' ? reasons.detail(err.code) : ''
            });
          } else if (err.code === 'DYNAMIC_CODE_EXPIRED') {
            this.setData({ loading: false, loadErrorTitle: reasons.title(err.code), loadError: reasons.detail(err.code), canRetry: false });
          } else if (reasons.PREVIEW_REFUSALS.indexOf(err.code) >= 0) {
            this.setData({ loading: false, loadErrorTitle: reasons.title(err.code), loadError: reasons.detail(err.code), canRetry: false });
          } else if (err.code === 'TOO_MANY_LOOKUPS') {
            this.setData({ loading: false, loadErrorTitle: '查询过于频繁', loadError: err.message || '请稍后再试', canRetry: true });
          } else {
            this.setData({
              loading: false,
              loadErrorTitle: '查询失败',
              loadError: err.handled ? '请检查网络后重新查询' : (err.message || '请稍后重试'),
              canRetry: true
            });
          }
        });
    },

    onRetry() {
      return this.loadPreview();
    },

    onDigitsInput(e) {
      this.setData({ digits: (e.detail.value || '').trim(), digitsError: '' });
    },

    onDigitsSubmit() {
      if (!format.isDynamicDigits(this.data.digits)) {
        this.setData({ digitsError: '请输入会员手机上券码下方的6位数字' });
        return;
      }
      return this.loadPreview();
    },

    // Guarded by an instance flag set synchronously, so a second tap while the
    // first request is pending sends nothing.
    onRedeem() {
      if (this.submitting || !this.data.canRedeem) return;
      this.submitting = true;
      this.setData({ submitting: true });
      return api.redeem(this.data.code, this.redeemKey, this.data.digits)
        .then((r) => {
          flash.set({ ok: true, redemption: r });
          wx.redirectTo({ url: routes.RESULT });
        })
        .catch((err) => {
          if (reasons.REDEEM_FAILURES.indexOf(err.code) >= 0) {
            flash.set({ ok: false, code: err.code, message: err.message, details: err.details, voucherCode: this.data.code });
            wx.redirectTo({ url: routes.RESULT });
            return;
          }
          // Network/other errors: stay here so the user can try again (with the same key).
          this.submitting = false;
          this.setData({ submitting: false });
          if (!err.handled) wechat.toast(err.message || '核销失败，请重试');
        });
    },

    onBack() {
      wx.navigateBack({ delta: 1 });
    }
  }
});

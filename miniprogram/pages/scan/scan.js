// 核销 home: scan a voucher QR code or type its code, then open the preview; today's
// figures for this cashier and the shop, refreshed whenever the tab is shown.
const api = require('../../utils/api');
const guard = require('../../utils/guard');
const session = require('../../utils/session');
const format = require('../../utils/format');
const scanner = require('../../utils/scanner');

Component({
  data: {
    merchantName: '',
    code: '',
    error: '',
    today: null
  },

  methods: {
    onShow() {
      if (!guard.requireLogin()) return;
      const profile = session.getProfile();
      this.setData({ merchantName: (profile && profile.merchant && profile.merchant.name) || '' });
      return this.loadToday();
    },

    // "Today" is taken now, not when the page first loaded: a phone left open past
    // midnight starts the new day from zero.
    loadToday() {
      const date = format.dateOf();
      const seq = (this.todaySeq = (this.todaySeq || 0) + 1);
      return api.summary(date)
        .then((s) => {
          if (seq !== this.todaySeq) return;
          this.setData({
            today: {
              date: s.date || date,
              mineCount: s.mine.count,
              mineAmount: format.yuan(s.mine.amount_fen),
              shopCount: s.shop.count,
              shopAmount: format.yuan(s.shop.amount_fen)
            }
          });
        })
        .catch(() => {
          // The figures are a convenience: without them the counter still scans.
          if (seq === this.todaySeq) this.setData({ today: null });
        });
    },

    onScan() {
      scanner.scan((o) => wx.navigateTo(o));
    },

    onCodeInput(e) {
      this.setData({ code: e.detail.value, error: '' });
    },

    // Typed codes are normalised (case, spaces, dashes, I/L → 1, O → 0) and checked
    // here, so a typo is explained at once and never reaches the server's lookup limit.
    onManualSubmit() {
      const code = format.normalizeCode(this.data.code);
      const problem = format.codeProblem(code);
      if (problem) {
        this.setData({ error: problem });
        return;
      }
      this.setData({ error: '' });
      wx.navigateTo({ url: scanner.confirmUrl(code) });
    }
  }
});

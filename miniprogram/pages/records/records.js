// 核销记录: own redemptions in a date range, or one voucher by its code, with count
// and amount totals (totals come from the server and cover the whole filter, not one
// page). Codes are shown masked but for their last six characters.
const api = require('../../utils/api');
const guard = require('../../utils/guard');
const format = require('../../utils/format');

const PAGE_SIZE = 20;
const PRESETS = [
  { key: 'today', label: '今天' },
  { key: 'week', label: '近7天' },
  { key: 'month', label: '本月' }
];

function presetRange(key, today) {
  if (key === 'week') return { from: format.addDays(today, -6), to: today };
  if (key === 'month') return { from: today.slice(0, 8) + '01', to: today };
  return { from: today, to: today };
}

function toItem(r) {
  return {
    id: r.id,
    title: r.coupon_title || '',
    amount: format.yuan(r.amount_fen),
    time: format.dateTime(r.redeemed_at),
    code: format.maskCode(r.code, 6),
    member: r.member_name_masked || '',
    staff: r.staff_name || ''
  };
}

Component({
  data: {
    presets: PRESETS,
    preset: 'today',
    today: '',
    from: '',
    to: '',
    items: [],
    total: 0,
    totalAmount: '¥0.00',
    page: 0,
    hasMore: false,
    loading: false,
    error: '',
    search: '',
    searchCode: '',
    searchError: ''
  },

  methods: {
    onLoad() {
      this.seq = 0;
    },

    // Reload whenever the tab is shown so new redemptions appear. "Today" is taken
    // now: a preset range follows the date when the phone was left open overnight.
    onShow() {
      if (!guard.requireLogin()) return;
      const today = format.dateOf();
      const patch = { today: today };
      if (this.data.preset || !this.data.from) {
        const range = presetRange(this.data.preset || 'today', today);
        patch.from = range.from;
        patch.to = range.to;
      }
      this.setData(patch);
      return this.reload();
    },

    onSearchInput(e) {
      this.setData({ search: e.detail.value, searchError: '' });
    },

    // One voucher by its code (exact), in the selected dates.
    onSearch() {
      const code = format.normalizeCode(this.data.search);
      const problem = format.codeProblem(code);
      if (problem) {
        this.setData({ searchError: problem });
        return;
      }
      this.setData({ searchCode: code, searchError: '' });
      return this.reload();
    },

    onClearSearch() {
      this.setData({ search: '', searchCode: '', searchError: '' });
      return this.reload();
    },

    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      if (!this.data.hasMore || this.data.loading) return;
      return this.fetch(this.data.page + 1);
    },

    onPreset(e) {
      const key = e.currentTarget.dataset.key;
      const range = presetRange(key, this.data.today || format.dateOf());
      this.setData({ preset: key, from: range.from, to: range.to });
      return this.reload();
    },

    onFromChange(e) {
      const from = e.detail.value;
      const to = this.data.to < from ? from : this.data.to;
      this.setData({ preset: '', from: from, to: to });
      return this.reload();
    },

    onToChange(e) {
      const to = e.detail.value;
      const from = this.data.from > to ? to : this.data.from;
      this.setData({ preset: '', from: from, to: to });
      return this.reload();
    },

    onRetry() {
      return this.fetch(this.data.items.length ? this.data.page + 1 : 1);
    },

    reload() {
      return this.fetch(1);
    },

    // Loads one page; answers of superseded requests are dropped.
    fetch(page) {
      const seq = (this.seq = (this.seq || 0) + 1);
      this.setData({ loading: true, error: '' });
      const params = { from: this.data.from, to: this.data.to, code: this.data.searchCode, page: page, page_size: PAGE_SIZE };
      return api.redemptions(params)
        .then((res) => {
          if (seq !== this.seq) return;
          const fresh = (res.items || []).map(toItem);
          const items = page === 1 ? fresh : this.data.items.concat(fresh);
          const total = res.total || 0;
          this.setData({
            items: items,
            total: total,
            totalAmount: format.yuan(res.total_amount_fen || 0),
            page: page,
            hasMore: items.length < total && fresh.length > 0,
            loading: false
          });
        })
        .catch((err) => {
          if (seq !== this.seq) return;
          const patch = { loading: false, error: err.handled ? '加载失败' : (err.message || '加载失败') };
          if (page === 1) {
            patch.items = [];
            patch.total = 0;
            patch.totalAmount = '¥0.00';
            patch.page = 0;
          }
          this.setData(patch);
        });
    }
  }
});

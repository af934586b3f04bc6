// 修改密码: forced after the first login (?forced=1) or opened from 我的.
// The server revokes all tokens and answers {token} with a fresh one.
const api = require('../../utils/api');
const session = require('../../utils/session');
const routes = require('../../utils/routes');
const wechat = require('../../utils/wechat');
const validate = require('../../utils/password-rules').validate;

Component({
  data: {
    forced: false,
    oldPassword: '',
    newPassword: '',
    confirmPassword: '',
    error: '',
    submitting: false
  },

  methods: {
    onLoad(query) {
      this.busy = false;
      const forced = !!(query && query.forced === '1');
      this.setData({ forced: forced });
      if (!session.getToken()) {
        wx.reLaunch({ url: routes.LOGIN });
        return;
      }
      if (forced && wx.hideHomeButton) wx.hideHomeButton();
    },

    onInput(e) {
      const field = e.currentTarget.dataset.field;
      const patch = { error: '' };
      patch[field] = e.detail.value;
      this.setData(patch);
    },

    onSubmit() {
      if (this.busy) return;
      const d = this.data;
      const problem = validate(d.oldPassword, d.newPassword, d.confirmPassword, d.forced);
      if (problem) {
        this.setData({ error: problem });
        return;
      }
      this.busy = true;
      this.setData({ submitting: true, error: '' });
      return api.changePassword(d.oldPassword, d.newPassword)
        .then((res) => {
          if (res && res.token) session.setToken(res.token);
          session.setMustChangePassword(false);
          this.busy = false;
          this.setData({ submitting: false });
          wechat.toast('密码已修改', 'success');
          if (this.data.forced) wx.switchTab({ url: routes.SCAN });
          else wx.navigateBack({ delta: 1 });
        })
        .catch((err) => {
          this.busy = false;
          let error = '';
          if (err.code === 'INVALID_CREDENTIALS') error = this.data.forced ? '初始密码错误' : '原密码错误';
          else if (!err.handled) error = err.message || '修改失败，请稍后重试';
          this.setData({ submitting: false, error: error });
        });
    },

    onLogout() {
      session.clear();
      wx.reLaunch({ url: routes.LOGIN + '?logout=1' });
    }
  }
});

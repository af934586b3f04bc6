// 登录: phone + password (binding the current WeChat via wx_code), or automatic
// WeChat login for an account that is already bound. After 退出登录 the app never
// signs in by itself until someone logs in with a password again.
const api = require('../../utils/api');
const session = require('../../utils/session');
const routes = require('../../utils/routes');
const wechat = require('../../utils/wechat');

const PHONE_RE = /^1[3-9]\d{9}$/;

Component({
  data: {
    checking: true,
    phone: '',
    password: '',
    error: '',
    submitting: false
  },

  methods: {
    onLoad(query) {
      this.busy = false;
      if (session.getToken()) {
        if (session.mustChangePassword()) wx.redirectTo({ url: routes.PASSWORD + '?forced=1' });
        else wx.switchTab({ url: routes.SCAN });
        return;
      }
      // After an explicit log-out do not sign back in with WeChat, now or on a later
      // opening, until someone logs in with the password.
      if ((query && query.logout) || session.wasLoggedOut()) {
        this.setData({ checking: false });
        return;
      }
      return this.tryWechatLogin();
    },

    // Any failure (not bound, WeChat not configured or down, network) quietly shows
    // the form: no toast on every opening.
    tryWechatLogin() {
      return wechat.loginCode()
        .then((code) => (code ? api.loginWechat(code) : null))
        .then((res) => {
          if (res && res.token) this.afterLogin(res);
          else this.setData({ checking: false });
        })
        .catch(() => this.setData({ checking: false }));
    },

    onPhoneInput(e) {
      this.setData({ phone: e.detail.value, error: '' });
    },

    onPasswordInput(e) {
      this.setData({ password: e.detail.value, error: '' });
    },

    onSubmit() {
      if (this.busy) return;
      const phone = String(this.data.phone || '').replace(/\s/g, '');
      const password = this.data.password || '';
      if (!PHONE_RE.test(phone)) {
        this.setData({ error: '请输入正确的 11 位手机号' });
        return;
      }
      if (!password) {
        this.setData({ error: '请输入密码' });
        return;
      }
      this.busy = true;
      this.setData({ submitting: true, error: '' });
      return wechat.loginCode().then((code) => this.passwordLogin(phone, password, code));
    },

    // A WeChat that cannot be bound never fails the log-in: the server says why in
    // wechat_bind_error, shown once before going on.
    passwordLogin(phone, password, wxCode) {
      const body = { phone: phone, password: password };
      if (wxCode) body.wx_code = wxCode;
      return api.login(body)
        .then((res) => (res.wechat_bind_error ? this.tellNotBound(res) : this.afterLogin(res)))
        .catch((err) => this.finish(err.handled ? '' : this.messageFor(err)));
    },

    tellNotBound(res) {
      session.save(res);
      return new Promise((resolve) => {
        wx.showModal({
          title: '已登录，微信未绑定',
          content: res.wechat_bind_error + '。下次打开需要输入手机号和密码。',
          showCancel: false,
          confirmText: '知道了',
          complete: () => resolve(this.afterLogin(res))
        });
      });
    },

    messageFor(err) {
      if (err.code === 'INVALID_CREDENTIALS') return err.message || '手机号或密码错误';
      if (err.code === 'TOO_MANY_ATTEMPTS') return err.message || '尝试次数过多，请稍后再试';
      if (err.code === 'INITIAL_PASSWORD_EXPIRED') {
        return err.message || '初始密码已过期，请联系工会管理员重新获取';
      }
      return err.message || '登录失败，请稍后重试';
    },

    finish(error) {
      this.busy = false;
      this.setData({ submitting: false, error: error || '' });
    },

    afterLogin(res) {
      session.save(res);
      this.busy = false;
      this.setData({ submitting: false, checking: false });
      if (res.must_change_password) {
        wx.redirectTo({ url: routes.PASSWORD + '?forced=1' });
      } else {
        wx.switchTab({ url: routes.SCAN });
      }
    }
  }
});

// 我的: merchant and staff, change password, log out. Logging out revokes the token on
// the server and, when 同时解除微信绑定 is on (the default, remembered), first removes
// this WeChat's binding so that a shared counter phone does not log the next person
// in as this cashier.
const api = require('../../utils/api');
const guard = require('../../utils/guard');
const session = require('../../utils/session');
const routes = require('../../utils/routes');

function maskPhone(phone) {
  const p = String(phone || '');
  return /^\d{11}$/.test(p) ? p.slice(0, 3) + '****' + p.slice(7) : p;
}

Component({
  data: {
    merchantName: '',
    staffName: '',
    staffPhone: '',
    avatarText: '',
    unbindOnLogout: true,
    loggingOut: false
  },

  methods: {
    onShow() {
      if (!guard.requireLogin()) return;
      this.setData({ unbindOnLogout: session.unbindOnLogout() });
      this.show(session.getProfile());
      return api.me()
        .then((me) => {
          session.setProfile({ merchant: me.merchant || null, staff: me.staff || null });
          this.show(me);
        })
        .catch(() => {}); // cached profile stays; errors were already toasted
    },

    show(profile) {
      if (!profile) return;
      const merchant = profile.merchant || {};
      const staff = profile.staff || {};
      const staffName = staff.name || '';
      this.setData({
        merchantName: merchant.name || '',
        staffName: staffName,
        staffPhone: maskPhone(staff.phone),
        avatarText: staffName ? staffName.slice(0, 1) : '商'
      });
    },

    onChangePassword() {
      wx.navigateTo({ url: routes.PASSWORD });
    },

    onUnbindChange(e) {
      const on = !!e.detail.value;
      session.setUnbindOnLogout(on);
      this.setData({ unbindOnLogout: on });
    },

    onLogout() {
      if (this.data.loggingOut) return;
      const unbind = this.data.unbindOnLogout;
      wx.showModal({
        title: '退出登录',
        content: unbind ? '确定退出当前账号并解除本微信的绑定吗？' : '确定退出当前账号吗？',
        confirmText: '退出',
        confirmColor: '#fa5151',
        success: (res) => {
          if (res.confirm) this.logout(unbind);
        }
      });
    },

    // Unbinding must reach the server (otherwise the next opening would log this
    // cashier in again): when it fails the cashier stays logged in and is told.
    // Revoking the token is then best effort: the local session goes either way.
    logout(unbind) {
      this.setData({ loggingOut: true });
      const unbound = unbind ? api.unbindWechat() : Promise.resolve();
      return unbound
        .then(() => api.logout().catch(() => null))
        .then(() => {
          session.loggedOut();
          wx.reLaunch({ url: routes.LOGIN + '?logout=1' });
        })
        .catch(() => {
          this.setData({ loggingOut: false });
          wx.showModal({
            title: '未能解除微信绑定',
            content: '请检查网络后重试，或关闭“同时解除微信绑定”后退出。',
            showCancel: false
          });
        });
    }
  }
});

// 我的: merchant and staff, change password, log out.
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
    avatarText: ''
  },

  methods: {
    onShow() {
      if (!guard.requireLogin()) return;
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

    onLogout() {
      wx.showModal({
        title: '退出登录',
        content: '确定退出当前账号吗？',
        confirmText: '退出',
        confirmColor: '#fa5151',
        success: (res) => {
          if (!res.confirm) return;
          session.clear();
          wx.reLaunch({ url: routes.LOGIN + '?logout=1' });
        }
      });
    }
  }
});

// 核销 home: scan a voucher QR code or type its code, then open the preview.
const guard = require('../../utils/guard');
const session = require('../../utils/session');
const routes = require('../../utils/routes');
const format = require('../../utils/format');
const wechat = require('../../utils/wechat');

Component({
  data: {
    merchantName: '',
    code: '',
    error: ''
  },

  methods: {
    onShow() {
      if (!guard.requireLogin()) return;
      const profile = session.getProfile();
      this.setData({ merchantName: (profile && profile.merchant && profile.merchant.name) || '' });
    },

    onScan() {
      wx.scanCode({
        onlyFromCamera: true,
        scanType: ['qrCode'],
        success: (res) => {
          const code = format.normalizeCode(res && res.result);
          if (!format.isValidCode(code)) {
            wechat.toast('无法识别的券码二维码');
            return;
          }
          this.openPreview(code);
        },
        fail: (res) => {
          const msg = (res && res.errMsg) || '';
          if (msg.indexOf('cancel') < 0) wechat.toast('扫码失败，请重试');
        }
      });
    },

    onCodeInput(e) {
      this.setData({ code: e.detail.value, error: '' });
    },

    onManualSubmit() {
      const code = format.normalizeCode(this.data.code);
      if (!code) {
        this.setData({ error: '请输入券码' });
        return;
      }
      if (!format.isValidCode(code)) {
        this.setData({ error: '券码格式不正确，请核对后重新输入' });
        return;
      }
      this.setData({ error: '' });
      this.openPreview(code);
    },

    openPreview(code) {
      wx.navigateTo({ url: routes.CONFIRM + '?code=' + encodeURIComponent(code) });
    }
  }
});

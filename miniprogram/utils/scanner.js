// The camera scanner, shared by the 核销 tab and the result page's 继续扫码: QR codes
// only, camera only; a scanned code is normalised and checked before the preview opens.
const format = require('./format');
const routes = require('./routes');
const wechat = require('./wechat');

function confirmUrl(code) {
  return routes.CONFIRM + '?code=' + encodeURIComponent(code);
}

// open(url) opens the preview (navigateTo from the tab, redirectTo from the result).
function scan(open) {
  wx.scanCode({
    onlyFromCamera: true,
    scanType: ['qrCode'],
    success: (res) => {
      const scanned = ((res && res.result) || '').trim();
      // A dynamic payload goes to the server as is: it is signed.
      if (format.isDynamicPayload(scanned)) {
        open({ url: confirmUrl(scanned) });
        return;
      }
      const code = format.normalizeCode(scanned);
      if (!format.isValidCode(code)) {
        wechat.toast('无法识别的券码二维码');
        return;
      }
      open({ url: confirmUrl(code) });
    },
    fail: (res) => {
      const msg = (res && res.errMsg) || '';
      if (msg.indexOf('cancel') < 0) wechat.toast('扫码失败，请重试');
    }
  });
}

module.exports = { scan, confirmUrl };

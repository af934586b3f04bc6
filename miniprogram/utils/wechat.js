// Small promise wrappers around WeChat APIs.

// Resolves with a wx.login code, or '' when it cannot be had.
function loginCode() {
  return new Promise(function (resolve) {
    try {
      wx.login({
        success: function (res) { resolve((res && res.code) || ''); },
        fail: function () { resolve(''); }
      });
    } catch (e) {
      resolve('');
    }
  });
}

function toast(title, icon) {
  wx.showToast({ title: title, icon: icon || 'none', duration: 2500 });
}

module.exports = { loginCode, toast };

// Tab pages call requireLogin() in onShow: no session -> 登录; a pending forced
// password change -> 修改密码.
const session = require('./session');
const routes = require('./routes');

function requireLogin() {
  if (!session.getToken()) {
    wx.reLaunch({ url: routes.LOGIN });
    return false;
  }
  if (session.mustChangePassword()) {
    wx.reLaunch({ url: routes.PASSWORD + '?forced=1' });
    return false;
  }
  return true;
}

module.exports = { requireLogin };

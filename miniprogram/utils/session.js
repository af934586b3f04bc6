// Login session kept in local storage: bearer token plus who is logged in.
const TOKEN_KEY = 'merchant_token';
const PROFILE_KEY = 'merchant_profile';
const MUST_CHANGE_KEY = 'merchant_must_change_password';
// Set by 退出登录, cleared by the next successful log-in: until then the app never
// signs in by itself (a shared counter phone stays logged out).
const LOGGED_OUT_KEY = 'merchant_logged_out';
// The cashier's last choice of 同时解除微信绑定 (on unless they turned it off).
const UNBIND_ON_LOGOUT_KEY = 'merchant_unbind_on_logout';

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || '';
}

function setToken(token) {
  wx.setStorageSync(TOKEN_KEY, token);
}

// Store a login response: {token, must_change_password, merchant, staff}.
function save(login) {
  wx.removeStorageSync(LOGGED_OUT_KEY);
  setToken(login.token);
  setMustChangePassword(!!login.must_change_password);
  if (login.merchant || login.staff) {
    setProfile({ merchant: login.merchant || null, staff: login.staff || null });
  }
}

function getProfile() {
  return wx.getStorageSync(PROFILE_KEY) || null;
}

function setProfile(profile) {
  wx.setStorageSync(PROFILE_KEY, profile);
}

// Remembered so that reopening the app still forces the password change.
function mustChangePassword() {
  return wx.getStorageSync(MUST_CHANGE_KEY) === true;
}

function setMustChangePassword(flag) {
  if (flag) wx.setStorageSync(MUST_CHANGE_KEY, true);
  else wx.removeStorageSync(MUST_CHANGE_KEY);
}

function clear() {
  wx.removeStorageSync(TOKEN_KEY);
  wx.removeStorageSync(PROFILE_KEY);
  wx.removeStorageSync(MUST_CHANGE_KEY);
}

// Logging out: the session is gone and automatic log-in stays off until a log-in.
function loggedOut() {
  clear();
  wx.setStorageSync(LOGGED_OUT_KEY, true);
}

function wasLoggedOut() {
  return wx.getStorageSync(LOGGED_OUT_KEY) === true;
}

function unbindOnLogout() {
  return wx.getStorageSync(UNBIND_ON_LOGOUT_KEY) !== false;
}

function setUnbindOnLogout(flag) {
  wx.setStorageSync(UNBIND_ON_LOGOUT_KEY, !!flag);
}

module.exports = {
  getToken, setToken, save, getProfile, setProfile, mustChangePassword, setMustChangePassword, clear,
  loggedOut, wasLoggedOut, unbindOnLogout, setUnbindOnLogout, TOKEN_KEY, PROFILE_KEY
};

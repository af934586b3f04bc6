// Login session kept in local storage: bearer token plus who is logged in.
const TOKEN_KEY = 'merchant_token';
const PROFILE_KEY = 'merchant_profile';
const MUST_CHANGE_KEY = 'merchant_must_change_password';

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || '';
}

function setToken(token) {
  wx.setStorageSync(TOKEN_KEY, token);
}

// Store a login response: {token, must_change_password, merchant, staff}.
function save(login) {
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

module.exports = {
  getToken, setToken, save, getProfile, setProfile, mustChangePassword, setMustChangePassword, clear, TOKEN_KEY, PROFILE_KEY
};

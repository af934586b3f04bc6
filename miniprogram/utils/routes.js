// Page paths in one place.
module.exports = {
  LOGIN: '/pages/login/login',
  PASSWORD: '/pages/password/password',
  SCAN: '/pages/scan/scan',
  CONFIRM: '/pages/confirm/confirm',
  RESULT: '/pages/result/result',
  RECORDS: '/pages/records/records',
  ME: '/pages/me/me'
};

// Runtime configuration: the server base URL for the environment WeChat reports
// (develop / trial / release), from ext.json's `ext.baseUrl` when the mini-program is
// deployed through a third-party platform, else from deploy.config.js.
const deploy = require('./deploy.config');

const ENVS = ['develop', 'trial', 'release'];

function currentEnv() {
  if (deploy.forceEnv && ENVS.indexOf(deploy.forceEnv) >= 0) return deploy.forceEnv;
  try {
    const info = wx.getAccountInfoSync();
    const env = info && info.miniProgram && info.miniProgram.envVersion;
    if (ENVS.indexOf(env) >= 0) return env;
  } catch (e) {
    // Older base libraries: fall through to release.
  }
  return 'release';
}

function extBaseUrl() {
  try {
    const ext = wx.getExtConfigSync ? wx.getExtConfigSync() : null;
    return (ext && typeof ext.baseUrl === 'string' && ext.baseUrl) || '';
  } catch (e) {
    return '';
  }
}

// '' when this environment has no server configured, or when a trial/release URL is
// not https (WeChat refuses plain http outside DevTools anyway).
function getBaseUrl() {
  const env = currentEnv();
  const url = (extBaseUrl() || deploy.baseUrls[env] || '').replace(/\/+$/, '');
  if (env !== 'develop' && url && !/^https:\/\//.test(url)) return '';
  return url;
}

module.exports = {
  ENVS,
  currentEnv,
  getBaseUrl,
  // Request timeout in milliseconds.
  timeout: 15000
};

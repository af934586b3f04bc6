// Runtime configuration. The server base URL is chosen by the mini-program's
// environment (develop = DevTools / 开发版, trial = 体验版, release = 正式版).
// Edit the URLs below for your deployment; see README.md "Configuration".
const ENVS = {
  develop: { baseUrl: 'http://127.0.0.1:8080' },
  trial: { baseUrl: 'https://gonghui-test.example.com' },
  release: { baseUrl: 'https://gonghui.example.com' }
};

// Set to 'develop' | 'trial' | 'release' to force one environment; null = automatic.
const FORCE_ENV = null;

function currentEnv() {
  if (FORCE_ENV) return FORCE_ENV;
  try {
    const info = wx.getAccountInfoSync();
    const env = info && info.miniProgram && info.miniProgram.envVersion;
    if (env && ENVS[env]) return env;
  } catch (e) {
    // Older base libraries: fall through to release.
  }
  return 'release';
}

function getBaseUrl() {
  return ENVS[currentEnv()].baseUrl.replace(/\/+$/, '');
}

module.exports = {
  ENVS,
  currentEnv,
  getBaseUrl,
  // Request timeout in milliseconds.
  timeout: 15000
};

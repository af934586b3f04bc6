// Where requests go: ext.json's baseUrl, else deploy.config.js for the environment
// WeChat reports; no placeholder host is ever called.
const { install } = require('./helpers/wx');

function configWith(deploy, ext) {
  let config;
  jest.isolateModules(() => {
    jest.doMock('../deploy.config', () => deploy);
    config = require('../config');
  });
  if (ext !== undefined) global.wx.getExtConfigSync = jest.fn(() => ext);
  return config;
}

const DEPLOY = {
  forceEnv: null,
  baseUrls: { develop: 'http://127.0.0.1:8080', trial: 'https://test.gonghui.cn/', release: '' }
};

let env;
beforeEach(() => {
  env = install();
  delete global.wx.getExtConfigSync;
});

afterEach(() => jest.dontMock('../deploy.config'));

test('the committed deploy.config.js points DevTools at a local server and nothing else', () => {
  const deploy = require('../deploy.config');
  expect(deploy.forceEnv).toBeNull();
  expect(deploy.baseUrls.develop).toBe('http://127.0.0.1:8080');
  for (const env of ['trial', 'release']) {
    expect(deploy.baseUrls[env] === '' || deploy.baseUrls[env].startsWith('https://')).toBe(true);
    expect(deploy.baseUrls[env]).not.toMatch(/example\.com/);
  }
});

test('the URL follows the environment WeChat reports, without a trailing slash', () => {
  const config = configWith(DEPLOY);
  expect(config.getBaseUrl()).toBe('http://127.0.0.1:8080');
  env.wx.getAccountInfoSync.mockReturnValue({ miniProgram: { envVersion: 'trial' } });
  expect(config.getBaseUrl()).toBe('https://test.gonghui.cn');
  env.wx.getAccountInfoSync.mockImplementation(() => { throw new Error('old base library'); });
  expect(config.currentEnv()).toBe('release');
});

test('forceEnv pins one environment', () => {
  const config = configWith(Object.assign({}, DEPLOY, { forceEnv: 'trial' }));
  expect(config.currentEnv()).toBe('trial');
  expect(config.getBaseUrl()).toBe('https://test.gonghui.cn');
});

test("ext.json's baseUrl wins over the file", () => {
  const config = configWith(DEPLOY, { baseUrl: 'https://union.example.org' });
  env.wx.getAccountInfoSync.mockReturnValue({ miniProgram: { envVersion: 'release' } });
  expect(config.getBaseUrl()).toBe('https://union.example.org');
});

test('plain http outside DevTools counts as not configured', () => {
  const config = configWith({ forceEnv: 'release', baseUrls: { release: 'http://gonghui.cn' } });
  expect(config.getBaseUrl()).toBe('');
});

test('an environment without a server: requests fail at once with a clear message', async () => {
  const deploy = { forceEnv: null, baseUrls: { develop: '', trial: '', release: '' } };
  let api;
  jest.isolateModules(() => {
    jest.doMock('../deploy.config', () => deploy);
    api = require('../utils/api');
  });
  await expect(api.me()).rejects.toMatchObject({ code: 'NOT_CONFIGURED' });
  expect(env.wx.request).not.toHaveBeenCalled();
  expect(env.wx.showToast.mock.calls[0][0].title).toBe('小程序尚未配置服务器地址，请联系管理员');
});

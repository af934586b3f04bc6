// A controllable `wx` for tests: in-memory storage, jest.fn() for navigation
// and UI calls, and a fake server behind wx.request.
const BASE_URL = 'http://127.0.0.1:8080';

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

// routes: {'POST /api/merchant/login': response | (call) => response}
// response: {status, body} | {fail: true} | Promise of either.
// Path patterns may contain '*' for one path segment.
function createServer() {
  const routes = [];
  const calls = [];
  return {
    calls,
    on(key, handler) {
      const [method, pattern] = key.split(' ');
      const re = new RegExp('^' + pattern.replace(/[.?+^$()[\]{}|\\]/g, '\\$&').replace(/\*/g, '[^/]+') + '$');
      routes.unshift({ method, re, handler });
      return this;
    },
    handle(call) {
      const route = routes.find((r) => r.method === call.method && r.re.test(call.path));
      if (!route) return { status: 599, body: { code: 'NO_ROUTE', message: 'no test route for ' + call.method + ' ' + call.path } };
      return typeof route.handler === 'function' ? route.handler(call) : route.handler;
    },
    // Calls to one route key, e.g. 'POST /api/merchant/redemptions'.
    callsTo(key) {
      const [method, path] = key.split(' ');
      return calls.filter((c) => c.method === method && c.path === path);
    }
  };
}

function install(options) {
  const opts = options || {};
  const store = new Map();
  const server = createServer();
  const base = global.wx || {};
  const wx = Object.assign({}, base, {
    getStorageSync: jest.fn((k) => (store.has(k) ? store.get(k) : '')),
    setStorageSync: jest.fn((k, v) => { store.set(k, v); }),
    removeStorageSync: jest.fn((k) => { store.delete(k); }),
    clearStorageSync: jest.fn(() => store.clear()),
    getAccountInfoSync: jest.fn(() => ({ miniProgram: { appId: 'touristappid', envVersion: 'develop', version: '' } })),
    showToast: jest.fn(),
    hideToast: jest.fn(),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    showModal: jest.fn(),
    navigateTo: jest.fn(),
    redirectTo: jest.fn(),
    reLaunch: jest.fn(),
    switchTab: jest.fn(),
    navigateBack: jest.fn(),
    hideHomeButton: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    login: jest.fn((o) => { o.success({ code: opts.wxCode === undefined ? 'WX_CODE_1' : opts.wxCode }); }),
    scanCode: jest.fn(),
    vibrateShort: jest.fn(),
    vibrateLong: jest.fn(),
    request: jest.fn((o) => {
      const url = new URL(o.url);
      const call = {
        method: (o.method || 'GET').toUpperCase(),
        url: o.url,
        origin: url.origin,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams.entries()),
        data: o.data,
        header: o.header || {}
      };
      server.calls.push(call);
      Promise.resolve(server.handle(call)).then((res) => {
        if (res.fail) o.fail && o.fail({ errMsg: 'request:fail ' + (res.errMsg || 'timeout') });
        else o.success && o.success({ statusCode: res.status, data: res.body === undefined ? '' : res.body, header: {} });
      });
      return { abort: jest.fn() };
    })
  });
  global.wx = wx;
  require('../../utils/api').resetRedirectGuard();
  return { wx, store, server };
}

// Let pending promise chains and timers settle.
async function flush(times) {
  for (let i = 0; i < (times || 5); i++) {
    await new Promise((r) => setTimeout(r, 0));
  }
}

// Text of the toasts shown so far.
function toasts(wx) {
  return wx.showToast.mock.calls.map((c) => c[0].title);
}

function err(status, code, message, details) {
  const body = { code, message };
  if (details) body.details = details;
  return { status, body };
}

module.exports = { install, flush, toasts, deferred, err, BASE_URL };

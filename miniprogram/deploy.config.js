// Where the server is, per WeChat environment (see README.md "Deployment"):
//   develop = DevTools and 开发版, trial = 体验版, release = 正式版.
// trial and release must be https:// URLs whose host is listed as a request 合法域名 in
// the mini-program's admin console. An ext.json `ext.baseUrl` (third-party platform
// deployments) takes precedence over this file. An empty URL means "not deployed
// there": the app then says so instead of calling a placeholder host.
module.exports = {
  // 'develop' | 'trial' | 'release' to pin one environment; null = WeChat decides.
  forceEnv: null,
  baseUrls: {
    develop: 'http://127.0.0.1:8080',
    trial: '',
    release: ''
  }
};

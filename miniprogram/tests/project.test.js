// The project is a well-formed mini-program: every page listed in app.json
// exists with its four files, tab pages are listed, JSON files parse.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const readJson = (p) => JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8'));

test('app.json pages all exist as pages/<name>/<name>.{js,wxml,wxss,json}', () => {
  const app = readJson('app.json');
  expect(app.pages[0]).toBe('pages/login/login');
  for (const page of app.pages) {
    expect(page).toMatch(/^pages\/([a-z]+)\/\1$/);
    for (const ext of ['js', 'wxml', 'wxss', 'json']) {
      expect(fs.existsSync(path.join(ROOT, page + '.' + ext))).toBe(true);
    }
    // Pages use the Component constructor, which needs usingComponents.
    expect(readJson(page + '.json').usingComponents).toEqual({});
  }
});

test('tab bar: 核销, 核销记录, 我的', () => {
  const app = readJson('app.json');
  expect(app.tabBar.list.map((t) => t.text)).toEqual(['核销', '核销记录', '我的']);
  for (const tab of app.tabBar.list) expect(app.pages).toContain(tab.pagePath);
});

// WeChat wants local PNG tab icons of at most 40 KB; 81x81 is its design size.
test('every tab has its icons: 81x81 PNG files, each under 40 KB', () => {
  const app = readJson('app.json');
  for (const tab of app.tabBar.list) {
    for (const icon of [tab.iconPath, tab.selectedIconPath]) {
      expect(icon).toMatch(/^images\/tab-[a-z]+(-active)?\.png$/);
      const bytes = fs.readFileSync(path.join(ROOT, icon));
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(bytes.readUInt32BE(16)).toBe(81); // IHDR width
      expect(bytes.readUInt32BE(20)).toBe(81); // IHDR height
      expect(bytes.length).toBeLessThan(40 * 1024);
    }
  }
});

test('project.config.json has an appid placeholder and keeps tests out of the upload', () => {
  const project = readJson('project.config.json');
  expect(project.appid).toBe('touristappid');
  expect(project.compileType).toBe('miniprogram');
  const ignored = project.packOptions.ignore.map((i) => i.value);
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'tests', 'tools', 'package.json']));
});

test('package-lock.json: pinned registry packages only, no foreign URLs', () => {
  const lock = readJson('package-lock.json');
  const entries = Object.entries(lock.packages).filter(([key]) => key !== '');
  expect(entries.length).toBeGreaterThan(0);
  for (const [, pkg] of entries) {
    expect(pkg.integrity).toMatch(/^sha512-/);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/); // not a git/file/tarball spec
    if (pkg.resolved) expect(pkg.resolved.startsWith('https://registry.npmjs.org/')).toBe(true);
  }
});

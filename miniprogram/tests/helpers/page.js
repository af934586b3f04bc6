// Load a page (written with the Component constructor) through
// miniprogram-simulate and render a fresh instance of it.
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.resolve(__dirname, '../..');
const ids = {};

// simulate runs a page's js through require(), which the test runner caches,
// so each page is registered once per test file and rendered many times.
function render(name) {
  if (!ids[name]) {
    ids[name] = simulate.load(path.join(ROOT, 'pages', name, name), { compiler: 'simulate', rootPath: ROOT });
  }
  const comp = simulate.render(ids[name]);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

// Text of the first element matching selector, or null when it is not rendered.
function text(comp, selector) {
  const el = comp.querySelector(selector);
  return el ? el.dom.textContent.replace(/\s+/g, ' ').trim() : null;
}

function exists(comp, selector) {
  return !!comp.querySelector(selector);
}

// Events are delivered asynchronously by the simulator: await these helpers
// to let the handler run (handlers that return promises may need flush()).
function dispatch(comp, selector, name, detail) {
  const el = comp.querySelector(selector);
  if (!el) throw new Error('no element ' + selector);
  el.dispatchEvent(name, { detail: detail || {} });
  return new Promise((r) => setTimeout(r, 0));
}

function tap(comp, selector) {
  return dispatch(comp, selector, 'tap');
}

function input(comp, selector, value) {
  return dispatch(comp, selector, 'input', { value });
}

module.exports = { render, text, exists, tap, input, dispatch, ROOT, simulate };

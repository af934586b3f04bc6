// One-shot in-memory hand-over between pages (e.g. redemption result).
let slot = null;

function set(value) {
  slot = value;
}

function take() {
  const value = slot;
  slot = null;
  return value;
}

module.exports = { set, take };

// Idempotency keys for redemptions: one fresh key per confirmation, reused by every
// retry of that confirmation, so a retry after a lost answer gets the first answer.
function hex(bytes) {
  return Array.prototype.map.call(bytes, (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
}

function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
}

// 32 hex characters: time-ordered prefix plus 16 random bytes, visible ASCII as the
// server requires (1–64 characters).
function newKey(now) {
  return (now === undefined ? Date.now() : now).toString(36) + '-' + hex(randomBytes(16));
}

module.exports = { newKey };

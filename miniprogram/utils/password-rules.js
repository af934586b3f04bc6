// Client-side check of a new password, mirroring the server's rules.
const INITIAL_PASSWORD = 'gh123456';

// Returns a Chinese reason, or '' when the form is fine.
function validate(oldPassword, newPassword, confirmPassword) {
  if (!oldPassword) return '请输入原密码';
  if (!newPassword) return '请输入新密码';
  if (newPassword.length < 8) return '新密码至少 8 位';
  if (!/[A-Za-z]/.test(newPassword) || !/\d/.test(newPassword)) return '新密码须同时包含字母和数字';
  if (newPassword === INITIAL_PASSWORD) return '新密码不能使用初始密码';
  if (newPassword === oldPassword) return '新密码不能与原密码相同';
  if (newPassword !== confirmPassword) return '两次输入的新密码不一致';
  return '';
}

module.exports = { validate, INITIAL_PASSWORD };

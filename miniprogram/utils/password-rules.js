// Client-side check of a new password, mirroring the server's rules. The initial
// password is a one-time password the server generated for this account: the app does
// not know it, but on the forced first change it is the old password typed in the form,
// so "new equals old" is exactly "keeps the initial password".

// Returns a Chinese reason, or '' when the form is fine. `forced`: the first change,
// whose old password is the initial one.
function validate(oldPassword, newPassword, confirmPassword, forced) {
  if (!oldPassword) return forced ? '请输入初始密码' : '请输入原密码';
  if (!newPassword) return '请输入新密码';
  if (newPassword.length < 8) return '新密码至少 8 位';
  if (!/[A-Za-z]/.test(newPassword) || !/\d/.test(newPassword)) return '新密码须同时包含字母和数字';
  if (newPassword === oldPassword) return forced ? '新密码不能使用初始密码' : '新密码不能与原密码相同';
  if (newPassword !== confirmPassword) return '两次输入的新密码不一致';
  return '';
}

module.exports = { validate };

// Checks made before a form is sent (the API checks the same again).
export function checkPassword(p: string): string | null {
  if (p === '') return '请输入密码'
  if (p.length < 8) return '密码至少8位'
  if (!/[A-Za-z]/.test(p) || !/\d/.test(p)) return '密码需同时包含字母和数字'
  return null
}

export function checkSmsCode(c: string): string | null {
  if (c.trim() === '') return '请输入短信验证码'
  if (!/^\d{6}$/.test(c.trim())) return '验证码为6位数字'
  return null
}

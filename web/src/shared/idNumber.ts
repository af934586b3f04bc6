// The resident ID number rules (GB 11643-1999), checked as the admin or member types,
// the same way the server checks them: 6-digit region (first digit 1-9), birth date
// YYYYMMDD, 3-digit sequence (odd: male), check character (digit or X).

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

export interface IdNumberFacts {
  /** The number as it will be sent: trimmed, no inner spaces, half-width, upper case. */
  normalized: string
  birthDate: string
  gender: '男' | '女'
}

export type IdCheck = { ok: true; facts: IdNumberFacts } | { ok: false; message: string }

/** Full-width digits and letters to ASCII, spaces dropped, upper case. */
export function normalizeIdNumber(raw: string): string {
  return raw
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000]/g, '')
    .toUpperCase()
}

/** The check character of the first 17 digits. */
export function checkCharacter(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]
  return CHECK[sum % 11]
}

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d))
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d
}

/**
 * Checks a resident ID number; `today` (YYYY-MM-DD) bounds the birth date. The message
 * says what is wrong in words a clerk understands.
 */
export function checkIdNumber(raw: string, today: string = new Date().toISOString().slice(0, 10)): IdCheck {
  const n = normalizeIdNumber(raw)
  if (n === '') return { ok: false, message: '请输入证件号码' }
  if (!/^\d{17}[\dX]$/.test(n)) {
    if (n.length !== 18) return { ok: false, message: `身份证号码应为18位（已输入${n.length}位）` }
    return { ok: false, message: '身份证号码前17位应为数字，最后一位为数字或X' }
  }
  if (n[0] === '0') return { ok: false, message: '身份证号码的地区码不正确' }
  const y = Number(n.slice(6, 10))
  const m = Number(n.slice(10, 12))
  const d = Number(n.slice(12, 14))
  const birth = `${n.slice(6, 10)}-${n.slice(10, 12)}-${n.slice(12, 14)}`
  if (y < 1900 || !validDate(y, m, d)) return { ok: false, message: '身份证号码中的出生日期不正确' }
  if (birth > today) return { ok: false, message: '身份证号码中的出生日期晚于今天' }
  const expected = checkCharacter(n.slice(0, 17))
  if (n[17] !== expected) return { ok: false, message: '身份证号码校验位不正确，请核对后重新输入' }
  return {
    ok: true,
    facts: { normalized: n, birthDate: birth, gender: Number(n[16]) % 2 === 1 ? '男' : '女' },
  }
}

/** Mainland mobile numbers: 11 digits starting with 1[3-9]. */
export function checkPhone(raw: string): string | null {
  const p = raw.trim()
  if (p === '') return '请输入手机号码'
  if (!/^1[3-9]\d{9}$/.test(p)) return '手机号码应为11位数字，以1开头'
  return null
}

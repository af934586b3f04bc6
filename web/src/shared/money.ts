// Money typed by admins in yuan ("12.5", "1,200.00") and sent to the API as integer fen.
// Only string and integer arithmetic: "0.29" is 29 fen, never 28.999999.

/** Why a yuan text is refused, or null when it is a valid amount. */
export function yuanError(text: string, { min = 1, max = 100_000_000 }: { min?: number; max?: number } = {}): string | null {
  const t = text.trim().replace(/,/g, '')
  if (t === '') return '请输入金额'
  if (!/^\d+(\.\d{0,2})?$/.test(t)) {
    if (/^\d+\.\d{3,}$/.test(t)) return '金额最多两位小数（精确到分）'
    return '金额应为数字，如 50 或 12.50'
  }
  const fen = toFen(t)!
  if (fen < min) return min === 1 ? '金额应大于 0' : `金额不能小于 ${fenToYuan(min)} 元`
  if (fen > max) return `金额不能超过 ${fenToYuan(max)} 元`
  return null
}

/** "12.5" → 1250; null when the text is not a non-negative amount with at most two decimals. */
export function toFen(text: string): number | null {
  const t = text.trim().replace(/,/g, '')
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(t)
  if (!m) return null
  const whole = m[1].replace(/^0+(?=\d)/, '')
  const cents = (m[2] ?? '').padEnd(2, '0')
  // Digits joined as text, then one integer: no binary fractions anywhere.
  const fen = Number(whole + cents)
  return Number.isSafeInteger(fen) ? fen : null
}

/** 1250 → "12.50" (for an input field: no thousands separators). */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const digits = String(Math.abs(Math.trunc(fen))).padStart(3, '0')
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`
}

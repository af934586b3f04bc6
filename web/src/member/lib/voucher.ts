/** A voucher code in groups of four for reading aloud or typing: "ABCD EFGH …". */
export function groupCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ')
}

/** The 6 digits of a dynamic voucher code as shown: "123 456". */
export function groupDigits(digits: string): string {
  return digits.replace(/^(\d{3})(\d{3})$/, '$1 $2')
}

/**
 * When to fetch the next dynamic code: as its step ends (`refresh_in_seconds`), so the
 * QR code and the digits under it always belong to the current step; never sooner
 * than a second, and at most 30 s.
 */
export function nextRefreshMs(refreshInSeconds: number): number {
  const s = Number.isFinite(refreshInSeconds) ? refreshInSeconds : 1
  return Math.min(30, Math.max(1, s)) * 1000
}

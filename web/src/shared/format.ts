// How values are shown: money in yuan from integer fen, times in Beijing time.
import dayjs from 'dayjs'
import utc from 'dayjs/plugin/utc'
import timezone from 'dayjs/plugin/timezone'

dayjs.extend(utc)
dayjs.extend(timezone)

export const BEIJING = 'Asia/Shanghai'

/** 12345 fen → "123.45" (integer arithmetic: no floating-point drift). */
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '-'
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.trunc(fen))
  const whole = Math.floor(abs / 100)
  const cents = String(abs % 100).padStart(2, '0')
  return `${sign}${whole.toLocaleString('en-US')}.${cents}`
}

/** An instant (RFC 3339) in Beijing time: "2026-09-20 14:05". */
export function dateTime(value: string | null | undefined): string {
  if (!value) return '-'
  const d = dayjs(value)
  return d.isValid() ? d.tz(BEIJING).format('YYYY-MM-DD HH:mm') : '-'
}

/** A calendar date ("2026-09-20"), or the Beijing date of an instant. */
export function date(value: string | null | undefined): string {
  if (!value) return '-'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const d = dayjs(value)
  return d.isValid() ? d.tz(BEIJING).format('YYYY-MM-DD') : '-'
}

/** Today's Beijing date, "YYYY-MM-DD". */
export function todayInBeijing(now: Date = new Date()): string {
  return dayjs(now).tz(BEIJING).format('YYYY-MM-DD')
}

/** 66.7 → "66.7%"; the API sends rates as percentages with one decimal. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '-'
  return `${rate.toFixed(1)}%`
}

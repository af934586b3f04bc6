// How an activity's facts are worded for the member.
import { date, dateTime } from '@shared/format'
import type { AppActivity } from '@member/api'

export function limitText(a: Pick<AppActivity, 'claim_limit'>): string {
  const l = a.claim_limit
  return l.kind === 'once' ? '每人限领1次' : `每人每天限领${l.times}次`
}

export function windowText(a: Pick<AppActivity, 'starts_at' | 'ends_at'>): string {
  return `${dateTime(a.starts_at)} 至 ${dateTime(a.ends_at)}`
}

export function validityText(v: { valid_from: string; valid_to: string }): string {
  return `${date(v.valid_from)} 至 ${date(v.valid_to)}`
}

/** The button's words for an activity that cannot be claimed now. */
export function blockedLabel(a: Pick<AppActivity, 'can_claim' | 'reason'>): string | null {
  if (a.can_claim) return null
  switch (a.reason) {
    case 'LIMIT_REACHED':
      return '已领取'
    case 'SOLD_OUT':
      return '已领完'
    case 'NOT_IN_WINDOW':
      return '不在领取时间'
    case 'NOT_ELIGIBLE':
      return '不符合领取条件'
    default:
      return '暂不可领取'
  }
}

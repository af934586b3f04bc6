// The ID number as the member types it: quiet while the number is still being typed
// correctly, the full check (incl. the check digit) once 18 characters are in.
import { checkIdNumber, normalizeIdNumber } from '@shared/idNumber'
import { todayInBeijing } from '@shared/format'

export type LiveIdCheck =
  | { state: 'empty' }
  | { state: 'typing'; message: string }
  | { state: 'error'; message: string }
  | { state: 'ok'; message: string; normalized: string }

export function liveIdCheck(raw: string, today: string = todayInBeijing()): LiveIdCheck {
  const n = normalizeIdNumber(raw)
  if (n === '') return { state: 'empty' }
  if (n.length < 18) {
    if (!/^\d*$/.test(n)) {
      return { state: 'error', message: '身份证号码前17位应为数字，最后一位为数字或X' }
    }
    return { state: 'typing', message: `已输入${n.length}位，共18位` }
  }
  const c = checkIdNumber(n, today)
  if (!c.ok) return { state: 'error', message: c.message }
  return { state: 'ok', message: '号码格式正确', normalized: c.facts.normalized }
}

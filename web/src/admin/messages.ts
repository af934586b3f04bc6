// Words the console puts around the API's answers: account states, what happens on a
// password reset, who can be named in a transfer request. Plain Chinese for clerks.
import { ApiError, messageOf } from '@shared/api/errors'
import { dateTime } from '@shared/format'
import type { Activity, Admin, Task, TransferRequestItem, TransferRequestStatus } from '@shared/api/types'

/** What the login page says when the API refuses a log-in. */
export function loginFailureMessage(e: unknown): string {
  const message = messageOf(e)
  if (e instanceof ApiError && e.code === 'INITIAL_PASSWORD_EXPIRED' && !message.includes('上级')) {
    // The API's sentence says "contact the admin": keep what happened, say whom to ask for what.
    const what = message.split('，请联系')[0].replace(/[。，]$/, '')
    return `${what}。请联系上级工会的管理员，在“工会信息”中为您的账号重置密码。`
  }
  return message
}

export type TagType = 'success' | 'warning' | 'info' | 'danger'

/** An admin account's state as a tag. */
export function adminState(a: Pick<Admin, 'disabled' | 'must_change_password'>): { label: string; type: TagType } {
  if (a.disabled) return { label: '已停用', type: 'info' }
  if (a.must_change_password) return { label: '未修改初始密码', type: 'warning' }
  return { label: '正常', type: 'success' }
}

/** Whether the signed-in admin may reset, disable or enable this account (never one's own). */
export const canManageAdmin = (a: Pick<Admin, 'username'>, me: string) => a.username !== me

/** What the credentials dialog adds after a password reset. */
export function resetNote(expiresAt: string | null | undefined): string {
  const until = expiresAt ? `（${dateTime(expiresAt)}前）` : ''
  return `新密码72小时内${until}有效，仅可用于登录一次，登录后须修改。该账号原来的密码已失效，正在登录的地方已全部退出。`
}

/** The union holding the member: hidden from the requesting side until approval. */
export function fromOrgLabel(r: Pick<TransferRequestItem, 'from_org'>): string {
  return r.from_org?.name ?? '同意后显示'
}

export function transferStatusType(s: TransferRequestStatus): TagType {
  return s === 'approved' ? 'success' : s === 'rejected' ? 'danger' : 'warning'
}

/** An activity's workflow state as a tag colour. */
export function statusTagType(s: Activity['status']): TagType | 'primary' {
  return s === 'open' ? 'success' : s === 'submitted' || s === 'opening' ? 'warning' : s === 'rejected' ? 'danger' : s === 'approved' ? 'primary' : 'info'
}

/** 开启中 with how many vouchers are made (开启中 12,000/1,000,000), else the state's label. */
export function activityStatusText(a: Pick<Activity, 'status' | 'status_label' | 'slots_total' | 'slots_created'>): string {
  if (a.status !== 'opening' || a.slots_total == null) return a.status_label
  const n = (v: number) => v.toLocaleString('en-US')
  return `${a.status_label} ${n(a.slots_created ?? 0)}/${n(a.slots_total)}`
}

/** What the console says after the Open action: at once open, or opening in the background. */
export const openedMessage = (a: Pick<Activity, 'status'>) =>
  a.status === 'opening' ? '活动开启中：正在生成券码，完成后自动开启（可在任务中心查看进度）' : '活动已开启，会员可以领取了'

/** A task's state as a tag colour, and how far it has got (0–100). */
export const taskStatusType = (s: Task['status']) =>
  ({ pending: 'info', running: 'primary', succeeded: 'success', failed: 'danger' })[s] as 'info' | 'primary' | 'success' | 'danger'
export const taskPercent = (t: Pick<Task, 'total' | 'processed' | 'status'>) =>
  t.total > 0 ? Math.min(100, Math.round((t.processed / t.total) * 100)) : t.status === 'succeeded' ? 100 : 0

export const taskKinds = [
  { value: 'member_import', label: '会员导入' },
  { value: 'settlement_report', label: '结算报表' },
  { value: 'activity_opening', label: '活动开启' },
] as const

/** Why a 结算单 could not be confirmed, with what the clerk can do about it. */
export function confirmRefusal(e: unknown): { title: string; message: string; hint: string } {
  const message = messageOf(e)
  const code = e instanceof ApiError ? e.code : ''
  if (code === 'PERIOD_NOT_ENDED')
    return { title: '结算期间还没结束', message, hint: '期间的最后一天过完后才能确认，以免当天稍后核销的券漏结。可以先导出草稿核对数字。' }
  if (code === 'ALREADY_SETTLED')
    return { title: '部分券已经结算过', message, hint: '一张券只能结算一次。请删除此草稿，按已确认结算单之后的日期重新创建。' }
  if (code === 'NOTHING_TO_SETTLE')
    return { title: '没有可结算的券', message, hint: '该商家在这个期间没有核销本工会活动的券。请检查商家和期间，或删除此草稿。' }
  return { title: '不能确认', message, hint: '' }
}

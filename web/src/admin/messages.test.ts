import { describe, expect, it } from 'vitest'
import { ApiError, hasCode } from '@shared/api/errors'
import { activityStatusText, adminState, canManageAdmin, fromOrgLabel, loginFailureMessage, openedMessage, resetNote, statusTagType, transferStatusType } from './messages'

describe('login failures', () => {
  it('tells an admin with an expired initial password to ask the organisation above for a reset', () => {
    const e = new ApiError(401, 'INITIAL_PASSWORD_EXPIRED', '初始密码已过期（72小时内有效），请联系管理员重新获取初始密码')
    const m = loginFailureMessage(e)
    expect(m).toBe('初始密码已过期（72小时内有效）。请联系上级工会的管理员，在“工会信息”中为您的账号重置密码。')
  })

  it('adds whom to ask to an API sentence that says only what happened', () => {
    const m = loginFailureMessage(new ApiError(401, 'INITIAL_PASSWORD_EXPIRED', '初始密码已过期。'))
    expect(m).toBe('初始密码已过期。请联系上级工会的管理员，在“工会信息”中为您的账号重置密码。')
  })

  it('keeps the API sentence as it is when it already names the organisation above', () => {
    const said = '初始密码已过期，请联系上级工会管理员重置密码'
    expect(loginFailureMessage(new ApiError(401, 'INITIAL_PASSWORD_EXPIRED', said))).toBe(said)
  })

  it('shows other refusals as the API words them', () => {
    expect(loginFailureMessage(new ApiError(401, 'INVALID_CREDENTIALS', '账号或密码错误'))).toBe('账号或密码错误')
    expect(loginFailureMessage(new ApiError(403, 'ACCOUNT_DISABLED', '账号已停用'))).toBe('账号已停用')
  })
})

describe('admin accounts', () => {
  it('shows disabled before a pending initial password', () => {
    expect(adminState({ disabled: true, must_change_password: true })).toEqual({ label: '已停用', type: 'info' })
    expect(adminState({ disabled: false, must_change_password: true }).label).toBe('未修改初始密码')
    expect(adminState({ disabled: false, must_change_password: false }).label).toBe('正常')
  })

  it('offers reset and disable for every account but one’s own', () => {
    expect(canManageAdmin({ username: 'shiyan_admin' }, 'admin')).toBe(true)
    expect(canManageAdmin({ username: 'admin' }, 'admin')).toBe(false)
  })

  it('says after a reset when the new password stops working and that sessions ended', () => {
    const note = resetNote('2026-12-06T04:00:00Z')
    expect(note).toContain('72小时')
    expect(note).toContain('2026-12-06 12:00')
    expect(note).toContain('已全部退出')
    expect(resetNote(undefined)).not.toContain('前）')
  })
})

describe('transfer requests', () => {
  it('names the holding union only when the API does', () => {
    expect(fromOrgLabel({ from_org: { id: 2, name: '东港一小工会' } })).toBe('东港一小工会')
    expect(fromOrgLabel({})).toBe('同意后显示')
  })

  it('colours the states', () => {
    expect(transferStatusType('pending')).toBe('warning')
    expect(transferStatusType('approved')).toBe('success')
    expect(transferStatusType('rejected')).toBe('danger')
  })

  it('recognises the answer that offers a transfer request', () => {
    const e = new ApiError(409, 'MEMBER_ACTIVE_ELSEWHERE', '该会员已在其他工会（会籍有效），请通过转会办理')
    expect(hasCode(e, 'MEMBER_ACTIVE_ELSEWHERE')).toBe(true)
    expect(hasCode(e, 'MEMBER_EXISTS')).toBe(false)
    expect(hasCode(new Error('x'), 'MEMBER_ACTIVE_ELSEWHERE')).toBe(false)
  })
})

describe('activities opening in the background', () => {
  it('shows 开启中 with the vouchers made so far', () => {
    const a = { status: 'opening', status_label: '开启中', slots_total: 1000000, slots_created: 240000 } as const
    expect(activityStatusText(a)).toBe('开启中 240,000/1,000,000')
    expect(activityStatusText({ ...a, slots_created: undefined })).toBe('开启中 0/1,000,000')
    expect(statusTagType('opening')).toBe('warning')
  })

  it('shows other states by their label', () => {
    expect(activityStatusText({ status: 'open', status_label: '已开启' })).toBe('已开启')
  })

  it('says whether the activity is open at once or still opening', () => {
    expect(openedMessage({ status: 'open' })).toBe('活动已开启，会员可以领取了')
    expect(openedMessage({ status: 'opening' })).toContain('开启中')
  })
})

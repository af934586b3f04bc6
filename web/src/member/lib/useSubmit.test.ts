import { describe, expect, it } from 'vitest'
import { ApiError, SERVER_MESSAGE } from '@shared/api/errors'
import { useSubmit } from './useSubmit'

describe('useSubmit', () => {
  it('does not send a form its check refuses, and shows why', async () => {
    const { error, run } = useSubmit()
    let sent = false
    await run(
      () => '请输入手机号码',
      async () => {
        sent = true
      },
    )
    expect(sent).toBe(false)
    expect(error.value).toBe('请输入手机号码')
  })

  it("shows the API's refusal in its own words and a server fault as the fixed sentence", async () => {
    const { error, busy, run } = useSubmit()
    await run(
      () => null,
      async () => {
        expect(busy.value).toBe(true)
        throw new ApiError(429, 'SMS_TOO_FREQUENT', '验证码发送过于频繁，请42秒后再试')
      },
    )
    expect(error.value).toBe('验证码发送过于频繁，请42秒后再试')
    expect(busy.value).toBe(false)
    await run(
      () => null,
      async () => {
        throw new ApiError(500, 'INTERNAL', SERVER_MESSAGE)
      },
    )
    expect(error.value).toBe(SERVER_MESSAGE)
  })

  it('lets the page take an error it explains itself', async () => {
    const { error, run } = useSubmit()
    await run(
      () => null,
      async () => {
        throw new ApiError(409, 'NOT_ON_ROSTER', '未在会员名册中')
      },
      (e) => e instanceof ApiError && e.code === 'NOT_ON_ROSTER',
    )
    expect(error.value).toBe('')
  })
})

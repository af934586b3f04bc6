import { describe, expect, it } from 'vitest'
import { ApiError, networkError } from '@shared/api/errors'
import { Claimer, isUncertain, newKey } from './claim'

const noWait = () => Promise.resolve()

function keys() {
  let n = 0
  return () => `key-${++n}`
}

describe('Claimer', () => {
  it('retries a network failure with the same key and gets the first answer', async () => {
    const sent: string[] = []
    let calls = 0
    const c = new Claimer(
      async (key) => {
        sent.push(key)
        if (++calls === 1) throw networkError()
        return `claimed with ${key}`
      },
      { wait: noWait, makeKey: keys() },
    )
    await expect(c.tap()).resolves.toBe('claimed with key-1')
    expect(sent).toEqual(['key-1', 'key-1'])
    expect(c.pendingKey).toBeNull()
  })

  it('keeps the key for the next tap when every retry failed, and uses a new one after a definite answer', async () => {
    const sent: string[] = []
    let fail = true
    const c = new Claimer(
      async (key) => {
        sent.push(key)
        if (fail) throw new ApiError(503, 'BUSY', '系统繁忙')
        return 'ok'
      },
      { wait: noWait, retries: 1, makeKey: keys() },
    )
    await expect(c.tap()).rejects.toMatchObject({ code: 'BUSY' })
    expect(sent).toEqual(['key-1', 'key-1'])
    expect(c.pendingKey).toBe('key-1')
    fail = false
    await expect(c.tap()).resolves.toBe('ok')
    expect(sent).toEqual(['key-1', 'key-1', 'key-1'])
    await c.tap()
    expect(sent.at(-1)).toBe('key-2')
  })

  it('does not retry a refusal and forgets its key', async () => {
    const sent: string[] = []
    const c = new Claimer(
      async (key) => {
        sent.push(key)
        throw new ApiError(409, 'SOLD_OUT', '已领完')
      },
      { wait: noWait, makeKey: keys() },
    )
    await expect(c.tap()).rejects.toMatchObject({ code: 'SOLD_OUT' })
    await expect(c.tap()).rejects.toMatchObject({ code: 'SOLD_OUT' })
    expect(sent).toEqual(['key-1', 'key-2'])
    expect(c.pendingKey).toBeNull()
  })

  it('ignores a second tap while the first is running', async () => {
    let release!: (v: string) => void
    let calls = 0
    const c = new Claimer(
      () => {
        calls++
        return new Promise<string>((ok) => (release = ok))
      },
      { wait: noWait, makeKey: keys() },
    )
    const first = c.tap()
    await expect(c.tap()).resolves.toBeNull()
    release('ok')
    await expect(first).resolves.toBe('ok')
    expect(calls).toBe(1)
  })
})

describe('isUncertain and newKey', () => {
  it('treats network failures and 5xx as uncertain, 4xx as definite', () => {
    expect(isUncertain(networkError())).toBe(true)
    expect(isUncertain(new ApiError(502, 'X', ''))).toBe(true)
    expect(isUncertain(new ApiError(409, 'LIMIT_REACHED', ''))).toBe(false)
    expect(isUncertain(new Error('x'))).toBe(true)
  })

  it('makes keys the server accepts (1-64 visible ASCII), different each time', () => {
    const a = newKey()
    expect(a).toMatch(/^[!-~]{1,64}$/)
    expect(newKey()).not.toBe(a)
  })
})

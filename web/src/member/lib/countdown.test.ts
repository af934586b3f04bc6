import { describe, expect, it } from 'vitest'
import { Countdown, retryAfterOf, sendLabel, type Clock } from './countdown'

/** A clock moved by hand. */
function manualClock() {
  let now = 1_000_000
  const timers: { fn: () => void; active: boolean }[] = []
  const clock: Clock = {
    now: () => now,
    every(_ms, fn) {
      const t = { fn, active: true }
      timers.push(t)
      return () => (t.active = false)
    },
  }
  return {
    clock,
    advance(ms: number) {
      // Tick every 250 ms as the real interval would.
      for (let step = 0; step < ms; step += 250) {
        now += Math.min(250, ms - step)
        timers.filter((t) => t.active).forEach((t) => t.fn())
      }
    },
    sleep(ms: number) {
      now += ms
    },
    active: () => timers.filter((t) => t.active).length,
  }
}

describe('Countdown', () => {
  it('counts 60 seconds down to zero and stops its timer', () => {
    const m = manualClock()
    const seen: number[] = []
    const c = new Countdown((r) => seen.push(r), m.clock)
    c.start(60)
    expect(c.remaining).toBe(60)
    expect(c.running).toBe(true)
    m.advance(1000)
    expect(c.remaining).toBe(59)
    m.advance(58_000)
    expect(c.remaining).toBe(1)
    m.advance(1000)
    expect(c.remaining).toBe(0)
    expect(c.running).toBe(false)
    expect(m.active()).toBe(0)
    expect(seen[0]).toBe(60)
    expect(seen.at(-1)).toBe(0)
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('shows the right number after the page slept', () => {
    const m = manualClock()
    const c = new Countdown(() => {}, m.clock)
    c.start(60)
    m.sleep(42_000)
    m.advance(250)
    expect(c.remaining).toBe(18)
  })

  it('restarts from a server-given wait and can be cancelled', () => {
    const m = manualClock()
    const c = new Countdown(() => {}, m.clock)
    c.start(60)
    m.advance(10_000)
    c.start(37)
    expect(c.remaining).toBe(37)
    expect(m.active()).toBe(1)
    c.cancel()
    expect(c.remaining).toBe(0)
    expect(m.active()).toBe(0)
  })

  it('words the button', () => {
    expect(sendLabel(0, false)).toBe('获取验证码')
    expect(sendLabel(59, true)).toBe('59秒后重新获取')
    expect(sendLabel(0, true)).toBe('重新获取')
  })

  it('reads the wait from a 429 answer', () => {
    expect(retryAfterOf({ retry_after_seconds: 42 })).toBe(42)
    expect(retryAfterOf({})).toBeNull()
    expect(retryAfterOf(undefined)).toBeNull()
    expect(retryAfterOf({ retry_after_seconds: 'x' })).toBeNull()
  })
})

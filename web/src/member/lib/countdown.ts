// The "resend the SMS code" countdown: how many seconds remain before another code may be
// asked for. It counts from a deadline (not by decrementing), so a tab that was asleep
// shows the right number when it wakes up.

export interface Clock {
  now(): number
  every(ms: number, fn: () => void): () => void
}

export const realClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const id = setInterval(fn, ms)
    return () => clearInterval(id)
  },
}

export class Countdown {
  private deadline = 0
  private stop: (() => void) | null = null
  /** Seconds left, 0 when a code may be requested. */
  remaining = 0

  constructor(
    private readonly onChange: (remaining: number) => void = () => {},
    private readonly clock: Clock = realClock,
  ) {}

  get running(): boolean {
    return this.remaining > 0
  }

  /** Starts (or restarts) counting down from `seconds`. */
  start(seconds: number) {
    this.cancel()
    const s = Math.max(0, Math.ceil(seconds))
    this.deadline = this.clock.now() + s * 1000
    this.update()
    if (this.remaining > 0) this.stop = this.clock.every(250, () => this.update())
  }

  cancel() {
    this.stop?.()
    this.stop = null
    if (this.remaining !== 0) {
      this.remaining = 0
      this.onChange(0)
    }
  }

  private update() {
    const left = Math.max(0, Math.ceil((this.deadline - this.clock.now()) / 1000))
    if (left !== this.remaining) {
      this.remaining = left
      this.onChange(left)
    }
    if (left === 0) {
      this.stop?.()
      this.stop = null
    }
  }
}

/** The button's words: 获取验证码, then "59秒后重新获取", then 重新获取. */
export function sendLabel(remaining: number, sentBefore: boolean): string {
  if (remaining > 0) return `${remaining}秒后重新获取`
  return sentBefore ? '重新获取' : '获取验证码'
}

/** Seconds to wait from a 429 answer's details (`retry_after_seconds`), if it names them. */
export function retryAfterOf(details: unknown): number | null {
  if (typeof details !== 'object' || details === null) return null
  const v = (details as Record<string, unknown>).retry_after_seconds
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null
}

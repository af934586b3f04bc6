// Claiming with an Idempotency-Key: one key per tap of 领取, and the same key again when
// that tap's request may not have reached the server or its answer was lost (a network
// failure, a server fault, 503 BUSY). The server answers a repeated key with the first
// claim's result, so a retry never claims twice. A definite answer (claimed, or a refusal
// such as SOLD_OUT) ends the intent: the next tap is a new claim with a new key.
import { ApiError } from '@shared/api/errors'

export type Send<T> = (key: string) => Promise<T>

/** Whether the claim may or may not have happened: the same key must be used again. */
export function isUncertain(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true
  return e.status === 0 || e.status >= 500
}

export function newKey(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const bytes = new Uint8Array(16)
  c.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export interface ClaimerOptions {
  /** Further attempts with the same key after an uncertain failure (default 2). */
  retries?: number
  /** Waits between attempts; tests pass one that does not wait. */
  wait?: (attempt: number) => Promise<void>
  makeKey?: () => string
}

export class Claimer<T> {
  /** The key of a tap whose outcome is not known yet. */
  private pending: string | null = null
  private busy = false

  constructor(
    private readonly send: Send<T>,
    private readonly options: ClaimerOptions = {},
  ) {}

  /** The key the next attempt will use, if it is a retry. */
  get pendingKey(): string | null {
    return this.pending
  }

  /**
   * One tap of 领取. A tap while the previous one is still running is ignored (answers
   * `null`), so a double tap sends one request.
   */
  async tap(): Promise<T | null> {
    if (this.busy) return null
    this.busy = true
    const key = this.pending ?? (this.options.makeKey ?? newKey)()
    this.pending = key
    const retries = this.options.retries ?? 2
    const wait = this.options.wait ?? ((n: number) => new Promise<void>((ok) => setTimeout(ok, 800 * n)))
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await this.send(key)
          this.pending = null
          return result
        } catch (e) {
          if (!isUncertain(e)) {
            this.pending = null
            throw e
          }
          if (attempt >= retries) throw e
          await wait(attempt + 1)
        }
      }
    } finally {
      this.busy = false
    }
  }
}

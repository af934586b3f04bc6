// What the API's error answers become in the web apps: one error class whose `message`
// is ready to show. The API's own Chinese `message` is shown as it is; a network failure
// or a server fault (5xx) gets a fixed, friendly sentence instead of technical text.

export const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
export const SERVER_MESSAGE = '服务暂时不可用，请稍后重试'

/** The body of every non-2xx answer (`ErrorBody` in the API). */
export interface ErrorBody {
  code: string
  message: string
  details?: unknown
}

export class ApiError extends Error {
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number
  /** The API's machine-readable code (`VALIDATION`, `UNAUTHORIZED`, ...), or `NETWORK`. */
  readonly code: string
  readonly details?: unknown

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }

  /** A session that is gone (expired, revoked): the app returns to its login page. */
  get isSessionExpired(): boolean {
    return this.status === 401 && this.code === 'UNAUTHORIZED'
  }

  get isPasswordChangeRequired(): boolean {
    return this.status === 403 && this.code === 'PASSWORD_CHANGE_REQUIRED'
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as ErrorBody).code === 'string' &&
    typeof (body as ErrorBody).message === 'string'
  )
}

/** The error for an answer with status `status` and (parsed JSON, or undefined) `body`. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  if (status >= 500) {
    const code = isErrorBody(body) ? body.code : 'SERVER_ERROR'
    return new ApiError(status, code, SERVER_MESSAGE)
  }
  if (isErrorBody(body)) {
    return new ApiError(status, body.code, body.message, body.details)
  }
  // A 4xx without the API's body (a proxy's page, say): say what we can.
  return new ApiError(status, 'HTTP_' + status, `请求失败（${status}），请稍后重试`)
}

export function networkError(): ApiError {
  return new ApiError(0, 'NETWORK', NETWORK_MESSAGE)
}

/** Whether `e` is the API's answer with this machine-readable `code`. */
export function hasCode(e: unknown, code: string): boolean {
  return e instanceof ApiError && e.code === code
}

/** Any thrown value as a message to show (pages catch `unknown`). */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return SERVER_MESSAGE
}

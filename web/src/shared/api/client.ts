// The typed API client shared by the web apps: openapi-fetch over the types generated
// from the server's OpenAPI document (schema.d.ts). Each app gives it a way to find its
// token and tells it what to do when the session is gone.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError, errorFromResponse, networkError } from './errors'

export interface SessionHooks {
  /** The bearer token to send, if any. */
  token(): string | null
  /** Called once per answer that says the session is gone (401 `UNAUTHORIZED`). */
  onSessionExpired(): void
  /** Called when the API asks for the initial password to be changed first. */
  onPasswordChangeRequired?(): void
}

let hooks: SessionHooks = { token: () => null, onSessionExpired: () => {} }

export function configureSession(h: SessionHooks) {
  hooks = h
}

export function authHeader(): Record<string, string> {
  const t = hooks.token()
  return t ? { Authorization: `Bearer ${t}` } : {}
}

/** Reads an error answer into an `ApiError` and tells the session hooks about it. */
export async function failure(response: Response): Promise<ApiError> {
  let body: unknown
  try {
    body = await response.clone().json()
  } catch {
    body = undefined
  }
  const err = errorFromResponse(response.status, body)
  if (err.isSessionExpired) hooks.onSessionExpired()
  else if (err.isPasswordChangeRequired) hooks.onPasswordChangeRequired?.()
  return err
}

const session: Middleware = {
  onRequest({ request }) {
    const t = hooks.token()
    if (t) request.headers.set('Authorization', `Bearer ${t}`)
    return request
  },
  async onResponse({ response }) {
    if (!response.ok) throw await failure(response)
    return response
  },
  onError({ error }) {
    if (error instanceof ApiError) return error
    return networkError()
  },
}

// Same origin in the browser (the api serves the apps); a fixed origin where there is none (unit tests).
export const client = createClient<paths>({
  baseUrl: typeof location !== 'undefined' ? location.origin : 'http://localhost',
  // Looked up at each call, so tests can stand in for the network.
  fetch: (request) => globalThis.fetch(request),
})
client.use(session)

/**
 * The data of an openapi-fetch call; errors were already thrown by the middleware as
 * `ApiError`, so a page writes `const org = await call(client.GET('/api/admin/org'))`.
 */
export async function call<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending
  if (error !== undefined || !response.ok) throw await failure(response)
  return data as T
}

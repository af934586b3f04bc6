// The member's session: the bearer token in localStorage, so a reload (or reopening the
// page in WeChat) keeps the member logged in; cleared on logout and on any 401.
import { reactive } from 'vue'
import type { Router } from 'vue-router'
import { showToast } from 'vant'
import { configureSession } from '@shared/api/client'
import * as api from '@member/api'
import type { Me } from '@member/api'

const KEY = 'gonghui.member.token'

function load(): string | null {
  try {
    return localStorage.getItem(KEY)
  } catch {
    return null
  }
}

export const session = reactive({
  token: load(),
  /** The profile (`GET /api/app/me`), loaded after log-in and refreshed by pages. */
  me: null as Me | null,
})

export const loggedIn = () => session.token !== null

export function startSession(token: string) {
  session.token = token
  session.me = null
  localStorage.setItem(KEY, token)
}

export function clearSession() {
  session.token = null
  session.me = null
  localStorage.removeItem(KEY)
}

export async function refreshMe(): Promise<Me> {
  session.me = await api.me()
  return session.me
}

export async function logOut() {
  try {
    await api.logout()
  } finally {
    clearSession()
  }
}

/** Wires the API client to this session and the router (once, at start-up). */
export function connectSession(router: Router) {
  configureSession({
    token: () => session.token,
    onSessionExpired() {
      if (!loggedIn()) return
      clearSession()
      const here = router.currentRoute.value
      showToast('登录已过期，请重新登录')
      router.replace({ name: 'login', query: here.meta.public ? {} : { redirect: here.fullPath } })
    },
  })
}

// The admin's session: token, organisation, whether the initial password must be changed
// first. Kept in localStorage so a reload keeps the admin logged in; cleared on logout
// and on any 401 from the API (then the login page, and back afterwards).
import { defineStore } from 'pinia'
import type { Router } from 'vue-router'
import { ElMessage } from 'element-plus'
import { configureSession } from '@shared/api/client'
import type { Org, OrgRef } from '@shared/api/types'

const KEY = 'gonghui.admin.session'

interface Saved {
  token: string
  username: string
  org: OrgRef
  mustChangePassword: boolean
}

function load(): Saved | null {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Saved) : null
  } catch {
    return null
  }
}

export const useSession = defineStore('session', {
  state: () => {
    const saved = load()
    return {
      token: saved?.token ?? null,
      username: saved?.username ?? '',
      org: saved?.org ?? null,
      mustChangePassword: saved?.mustChangePassword ?? false,
      /** Own organisation's profile (kind decides which actions exist). */
      profile: null as Org | null,
    }
  },
  getters: {
    loggedIn: (s) => s.token !== null,
    /** Units and members are kept by grassroots unions; federations look at them. */
    isUnion: (s) => s.profile?.kind === 'grassroots_union',
  },
  actions: {
    start(token: string, username: string, org: OrgRef, mustChangePassword: boolean) {
      this.token = token
      this.username = username
      this.org = org
      this.mustChangePassword = mustChangePassword
      this.profile = null
      this.save()
    },
    passwordChanged(token: string) {
      this.token = token
      this.mustChangePassword = false
      this.save()
    },
    clear() {
      this.token = null
      this.org = null
      this.profile = null
      this.mustChangePassword = false
      localStorage.removeItem(KEY)
    },
    save() {
      if (!this.token || !this.org) return
      const saved: Saved = {
        token: this.token,
        username: this.username,
        org: this.org,
        mustChangePassword: this.mustChangePassword,
      }
      localStorage.setItem(KEY, JSON.stringify(saved))
    },
  },
})

/** Wires the API client to this session and the router (once, at start-up). */
export function connectSession(router: Router) {
  const session = useSession()
  let leaving = false
  configureSession({
    token: () => session.token,
    onSessionExpired() {
      if (!session.loggedIn || leaving) return
      leaving = true
      session.clear()
      const here = router.currentRoute.value
      ElMessage.warning('登录已过期，请重新登录')
      router
        .replace({ name: 'login', query: here.name === 'login' ? {} : { redirect: here.fullPath } })
        .finally(() => (leaving = false))
    },
    onPasswordChangeRequired() {
      session.mustChangePassword = true
      session.save()
      router.replace({ name: 'change-password' })
    },
  })
}

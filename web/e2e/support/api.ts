// What happens outside the console in the welfare flow, through the API with fetch as the
// member app and the merchant mini-program do it: accounts, certification, claims,
// redemptions. Every call checks its status, so a refusal fails the test where it happened.
import { expect } from '@playwright/test'
import type { SmsGateway } from './server'

export class Api {
  constructor(
    readonly baseURL: string,
    private token?: string,
  ) {}

  as(token: string): Api {
    return new Api(this.baseURL, token)
  }

  async call<T>(method: string, path: string, body?: unknown, expected = 200): Promise<T> {
    const headers: Record<string, string> = {}
    if (this.token) headers.Authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const r = await fetch(this.baseURL + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await r.text()
    expect(r.status, `${method} ${path} → ${text}`).toBe(expected)
    return (text ? JSON.parse(text) : undefined) as T
  }

  get = <T>(path: string) => this.call<T>('GET', path)
  post = <T>(path: string, body?: unknown, expected = 200) => this.call<T>('POST', path, body ?? {}, expected)
}

/** An admin's session, with the initial password replaced by `next` first when given. */
export async function adminSession(api: Api, username: string, password: string, next?: string): Promise<Api> {
  const first = await api.post<{ token: string }>('/api/admin/login', { username, password })
  if (!next) return api.as(first.token)
  await api.as(first.token).post('/api/admin/password', { old_password: password, new_password: next })
  const again = await api.post<{ token: string }>('/api/admin/login', { username, password: next })
  return api.as(again.token)
}

/** A merchant staff account logged in, its one-time password changed first. */
export async function staffSession(api: Api, phone: string, initial: string, next: string): Promise<Api> {
  const first = await api.post<{ token: string; must_change_password: boolean }>('/api/merchant/login', { phone, password: initial })
  expect(first.must_change_password).toBe(true)
  await api.as(first.token).post('/api/merchant/password', { old_password: initial, new_password: next })
  const again = await api.post<{ token: string }>('/api/merchant/login', { phone, password: next })
  return api.as(again.token)
}

export interface Person {
  name: string
  phone: string
  id: string
}

/**
 * A member on the union's roster who registers in the app and is certified (the union's
 * admin approves the application): the member's app session.
 */
export async function certifiedMember(api: Api, union: Api, sms: SmsGateway, p: Person): Promise<Api> {
  await union.post('/api/admin/members', { name: p.name, phone: p.phone, id_number: p.id })
  await api.post('/api/app/sms-codes', { phone: p.phone, purpose: 'register' })
  const { token } = await api.post<{ token: string }>('/api/app/register', {
    phone: p.phone,
    password: 'Member2026ok',
    sms_code: sms.codeFor(p.phone, 'register'),
    region: '山东省日照市东港区',
    agree: true,
  })
  const member = api.as(token)
  await member.post('/api/app/certification', { name: p.name, id_number: p.id })
  const pending = await union.get<{ items: { id: number; name: string }[] }>('/api/admin/certifications?status=pending')
  const application = pending.items.find((c) => c.name === p.name)
  expect(application, `${p.name}'s application`).toBeTruthy()
  await union.post(`/api/admin/certifications/${application!.id}/approve`)
  return member
}

export interface Voucher {
  id: number
  code: string
  amount_fen: number
  coupon: { title: string }
}

/** A member's claim in an activity: one voucher of every prize. */
export async function claim(member: Api, activityId: number): Promise<Voucher[]> {
  await member.post(`/api/app/activities/${activityId}/claims`, {}, 201)
  const mine = await member.get<{ items: Voucher[] }>('/api/app/vouchers')
  return mine.items.filter((v) => v.coupon !== undefined)
}

/** A tiny valid PNG (2×2, red) for the image uploads. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
)

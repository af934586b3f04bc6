// The member H5's tests: a phone-sized browser, and the admin and merchant sides driven
// over their HTTP APIs (fetch), as the console and the mini-program would.
import type { BrowserContextOptions, Locator } from '@playwright/test'
import { PNG } from 'pngjs'
import jsQR from 'jsqr'
import { initialPasswordOf } from '../../src/shared/api/types'

/** A 375×667 phone (iPhone SE/8 size), touch, double density. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 375, height: 667 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
}

export interface Answer {
  status: number
  // The answers are read field by field in the specs, as the JSON they are.
  body: any
}

/** JSON over HTTP against the test's server. */
export class Http {
  constructor(private readonly baseURL: string) {}

  async send(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(this.baseURL + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }

  /** A call that must succeed; its body. */
  async ok(method: string, path: string, token?: string, body?: unknown) {
    const a = await this.send(method, path, token, body)
    if (a.status < 200 || a.status > 299) {
      throw new Error(`${method} ${path} answered ${a.status}: ${JSON.stringify(a.body)}`)
    }
    return a.body
  }
}

export const ADMIN_PASSWORD = 'Rizhao2026ok'
export const STAFF_PASSWORD = 'Shop2026pass'

/** Logs an admin in with its one-time password and changes it; the new token. */
export async function activateAdmin(http: Http, username: string, initial: string): Promise<string> {
  const login = await http.ok('POST', '/api/admin/login', undefined, { username, password: initial })
  const changed = await http.ok('POST', '/api/admin/password', login.token, {
    old_password: initial,
    new_password: ADMIN_PASSWORD,
  })
  return changed.token
}

/** Logs a merchant's main account in with its one-time password and changes it. */
export async function activateStaff(http: Http, phone: string, initial: string): Promise<string> {
  const login = await http.ok('POST', '/api/merchant/login', undefined, { phone, password: initial })
  const changed = await http.ok('POST', '/api/merchant/password', login.token, {
    old_password: initial,
    new_password: STAFF_PASSWORD,
  })
  return changed.token
}

export interface Welfare {
  rootToken: string
  unionToken: string
  unionId: number
  merchantName: string
  merchantAddress: string
  staffPhone: string
  staffInitialPassword: string
  activityId: number
  activityTitle: string
  /** When the activity's claiming window opens (ms since the epoch). */
  startsAt: number
}

/**
 * A grassroots union under the city federation with one roster member, an online
 * merchant, a ¥50.00 coupon valid now and an open activity of one voucher per member,
 * reviewed by the city; its window opens `opensInMs` from now (it must start later than
 * its creation).
 */
export async function welfare(
  http: Http,
  bootstrapPassword: string,
  member: { name: string; idNumber: string; phone: string },
  opensInMs = 20_000,
): Promise<Welfare> {
  const rootToken = await activateAdmin(http, 'admin', bootstrapPassword)
  const created = await http.ok('POST', '/api/admin/orgs', rootToken, {
    parent_id: 1,
    name: '日照港集团工会',
    kind: 'grassroots_union',
    admin_username: 'gangji_admin',
  })
  const unionId: number = created.org.id
  const unionToken = await activateAdmin(http, 'gangji_admin', initialPasswordOf(created)!)
  await http.ok('POST', '/api/admin/members', unionToken, {
    name: member.name,
    id_number: member.idNumber,
    phone: member.phone,
    joined_on: '2019-03-01',
  })
  const merchantName = '日照职工之家'
  const merchantAddress = '日照市东港区海曲中路16号'
  const staffPhone = '13700000001'
  const merchant = await http.ok('POST', '/api/admin/merchants', unionToken, {
    name: merchantName,
    contact_name: '张店长',
    phone: staffPhone,
    landline: '0633-8221234',
    address: merchantAddress,
  })
  await http.ok('POST', `/api/admin/merchants/${merchant.merchant.id}/online`, unionToken, {})
  const now = Date.now()
  const coupon = await http.ok('POST', '/api/admin/coupons', unionToken, {
    merchant_id: merchant.merchant.id,
    kind: 'union_activity',
    title: '中秋蛋糕券',
    name: '蛋糕',
    quantity: 10,
    valid_from: new Date(now - 3_600_000).toISOString(),
    valid_to: new Date(now + 30 * 86_400_000).toISOString(),
    amount_fen: 5000,
    conditions: '凭券到店领取蛋糕一个',
    description: '中秋节福利',
  })
  await http.ok('POST', `/api/admin/coupons/${coupon.id}/enable`, unionToken, {})
  const startsAt = now + opensInMs
  const activityTitle = '2026年中秋节职工福利'
  const activity = await http.ok('POST', '/api/admin/activities', unionToken, {
    title: activityTitle,
    cover_url: 'https://img.example.cn/zhongqiu.png',
    claim_limit: { kind: 'once' },
    scope_org_id: unionId,
    starts_at: new Date(startsAt).toISOString(),
    ends_at: new Date(startsAt + 3 * 86_400_000).toISOString(),
    content_html: '<p>中秋佳节，工会为每位会员送上<strong>蛋糕券一张</strong>，请在有效期内到店领取。</p>',
    birthday_only: false,
  })
  const id: number = activity.id
  await http.ok('POST', `/api/admin/activities/${id}/prizes`, unionToken, { coupon_id: coupon.id, quantity: 10 })
  await http.ok('POST', `/api/admin/activities/${id}/submit`, unionToken, {})
  await http.ok('POST', `/api/admin/activities/${id}/review`, rootToken, { approve: true, comment: '同意' })
  await http.ok('POST', `/api/admin/activities/${id}/open`, unionToken, {})
  return {
    rootToken,
    unionToken,
    unionId,
    merchantName,
    merchantAddress,
    staffPhone,
    staffInitialPassword: initialPasswordOf(merchant)!,
    activityId: id,
    activityTitle,
    startsAt,
  }
}

/** The id of the pending certification application of `name` in the union's list. */
export async function pendingApplication(http: Http, unionToken: string, name: string): Promise<number> {
  const list = await http.ok('GET', '/api/admin/certifications?status=pending', unionToken)
  const item = (list.items as { id: number; name: string }[]).find((i) => i.name === name)
  if (!item) throw new Error(`no pending application of ${name}: ${JSON.stringify(list)}`)
  return item.id
}

/** The text a QR code shown in `image` holds (decoded from a screenshot of it). */
export async function decodeQr(image: Locator): Promise<string | null> {
  const png = PNG.sync.read(await image.screenshot())
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
  return found?.data ?? null
}

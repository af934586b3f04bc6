// The member app's calls to /api/app, typed from the generated schema.
import { call, client } from '@shared/api/client'
import type { components } from '@shared/api/schema'

type S = components['schemas']
export type Me = S['Me']
export type MyCertification = S['MyCertification']
export type AppActivity = S['AppActivity']
export type VoucherView = S['VoucherView']
export type VoucherStatus = S['VoucherStatus']
export type ClaimResult = S['ClaimResult']
export type SmsPurpose = S['SmsPurpose']

export const sendSmsCode = (phone: string, purpose: SmsPurpose) =>
  call(client.POST('/api/app/sms-codes', { body: { phone, purpose } }))

export const register = (body: S['RegisterRequest']) => call(client.POST('/api/app/register', { body }))

export const login = (phone: string, password: string) =>
  call(client.POST('/api/app/login', { body: { phone, password } }))

export const loginBySms = (phone: string, sms_code: string) =>
  call(client.POST('/api/app/login/sms', { body: { phone, sms_code } }))

export const resetPassword = (phone: string, sms_code: string, new_password: string) =>
  call(client.POST('/api/app/password/reset', { body: { phone, sms_code, new_password } }))

export const logout = () => call(client.POST('/api/app/logout'))

export const me = () => call(client.GET('/api/app/me'))
/** Switches the expiry reminders (卡券到期提醒) on or off. */
export const setExpiryReminders = (expiry_reminders: boolean) =>
  call(client.PUT('/api/app/me/preferences', { body: { expiry_reminders } }))

export const applyCertification = (name: string, id_number: string) =>
  call(client.POST('/api/app/certification', { body: { name, id_number } }))

export const activities = () => call(client.GET('/api/app/activities'))

export const activity = (id: number) => call(client.GET('/api/app/activities/{id}', { params: { path: { id } } }))

export const claim = (id: number, key: string) =>
  call(
    client.POST('/api/app/activities/{id}/claims', {
      params: { path: { id }, header: { 'Idempotency-Key': key } },
    }),
  )

export const vouchers = (status: VoucherStatus, page = 1) =>
  call(client.GET('/api/app/vouchers', { params: { query: { status, page, page_size: 20 } } }))

export const voucher = (id: number) => call(client.GET('/api/app/vouchers/{id}', { params: { path: { id } } }))
export type DynamicCodeView = S['DynamicCodeView']
export const dynamicCode = (id: number) =>
  call(client.GET('/api/app/vouchers/{id}/dynamic-code', { params: { path: { id } } }))

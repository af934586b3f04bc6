import { allPages } from './pages'
import { call, client } from '@shared/api/client'
import type { CreateMerchantBody, Merchant, MerchantKind, UpdateMerchantBody } from '@shared/api/types'

export interface MerchantQuery {
  name?: string
  kind?: MerchantKind
  online?: boolean
  org_id?: number
  page?: number
  page_size?: number
}

export const listMerchants = (query: MerchantQuery) => call(client.GET('/api/admin/merchants', { params: { query } }))
export const createMerchant = (body: CreateMerchantBody) => call(client.POST('/api/admin/merchants', { body }))
export const updateMerchant = (id: number, body: UpdateMerchantBody) =>
  call(client.PUT('/api/admin/merchants/{id}', { params: { path: { id } }, body }))
export const setMerchantOnline = (id: number, online: boolean) =>
  online
    ? call(client.POST('/api/admin/merchants/{id}/online', { params: { path: { id } } }))
    : call(client.POST('/api/admin/merchants/{id}/offline', { params: { path: { id } } }))
export const staffOf = (id: number) => call(client.GET('/api/admin/merchants/{id}/staff', { params: { path: { id } } }))
export const addStaff = (id: number, name: string, phone: string) =>
  call(client.POST('/api/admin/merchants/{id}/staff', { params: { path: { id } }, body: { name, phone } }))
export const resetStaffPassword = (id: number, staff_id: number) =>
  call(client.POST('/api/admin/merchants/{id}/staff/{staff_id}/reset-password', { params: { path: { id, staff_id } } }))
export const setStaffDisabled = (id: number, staff_id: number, disabled: boolean) =>
  disabled
    ? call(client.POST('/api/admin/merchants/{id}/staff/{staff_id}/disable', { params: { path: { id, staff_id } } }))
    : call(client.POST('/api/admin/merchants/{id}/staff/{staff_id}/enable', { params: { path: { id, staff_id } } }))

/** Every merchant the admin can see (for pickers), all pages. */
export const allMerchants = () => allPages<Merchant>((page, page_size) => listMerchants({ page, page_size }))
export const resetOwnerPassword = (id: number) =>
  call(client.POST('/api/admin/merchants/{id}/reset-password', { params: { path: { id } } }))

import { allPages } from './pages'
import { call, client } from '@shared/api/client'
import type { Coupon, CreateCouponBody, UpdateCouponBody } from '@shared/api/types'

export interface CouponQuery {
  merchant_id?: number
  name?: string
  enabled?: boolean
  page?: number
  page_size?: number
}

export const listCoupons = (query: CouponQuery) => call(client.GET('/api/admin/coupons', { params: { query } }))
export const createCoupon = (body: CreateCouponBody) => call(client.POST('/api/admin/coupons', { body }))
export const updateCoupon = (id: number, body: UpdateCouponBody) =>
  call(client.PUT('/api/admin/coupons/{id}', { params: { path: { id } }, body }))
export const setCouponEnabled = (id: number, enabled: boolean) =>
  enabled
    ? call(client.POST('/api/admin/coupons/{id}/enable', { params: { path: { id } } }))
    : call(client.POST('/api/admin/coupons/{id}/disable', { params: { path: { id } } }))
export const grantsOf = (id: number) => call(client.GET('/api/admin/coupons/{id}/grants', { params: { path: { id } } }))
export const grant = (id: number, merchant_id: number) =>
  call(client.POST('/api/admin/coupons/{id}/grants', { params: { path: { id } }, body: { merchant_id } }))
export const revoke = (id: number, merchant_id: number) =>
  call(client.DELETE('/api/admin/coupons/{id}/grants/{merchant_id}', { params: { path: { id, merchant_id } } }))

/** Every coupon the admin can see (for the prize picker), all pages. */
export const allCoupons = () => allPages<Coupon>((page, page_size) => listCoupons({ page, page_size }))

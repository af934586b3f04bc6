import { call, client } from '@shared/api/client'
import type { ActivityBody, ActivityStatus, ReviewStatus } from '@shared/api/types'

export interface ActivityQuery {
  name?: string
  status?: ActivityStatus
  review_status?: ReviewStatus
  org_id?: number
  page?: number
  page_size?: number
}

const path = (id: number) => ({ params: { path: { id } } })

export const listActivities = (query: ActivityQuery) => call(client.GET('/api/admin/activities', { params: { query } }))
export const getActivity = (id: number) => call(client.GET('/api/admin/activities/{id}', path(id)))
export const createActivity = (body: ActivityBody) => call(client.POST('/api/admin/activities', { body }))
export const updateActivity = (id: number, body: ActivityBody & { version: number }) =>
  call(client.PUT('/api/admin/activities/{id}', { ...path(id), body }))
export const deleteActivity = (id: number) => call(client.DELETE('/api/admin/activities/{id}', path(id)))
export const addPrize = (id: number, coupon_id: number, quantity: number) =>
  call(client.POST('/api/admin/activities/{id}/prizes', { ...path(id), body: { coupon_id, quantity } }))
export const removePrize = (id: number, prize_id: number) =>
  call(client.DELETE('/api/admin/activities/{id}/prizes/{prize_id}', { params: { path: { id, prize_id } } }))
export const trailOf = (id: number) => call(client.GET('/api/admin/activities/{id}/trail', path(id)))

export type Transition = 'submit' | 'open' | 'close'
export const transition = (id: number, action: Transition, comment?: string) => {
  const body = { comment: comment || undefined }
  if (action === 'submit') return call(client.POST('/api/admin/activities/{id}/submit', { ...path(id), body }))
  if (action === 'open') return call(client.POST('/api/admin/activities/{id}/open', { ...path(id), body }))
  return call(client.POST('/api/admin/activities/{id}/close', { ...path(id), body }))
}
export const review = (id: number, approve: boolean, comment?: string) =>
  call(client.POST('/api/admin/activities/{id}/review', { ...path(id), body: { approve, comment: comment || undefined } }))
export const reviewQueue = (query: { page?: number; page_size?: number }) =>
  call(client.GET('/api/admin/activity-reviews', { params: { query } }))

/** 结算报表: a workbook written by a worker (a preview before the redemption window ends). */
export const generateSettlementReport = (id: number, preview: boolean) =>
  call(client.POST('/api/admin/activities/{id}/settlement-reports', { ...path(id), body: { preview } }))

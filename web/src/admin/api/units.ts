import { call, client } from '@shared/api/client'
import type { UnitBody } from '@shared/api/types'

export interface UnitQuery {
  name?: string
  org_id?: number
  industry?: string
  page?: number
  page_size?: number
}

export const listUnits = (query: UnitQuery) => call(client.GET('/api/admin/units', { params: { query } }))
export const createUnit = (body: UnitBody) => call(client.POST('/api/admin/units', { body }))
export const updateUnit = (id: number, body: UnitBody) =>
  call(client.PUT('/api/admin/units/{id}', { params: { path: { id } }, body }))
export const deleteUnit = (id: number) => call(client.DELETE('/api/admin/units/{id}', { params: { path: { id } } }))

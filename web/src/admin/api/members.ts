import { call, client } from '@shared/api/client'
import type { LeaveBody, MemberBody, MemberStatus } from '@shared/api/types'

export interface MemberQuery {
  name?: string
  id_number?: string
  phone?: string
  status?: MemberStatus
  unit_id?: number
  org_id?: number
  certified?: boolean
  page?: number
  page_size?: number
}

export const listMembers = (query: MemberQuery) => call(client.GET('/api/admin/members', { params: { query } }))
export const memberDetail = (id: number) => call(client.GET('/api/admin/members/{id}', { params: { path: { id } } }))
export const createMember = (body: MemberBody) => call(client.POST('/api/admin/members', { body }))
export const updateMember = (id: number, body: MemberBody) =>
  call(client.PUT('/api/admin/members/{id}', { params: { path: { id } }, body }))
export const transferMember = (id: number, to_org_id: number, reason?: string) =>
  call(client.POST('/api/admin/members/{id}/transfer', { params: { path: { id } }, body: { to_org_id, reason } }))
export const leaveMember = (id: number, body: LeaveBody) =>
  call(client.POST('/api/admin/members/{id}/leave', { params: { path: { id } }, body }))

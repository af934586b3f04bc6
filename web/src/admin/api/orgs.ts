import { allPages } from './pages'
import { call, client } from '@shared/api/client'
import type { CreateOrgBody, Org, OrgProfileBody } from '@shared/api/types'

export const ownOrg = () => call(client.GET('/api/admin/org'))
export const updateOwnOrg = (body: OrgProfileBody) => call(client.PUT('/api/admin/org', { body }))
/** Sets (or, with null, removes: the field left out) the own organisation's annual welfare budget per member, in fen. */
export const setWelfareBudget = (annual_cap_fen: number | null) =>
  call(client.PUT('/api/admin/org/welfare-budget', { body: { annual_cap_fen: annual_cap_fen ?? undefined } }))
export const createOrg = (body: CreateOrgBody) => call(client.POST('/api/admin/orgs', { body }))
export const adminsOf = (id: number) => call(client.GET('/api/admin/orgs/{id}/admins', { params: { path: { id } } }))
export const addAdmin = (id: number, username: string, display_name?: string) =>
  call(client.POST('/api/admin/orgs/{id}/admins', { params: { path: { id } }, body: { username, display_name } }))

/** Every organisation the admin can see (own and below), all pages. */
export const allOrgs = () => allPages<Org>((page, page_size) => call(client.GET('/api/admin/orgs', { params: { query: { page, page_size } } })))

export const transferTargets = (name?: string) =>
  call(client.GET('/api/admin/transfer-targets', { params: { query: { name: name || undefined } } }))

/** A new one-time password for an admin account of `org` (the old one and its sessions end). */
export const resetAdminPassword = (id: number, admin_id: number) =>
  call(client.POST('/api/admin/orgs/{id}/admins/{admin_id}/reset-password', { params: { path: { id, admin_id } } }))
export const disableAdmin = (id: number, admin_id: number) =>
  call(client.POST('/api/admin/orgs/{id}/admins/{admin_id}/disable', { params: { path: { id, admin_id } } }))
export const enableAdmin = (id: number, admin_id: number) =>
  call(client.POST('/api/admin/orgs/{id}/admins/{admin_id}/enable', { params: { path: { id, admin_id } } }))

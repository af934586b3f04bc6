import { call, client } from '@shared/api/client'

export interface AuditQuery {
  actor?: string
  action?: string
  from?: string
  to?: string
  page?: number
  page_size?: number
}

export const listAuditLog = (query: AuditQuery) => call(client.GET('/api/admin/audit-log', { params: { query } }))

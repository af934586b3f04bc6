import { call, client } from '@shared/api/client'
import { download } from '@shared/api/transfer'
import type { CertificationStatus } from '@shared/api/types'

export interface CertificationQuery {
  status?: CertificationStatus
  org_id?: number
  page?: number
  page_size?: number
}

export const listCertifications = (query: CertificationQuery) =>
  call(client.GET('/api/admin/certifications', { params: { query } }))
export const approveCertification = (id: number) =>
  call(client.POST('/api/admin/certifications/{id}/approve', { params: { path: { id } } }))
export const rejectCertification = (id: number, reason: string) =>
  call(client.POST('/api/admin/certifications/{id}/reject', { params: { path: { id } }, body: { reason } }))

export interface OrgPageQuery {
  org_id?: number
  page?: number
  page_size?: number
}

export const reconciliation = (org_id?: number) =>
  call(client.GET('/api/admin/reconciliation', { params: { query: { org_id } } }))
export const uncertifiedMembers = (query: OrgPageQuery) =>
  call(client.GET('/api/admin/reconciliation/uncertified', { params: { query } }))
export const pendingApplications = (query: OrgPageQuery) =>
  call(client.GET('/api/admin/reconciliation/pending', { params: { query } }))
export const leftAccounts = (query: OrgPageQuery) =>
  call(client.GET('/api/admin/reconciliation/left', { params: { query } }))
export const exportReconciliation = (org_id?: number) =>
  download(`/api/admin/reconciliation/export${org_id ? `?org_id=${org_id}` : ''}`, '数据比对.xlsx')

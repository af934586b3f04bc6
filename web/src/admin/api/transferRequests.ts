import { call, client } from '@shared/api/client'
import type { TransferDirection, TransferRequestBody, TransferRequestStatus } from '@shared/api/types'

export interface TransferRequestQuery {
  direction: TransferDirection
  status?: TransferRequestStatus
  page?: number
  page_size?: number
}

export const listTransferRequests = (query: TransferRequestQuery) =>
  call(client.GET('/api/admin/transfer-requests', { params: { query } }))
export const createTransferRequest = (body: TransferRequestBody) => call(client.POST('/api/admin/transfer-requests', { body }))
export const approveTransferRequest = (id: number) =>
  call(client.POST('/api/admin/transfer-requests/{id}/approve', { params: { path: { id } } }))
export const rejectTransferRequest = (id: number, reason: string) =>
  call(client.POST('/api/admin/transfer-requests/{id}/reject', { params: { path: { id } }, body: { reason } }))

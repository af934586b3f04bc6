import { call, client } from '@shared/api/client'
import { download } from '@shared/api/transfer'
import type { SettlementStatus } from '@shared/api/types'

export interface StatementQuery {
  status?: SettlementStatus
  merchant_id?: number
  page?: number
  page_size?: number
}

const path = (id: number) => ({ params: { path: { id } } })

export const listStatements = (query: StatementQuery) =>
  call(client.GET('/api/admin/settlement-statements', { params: { query } }))
export const getStatement = (id: number) => call(client.GET('/api/admin/settlement-statements/{id}', path(id)))
export const createStatement = (merchant_id: number, from: string, to: string) =>
  call(client.POST('/api/admin/settlement-statements', { body: { merchant_id, from, to } }))
export const confirmStatement = (id: number) => call(client.POST('/api/admin/settlement-statements/{id}/confirm', path(id)))
export const deleteStatement = (id: number) => call(client.DELETE('/api/admin/settlement-statements/{id}', path(id)))
export const exportStatement = (id: number) => download(`/api/admin/settlement-statements/${id}/export`, `结算单${id}.xlsx`)

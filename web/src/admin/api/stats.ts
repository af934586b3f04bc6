import { call, client } from '@shared/api/client'
import { download } from '@shared/api/transfer'

export const dashboard = () => call(client.GET('/api/admin/stats'))
/** Redemptions per Beijing day of the open activities, the last `days` days up to today. */
export const redemptionsDaily = (days: number) =>
  call(client.GET('/api/admin/stats/redemptions-daily', { params: { query: { days } } }))
export const exportDashboard = () => download('/api/admin/stats/export', '统计看板.xlsx')

import { call, client } from '@shared/api/client'
import { download } from '@shared/api/transfer'

export const dashboard = () => call(client.GET('/api/admin/stats'))
export const exportDashboard = () => download('/api/admin/stats/export', '统计看板.xlsx')

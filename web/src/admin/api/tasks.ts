import { call, client } from '@shared/api/client'
import { download, upload } from '@shared/api/transfer'
import type { Submitted, TaskStatus } from '@shared/api/types'

export interface TaskQuery {
  status?: TaskStatus
  kind?: 'ping' | 'member_import' | 'settlement_report' | 'activity_opening'
  from?: string
  to?: string
  page?: number
  page_size?: number
}

export const listTasks = (query: TaskQuery) => call(client.GET('/api/admin/tasks', { params: { query } }))
export const getTask = (id: number) => call(client.GET('/api/admin/tasks/{id}', { params: { path: { id } } }))
export const downloadTaskResult = (id: number) => download(`/api/admin/tasks/${id}/result`, `任务${id}结果.xlsx`)
export const downloadImportTemplate = () => download('/api/admin/member-imports/template', '工会会员信息采集表.xlsx')
export interface ImportOptions {
  /** 试导入: check and report only, the roster stays unchanged. */
  dryRun?: boolean
  /** The unit of rows whose 所在单位 is blank or absent. */
  defaultUnitId?: number
}

export function uploadRoster(file: File, onProgress: (p: number) => void, options: ImportOptions = {}) {
  const query = new URLSearchParams()
  if (options.dryRun) query.set('dry_run', 'true')
  if (options.defaultUnitId !== undefined) query.set('default_unit_id', String(options.defaultUnitId))
  const search = query.toString()
  return upload<Submitted>(`/api/admin/member-imports${search ? `?${search}` : ''}`, file, onProgress)
}

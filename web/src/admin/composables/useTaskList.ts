// The task lists of 任务中心 and 会员导入: the tasks submitted within a date range (today
// in Beijing by default), refreshing themselves while one is still working.
import { ref } from 'vue'
import { todayInBeijing } from '@shared/format'
import { listTasks, type TaskQuery } from '../api/tasks'
import { useList } from './useList'
import { useRefreshWhileWorking } from './useRefreshWhileWorking'

export function useTaskList<F extends Omit<TaskQuery, 'from' | 'to'>>(
  initialFilters: F,
  fixed: Pick<TaskQuery, 'kind'> = {},
  first?: () => unknown,
) {
  const today = todayInBeijing()
  const range = ref<[string, string] | null>([today, today])
  const list = useList((q) => listTasks({ ...q, ...fixed, from: range.value?.[0], to: range.value?.[1] }), initialFilters)
  const { working } = useRefreshWhileWorking(list, first)
  return { list, range, working }
}

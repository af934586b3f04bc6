// A task list that refreshes itself every 2 seconds while one of its tasks is still
// pending or running (imports, settlement reports), and stops with the page.
import { computed, onBeforeUnmount, onMounted, type Ref } from 'vue'
import type { Task } from '@shared/api/types'

export function useRefreshWhileWorking(list: { rows: Ref<Task[]>; load(): Promise<unknown> }, first: () => unknown = () => {}) {
  const working = computed(() => list.rows.value.some((t) => t.status === 'pending' || t.status === 'running'))
  let timer: ReturnType<typeof setTimeout> | undefined
  function schedule() {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      if (working.value) await list.load()
      schedule()
    }, 2000)
  }
  onMounted(async () => {
    first()
    await list.load()
    schedule()
  })
  onBeforeUnmount(() => clearTimeout(timer))
  return { working }
}

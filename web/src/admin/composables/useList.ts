// The one list pattern of the console: filters, a page of rows from the API's
// page/page_size/total, loading and error states. Every list page uses it.
import { reactive, ref, shallowRef } from 'vue'
import { messageOf } from '@shared/api/errors'
import type { Page } from '@shared/api/types'

export function useList<T, F extends object>(
  fetchPage: (query: F & { page: number; page_size: number }) => Promise<Page<T>>,
  initialFilters: F,
  pageSize = 20,
) {
  const filters = reactive({ ...initialFilters }) as F
  const rows = shallowRef<T[]>([])
  const total = ref(0)
  const page = ref(1)
  const size = ref(pageSize)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let seq = 0

  /** Drops empty strings so an empty filter field means "any". */
  function query(): F & { page: number; page_size: number } {
    const q: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(filters)) {
      if (v !== '' && v !== null && v !== undefined) q[k] = typeof v === 'string' ? v.trim() : v
    }
    return { ...(q as F), page: page.value, page_size: size.value }
  }

  async function load() {
    const mine = ++seq
    loading.value = true
    error.value = null
    try {
      const p = await fetchPage(query())
      if (mine !== seq) return
      rows.value = p.items
      total.value = p.total
    } catch (e) {
      if (mine !== seq) return
      error.value = messageOf(e)
      rows.value = []
      total.value = 0
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  /** New filters: back to the first page. */
  function search() {
    page.value = 1
    return load()
  }

  function reset() {
    Object.assign(filters, initialFilters)
    return search()
  }

  function changePage(p: number) {
    page.value = p
    return load()
  }

  function changeSize(s: number) {
    size.value = s
    page.value = 1
    return load()
  }

  return { filters, rows, total, page, size, loading, error, load, search, reset, changePage, changeSize }
}

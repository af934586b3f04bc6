import type { Page } from '@shared/api/types'

/** Every row of a paged list (for pickers and trees): pages of 100 until the total. */
export async function allPages<T>(fetchPage: (page: number, page_size: number) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = []
  for (let page = 1; ; page++) {
    const p = await fetchPage(page, 100)
    out.push(...p.items)
    if (p.items.length === 0 || out.length >= p.total) return out
  }
}

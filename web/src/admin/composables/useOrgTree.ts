// The organisations the admin can see (own and below), as a tree for filters and pickers.
import { computed, ref } from 'vue'
import type { Org } from '@shared/api/types'
import { allOrgs } from '../api/orgs'
import { messageOf } from '@shared/api/errors'

export interface OrgNode {
  value: number
  label: string
  kind: Org['kind']
  org: Org
  children?: OrgNode[]
}

/** Builds the forest from a flat list (roots: those whose parent is not in the list). */
export function buildTree(orgs: Org[]): OrgNode[] {
  const nodes = new Map<number, OrgNode>()
  for (const o of orgs) nodes.set(o.id, { value: o.id, label: o.name, kind: o.kind, org: o })
  const roots: OrgNode[] = []
  for (const o of orgs) {
    const node = nodes.get(o.id)!
    const parent = o.parent_id != null ? nodes.get(o.parent_id) : undefined
    if (parent) (parent.children ??= []).push(node)
    else roots.push(node)
  }
  return roots
}

export function useOrgTree() {
  const orgs = ref<Org[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  const tree = computed(() => buildTree(orgs.value))
  const unions = computed(() => orgs.value.filter((o) => o.kind === 'grassroots_union'))

  async function load() {
    loading.value = true
    error.value = null
    try {
      orgs.value = await allOrgs()
    } catch (e) {
      error.value = messageOf(e)
    } finally {
      loading.value = false
    }
  }

  return { orgs, tree, unions, loading, error, load }
}

import { describe, expect, it } from 'vitest'
import type { StatFigures, StatLine } from '@shared/api/types'
import { childrenOf, rateBars, redemptionLine, statTree, voucherStacks } from './dashboard'

const figures = (members: number, certified: number, claimed = 0, redeemed = 0, expired = 0): StatFigures => ({
  members,
  certified,
  certification_rate: members ? certified / members : 0,
  activities: { draft: 0, submitted: 0, approved: 0, rejected: 0, opening: 0, open: 0, closed: 0, total: 0 },
  vouchers_claimed: claimed,
  vouchers_redeemed: redeemed,
  vouchers_expired: expired,
  redeemed_amount_fen: 0,
  welfare_used_fen: 0,
  reminders_sent: 0,
  redeemed_after_reminder: 0,
})
const line = (org_id: number, parent_id: number | undefined, name: string, f: StatFigures): StatLine => ({
  org_id,
  parent_id,
  name,
  kind: 'grassroots_union',
  kind_label: '基层工会',
  level: parent_id === undefined ? 0 : 1,
  own: f,
  subtotal: f,
})

const lines = [
  line(1, undefined, '市总工会', figures(30, 12, 10, 4, 1)),
  line(2, 1, '东港区总工会', figures(20, 5, 6, 2, 1)),
  line(3, 2, '一小工会', figures(20, 5, 6, 2, 1)),
  line(4, 1, '港口工会', figures(10, 7, 4, 2, 0)),
]

describe('dashboard figures', () => {
  it('builds the tree from the lines', () => {
    const tree = statTree(lines)
    expect(tree.map((n) => n.name)).toEqual(['市总工会'])
    expect(tree[0].children!.map((n) => n.name)).toEqual(['东港区总工会', '港口工会'])
    expect(tree[0].children![0].children!.map((n) => n.name)).toEqual(['一小工会'])
  })

  it('drills down to the children of the organisation in focus', () => {
    expect(childrenOf(lines, 1).map((l) => l.org_id)).toEqual([2, 4])
    expect(childrenOf(lines, 2).map((l) => l.org_id)).toEqual([3])
    expect(childrenOf(lines, 3)).toEqual([])
  })

  it('sorts the certification rates from highest, in percent with one decimal', () => {
    expect(rateBars(childrenOf(lines, 1))).toEqual([
      { name: '港口工会', value: 70 },
      { name: '东港区总工会', value: 25 },
    ])
  })

  it('stacks unused, redeemed and expired vouchers so they add up to the claimed', () => {
    const s = voucherStacks(childrenOf(lines, 1))
    expect(s.names).toEqual(['东港区总工会', '港口工会'])
    expect(s.redeemed).toEqual([2, 2])
    expect(s.expired).toEqual([1, 0])
    expect(s.unused).toEqual([3, 2])
  })

  it('draws the daily redemptions in yuan, every day of the window, empty when nothing was redeemed', () => {
    const days = [
      { date: '2026-09-19', vouchers_redeemed: 0, amount_fen: 0 },
      { date: '2026-09-20', vouchers_redeemed: 3, amount_fen: 20310 },
      { date: '2026-09-21', vouchers_redeemed: 1, amount_fen: 1 },
    ]
    const l = redemptionLine({ from: '2026-09-19', to: '2026-09-21', days, total_vouchers_redeemed: 4, total_amount_fen: 20311 })
    expect(l.dates).toEqual(['2026-09-19', '2026-09-20', '2026-09-21'])
    expect(l.amounts).toEqual([0, 203.1, 0.01])
    expect(l.counts).toEqual([0, 3, 1])
    expect(l.empty).toBe(false)
    const none = redemptionLine({ from: '2026-09-19', to: '2026-09-19', days: [days[0]], total_vouchers_redeemed: 0, total_amount_fen: 0 })
    expect(none.empty).toBe(true)
  })
})

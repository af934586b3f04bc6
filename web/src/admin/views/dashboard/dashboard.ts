// The dashboard's figures as the charts draw them: children of the organisation in focus
// (drill-down), sorted for reading, and the tree for the table.
import type { RedemptionsDaily, StatLine } from '@shared/api/types'

export interface StatNode extends StatLine {
  children?: StatNode[]
}

/** The lines (caller first, then its subtree in tree order) as a tree. */
export function statTree(lines: StatLine[]): StatNode[] {
  const nodes = new Map<number, StatNode>(lines.map((l) => [l.org_id, { ...l }]))
  const roots: StatNode[] = []
  for (const l of lines) {
    const n = nodes.get(l.org_id)!
    const parent = l.parent_id != null ? nodes.get(l.parent_id) : undefined
    if (parent) (parent.children ??= []).push(n)
    else roots.push(n)
  }
  return roots
}

/** The organisations directly below `focus`, each with its subtree's figures. */
export function childrenOf(lines: StatLine[], focus: number): StatLine[] {
  return lines.filter((l) => l.parent_id === focus)
}

/** Certification rate in percent (one decimal) per organisation, highest first. */
export function rateBars(lines: StatLine[]): { name: string; value: number }[] {
  return lines
    .map((l) => ({ name: l.name, value: Math.round(l.subtotal.certification_rate * 1000) / 10 }))
    .sort((a, b) => b.value - a.value || a.name.localeCompare(b.name, 'zh-CN'))
}

/** Vouchers claimed and still unused / redeemed / expired, stacked per organisation. */
export function voucherStacks(lines: StatLine[]) {
  return {
    names: lines.map((l) => l.name),
    redeemed: lines.map((l) => l.subtotal.vouchers_redeemed),
    expired: lines.map((l) => l.subtotal.vouchers_expired),
    unused: lines.map((l) => Math.max(0, l.subtotal.vouchers_claimed - l.subtotal.vouchers_redeemed - l.subtotal.vouchers_expired)),
  }
}

/** The daily redemptions as the line chart draws them: dates, amounts in yuan, counts. */
export function redemptionLine(r: RedemptionsDaily) {
  return {
    dates: r.days.map((d) => d.date),
    // Two decimals exactly: fen are integers, and one division gives the nearest double.
    amounts: r.days.map((d) => d.amount_fen / 100),
    counts: r.days.map((d) => d.vouchers_redeemed),
    empty: r.days.every((d) => d.vouchers_redeemed === 0),
  }
}

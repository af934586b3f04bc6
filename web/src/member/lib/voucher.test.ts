import { describe, expect, it } from 'vitest'
import { groupCode, groupDigits, nextRefreshMs } from './voucher'

describe('groupCode', () => {
  it('groups a 24-character code in fours', () => {
    expect(groupCode('ABCDEFGHJKMNPQRSTVWXYZ01')).toBe('ABCD EFGH JKMN PQRS TVWX YZ01')
    expect(groupCode('ABCDE')).toBe('ABCD E')
  })
})

describe('dynamic codes', () => {
  it('shows the digits in two groups of three', () => {
    expect(groupDigits('012345')).toBe('012 345')
    expect(groupDigits('12')).toBe('12')
  })

  it('refreshes as the step ends, never sooner than a second', () => {
    expect(nextRefreshMs(17)).toBe(17_000)
    expect(nextRefreshMs(0)).toBe(1_000)
    expect(nextRefreshMs(99)).toBe(30_000)
    expect(nextRefreshMs(Number.NaN)).toBe(1_000)
  })
})

import { describe, expect, it } from 'vitest'
import { groupCode } from './voucher'

describe('groupCode', () => {
  it('groups a 24-character code in fours', () => {
    expect(groupCode('ABCDEFGHJKMNPQRSTVWXYZ01')).toBe('ABCD EFGH JKMN PQRS TVWX YZ01')
    expect(groupCode('ABCDE')).toBe('ABCD E')
  })
})

import { describe, expect, it } from 'vitest'
import { checkCharacter } from '@shared/idNumber'
import { liveIdCheck } from './idInput'

const first17 = '37110219900315482'
const valid = first17 + checkCharacter(first17)
const wrongCheck = first17 + (checkCharacter(first17) === '1' ? '2' : '1')

describe('liveIdCheck', () => {
  it('stays quiet while digits are being typed', () => {
    expect(liveIdCheck('')).toEqual({ state: 'empty' })
    expect(liveIdCheck('371102')).toEqual({ state: 'typing', message: '已输入6位，共18位' })
  })

  it('says at once when a letter is typed among the first 17', () => {
    expect(liveIdCheck('3711A2')).toMatchObject({ state: 'error' })
  })

  it('verifies the check digit once 18 characters are in', () => {
    expect(liveIdCheck(valid, '2026-12-03')).toMatchObject({ state: 'ok', normalized: valid })
    expect(liveIdCheck(wrongCheck, '2026-12-03')).toEqual({
      state: 'error',
      message: '身份证号码校验位不正确，请核对后重新输入',
    })
  })

  it('accepts a lower-case x and full-width digits', () => {
    // 11010519491231002X is the standard's example number.
    expect(liveIdCheck('11010519491231002x', '2026-12-03')).toMatchObject({
      state: 'ok',
      normalized: '11010519491231002X',
    })
    expect(liveIdCheck('１１０１０５１９４９１２３１００２Ｘ', '2026-12-03')).toMatchObject({ state: 'ok' })
  })

  it('refuses a birth date in the future', () => {
    const f = '37110220300101482'
    expect(liveIdCheck(f + checkCharacter(f), '2026-12-03')).toMatchObject({ state: 'error' })
  })
})

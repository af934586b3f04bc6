import { describe, expect, it } from 'vitest'
import { checkCharacter, checkIdNumber, checkPhone, normalizeIdNumber } from './idNumber'

const TODAY = '2026-12-01'

describe('resident ID numbers', () => {
  it('accepts the standard example and derives birth date and gender', () => {
    const r = checkIdNumber('11010519491231002X', TODAY)
    expect(r).toEqual({ ok: true, facts: { normalized: '11010519491231002X', birthDate: '1949-12-31', gender: '女' } })
  })

  it('computes the check character the GB 11643 way', () => {
    expect(checkCharacter('11010519491231002')).toBe('X')
    expect(checkCharacter('44052418800101001')).toBe('4')
  })

  it('refuses a wrong check digit with words a clerk understands', () => {
    const r = checkIdNumber('110105194912310021', TODAY)
    expect(r).toEqual({ ok: false, message: '身份证号码校验位不正确，请核对后重新输入' })
  })

  it('says how many characters are missing while typing', () => {
    expect(checkIdNumber('1101051949', TODAY)).toEqual({ ok: false, message: '身份证号码应为18位（已输入10位）' })
    expect(checkIdNumber('', TODAY)).toEqual({ ok: false, message: '请输入证件号码' })
  })

  it('refuses impossible and future birth dates', () => {
    const feb30 = '1101051990023' + '0001'
    expect(checkIdNumber(feb30 + checkCharacter(feb30), TODAY)).toMatchObject({ ok: false, message: '身份证号码中的出生日期不正确' })
    const future = '11010520301231001'
    expect(checkIdNumber(future + checkCharacter(future), TODAY)).toMatchObject({ ok: false, message: '身份证号码中的出生日期晚于今天' })
  })

  it('normalises full-width characters, spaces and a lower-case x', () => {
    expect(normalizeIdNumber(' １１０１０５ 19491231002x ')).toBe('11010519491231002X')
    expect(checkIdNumber('110105 1949 1231 002x', TODAY).ok).toBe(true)
  })

  it('reads the gender from the 17th digit (odd: male)', () => {
    const male = '37110219850612231'
    const r = checkIdNumber(male + checkCharacter(male), TODAY)
    expect(r.ok && r.facts.gender).toBe('男')
  })
})

describe('mobile numbers', () => {
  it('accepts mainland mobiles and refuses the rest', () => {
    expect(checkPhone('13806330001')).toBeNull()
    expect(checkPhone('')).toBe('请输入手机号码')
    expect(checkPhone('12806330001')).toBe('手机号码应为11位数字，以1开头')
    expect(checkPhone('1380633000')).toBe('手机号码应为11位数字，以1开头')
  })
})

import { describe, expect, it } from 'vitest'
import { fenToYuan, toFen, yuanError } from './money'
import { yuan } from './format'

describe('yuan to fen', () => {
  it('reads whole yuan, one and two decimals exactly', () => {
    expect(toFen('50')).toBe(5000)
    expect(toFen('12.5')).toBe(1250)
    expect(toFen('12.50')).toBe(1250)
    expect(toFen('0.01')).toBe(1)
    expect(toFen('12.')).toBe(1200)
    expect(toFen(' 1,200.30 ')).toBe(120030)
    expect(toFen('007.10')).toBe(710)
  })

  it('has none of the floating-point drift of multiplying by 100', () => {
    // 0.29 * 100 = 28.999999999999996, 1.005 * 100 = 100.49999999999999, 19.99 * 100 = 1998.9999999999998
    expect(Math.floor(0.29 * 100)).toBe(28)
    expect(toFen('0.29')).toBe(29)
    expect(toFen('19.99')).toBe(1999)
    expect(toFen('4.35')).toBe(435)
    expect(toFen('1234567.89')).toBe(123456789)
    for (let fen = 0; fen < 20000; fen++) expect(toFen(fenToYuan(fen))).toBe(fen)
  })

  it('refuses what is not an amount', () => {
    for (const bad of ['', 'abc', '-1', '1.234', '1e3', '１２', '12.3.4', '.5', 'NaN']) expect(toFen(bad)).toBeNull()
  })

  it('explains a refused amount in Chinese', () => {
    expect(yuanError('')).toBe('请输入金额')
    expect(yuanError('12.345')).toBe('金额最多两位小数（精确到分）')
    expect(yuanError('十元')).toBe('金额应为数字，如 50 或 12.50')
    expect(yuanError('0')).toBe('金额应大于 0')
    expect(yuanError('0.00')).toBe('金额应大于 0')
    expect(yuanError('1000000.01')).toBe('金额不能超过 1000000.00 元')
    expect(yuanError('0.01')).toBeNull()
    expect(yuanError('88.80')).toBeNull()
  })
})

describe('fen to yuan', () => {
  it('writes two decimals for the form and the thousands for lists', () => {
    expect(fenToYuan(0)).toBe('0.00')
    expect(fenToYuan(5)).toBe('0.05')
    expect(fenToYuan(1250)).toBe('12.50')
    expect(fenToYuan(-1250)).toBe('-12.50')
    expect(fenToYuan(123456789)).toBe('1234567.89')
    expect(yuan(123456789)).toBe('1,234,567.89')
  })
})

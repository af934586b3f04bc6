import { describe, expect, it } from 'vitest'
import { date, dateTime, percent, todayInBeijing, yuan } from './format'

describe('money', () => {
  it('shows integer fen as yuan with two decimals, exactly', () => {
    expect(yuan(0)).toBe('0.00')
    expect(yuan(5)).toBe('0.05')
    expect(yuan(12345)).toBe('123.45')
    expect(yuan(123456789)).toBe('1,234,567.89')
    expect(yuan(-250)).toBe('-2.50')
    // 0.1 + 0.2 style drift cannot happen: no division into floats.
    expect(yuan(30)).toBe('0.30')
  })

  it('shows a dash for a missing amount', () => {
    expect(yuan(null)).toBe('-')
    expect(yuan(undefined)).toBe('-')
  })
})

describe('dates and times', () => {
  it('shows instants in Beijing time whatever the browser zone', () => {
    expect(dateTime('2026-09-20T16:30:00Z')).toBe('2026-09-21 00:30')
    expect(dateTime('2026-09-20T08:05:00+08:00')).toBe('2026-09-20 08:05')
  })

  it('keeps calendar dates as they are and takes the Beijing date of an instant', () => {
    expect(date('2026-09-20')).toBe('2026-09-20')
    expect(date('2026-09-20T17:00:00Z')).toBe('2026-09-21')
    expect(date(undefined)).toBe('-')
    expect(dateTime('not a date')).toBe('-')
  })

  it('knows today in Beijing', () => {
    expect(todayInBeijing(new Date('2026-12-02T19:30:00Z'))).toBe('2026-12-03')
  })

  it('shows rates sent as percentages', () => {
    expect(percent(66.7)).toBe('66.7%')
    expect(percent(0)).toBe('0.0%')
    expect(percent(undefined)).toBe('-')
  })
})

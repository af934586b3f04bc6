import { describe, expect, it } from 'vitest'
import { coordinatesError, mobileError, periodError, tagsError, timesError, windowError } from './rules'

describe('form rules', () => {
  it('checks a mobile number', () => {
    expect(mobileError('')).toBe('请输入手机号码')
    expect(mobileError('1380633000')).toBe('手机号码应为11位，以1开头')
    expect(mobileError('23806330001')).toBe('手机号码应为11位，以1开头')
    expect(mobileError(' 13806330001 ')).toBeNull()
  })

  it('limits the tags', () => {
    expect(tagsError(['蛋糕', '鲜花'])).toBeNull()
    expect(tagsError(Array.from({ length: 11 }, (_, i) => `标签${i}`))).toBe('标签最多10个')
    expect(tagsError(['一二三四五六七八九十一二三四五六七八九十一'])).toMatch(/超过20个字/)
  })

  it('wants longitude and latitude together and in range', () => {
    expect(coordinatesError(null, null)).toBeNull()
    expect(coordinatesError(119.52, 35.41)).toBeNull()
    expect(coordinatesError(119.52, null)).toBe('经度和纬度需同时填写')
    expect(coordinatesError(null, 35.41)).toBe('经度和纬度需同时填写')
    expect(coordinatesError(181, 35)).toBe('经度应在 -180 到 180 之间')
    expect(coordinatesError(119, -91)).toBe('纬度应在 -90 到 90 之间')
  })

  it('wants a window that ends after it starts', () => {
    expect(windowError(null, '有效期')).toBe('请选择有效期')
    expect(windowError(['2026-09-01T00:00:00+08:00', '2026-09-01T00:00:00+08:00'], '有效期')).toBe('有效期的结束时间应晚于开始时间')
    expect(windowError(['2026-09-01T00:00:00+08:00', '2026-08-31T23:59:59+08:00'], '活动时间')).toBe('活动时间的结束时间应晚于开始时间')
    expect(windowError(['2026-09-01T00:00:00+08:00', '2026-09-30T23:59:59+08:00'], '有效期')).toBeNull()
  })

  it('checks the per-day claim count only for the per-day limit', () => {
    expect(timesError('once', null)).toBeNull()
    expect(timesError('per_day', null)).toBe('每天领取次数应为正整数')
    expect(timesError('per_day', 0)).toBe('每天领取次数应为正整数')
    expect(timesError('per_day', 1.5)).toBe('每天领取次数应为正整数')
    expect(timesError('per_day', 101)).toBe('每天领取次数不能超过100')
    expect(timesError('per_day', 3)).toBeNull()
  })

  it('wants a settlement period in order', () => {
    expect(periodError(null)).toBe('请选择结算周期')
    expect(periodError(['2026-09-02', '2026-09-01'])).toBe('结算周期的开始日期不能晚于结束日期')
    expect(periodError(['2026-09-01', '2026-09-01'])).toBeNull()
  })
})

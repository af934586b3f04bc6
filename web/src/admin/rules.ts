// The forms' own rules, checked as the admin types (the API checks them again and its
// Chinese message is shown when it refuses). Each returns why a value is refused, or null.
import type { FormItemRule } from 'element-plus'

export function mobileError(v: string): string | null {
  if (v.trim() === '') return '请输入手机号码'
  return /^1[3-9]\d{9}$/.test(v.trim()) ? null : '手机号码应为11位，以1开头'
}

export function tagsError(tags: string[]): string | null {
  if (tags.length > 10) return '标签最多10个'
  const long = tags.find((t) => t.trim().length > 20)
  if (long) return `标签「${long}」超过20个字`
  return null
}

/** Longitude and latitude go together: both or neither, inside their ranges. */
export function coordinatesError(longitude: number | null | undefined, latitude: number | null | undefined): string | null {
  const has = (v: number | null | undefined) => v !== null && v !== undefined
  if (has(longitude) !== has(latitude)) return '经度和纬度需同时填写'
  if (has(longitude) && (longitude! < -180 || longitude! > 180)) return '经度应在 -180 到 180 之间'
  if (has(latitude) && (latitude! < -90 || latitude! > 90)) return '纬度应在 -90 到 90 之间'
  return null
}

/** A window of two instants (RFC 3339 or any text dayjs reads) whose end is after its start. */
export function windowError(range: [string, string] | null | undefined, what: string): string | null {
  if (!range || !range[0] || !range[1]) return `请选择${what}`
  return new Date(range[1]).getTime() > new Date(range[0]).getTime() ? null : `${what}的结束时间应晚于开始时间`
}

/** Claims per member per day for the 「每天 N 次」 limit. */
export function timesError(kind: 'once' | 'per_day', times: number | null | undefined): string | null {
  if (kind === 'once') return null
  if (!times || !Number.isInteger(times) || times < 1) return '每天领取次数应为正整数'
  return times > 100 ? '每天领取次数不能超过100' : null
}

/** A settlement period of Beijing dates, both inclusive. */
export function periodError(range: [string, string] | null | undefined): string | null {
  if (!range || !range[0] || !range[1]) return '请选择结算周期'
  return range[0] <= range[1] ? null : '结算周期的开始日期不能晚于结束日期'
}

/** An Element Plus form rule from one of the checks above. */
export function rule<T>(check: (v: T) => string | null, trigger: 'blur' | 'change' = 'change'): FormItemRule {
  return {
    trigger,
    validator: (_r, v: T, cb: (e?: Error) => void) => {
      const why = check(v)
      if (why) cb(new Error(why))
      else cb()
    },
  }
}

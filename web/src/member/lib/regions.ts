// 注册地区: where the member lives or works, chosen from a picker (the API keeps it as text).
export const PROVINCE = '山东省'
export const CITY = '日照市'

export const DISTRICTS = [
  '东港区',
  '岚山区',
  '莒县',
  '五莲县',
  '日照经济技术开发区',
  '日照高新技术产业开发区',
  '山海天旅游度假区',
  '日照国际海洋城',
] as const

export const OTHER = '山东省外或日照市外'

export const regionOptions = [...DISTRICTS.map((d) => `${PROVINCE}${CITY}${d}`), OTHER].map((text) => ({
  text,
  value: text,
}))

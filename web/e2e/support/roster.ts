// Test data: valid resident ID numbers and a roster workbook in the template's layout.
import ExcelJS from 'exceljs'
import { checkCharacter } from '../../src/shared/idNumber'

/** A valid resident ID number of someone born on `birth` (YYYYMMDD), sequence `seq`. */
export function idNumber(birth: string, seq: number, region = '371102'): string {
  const body = `${region}${birth}${String(seq).padStart(3, '0')}`
  return body + checkCharacter(body)
}

/** The same number with a wrong check character. */
export function withWrongCheck(id: string): string {
  const right = id[17]
  const wrong = right === '0' ? '1' : '0'
  return id.slice(0, 17) + wrong
}

export const HEADERS = ['姓名', '手机号码', '证件类型', '证件号码', '性别', '是否农民工', '职务', '入会日期', '所在单位', '会籍状态', '备注']

export interface RosterRow {
  name: string
  phone: string
  id: string
}

/** `count` members; the rows at `badRows` (0-based) carry the given faults. */
export function rosterRows(count: number): RosterRow[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `导入会员${String(i + 1).padStart(2, '0')}`,
    phone: `139${String(10000000 + i).padStart(8, '0')}`,
    id: idNumber(`19${70 + (i % 25)}0${1 + (i % 9)}1${i % 10}`, 100 + i),
  }))
}

export async function rosterWorkbook(rows: RosterRow[], unit: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('会员信息')
  ws.addRow(HEADERS)
  for (const r of rows) {
    ws.addRow([r.name, r.phone, '居民身份证', r.id, '', '否', '职工', '2020-05-01', unit, '入会', ''])
  }
  for (const col of [2, 4]) ws.getColumn(col).numFmt = '@'
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** Sheet names and the rows of every sheet of an xlsx file, as text. */
export async function readWorkbook(data: Buffer): Promise<{ sheets: string[]; rows: string[][] }> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(data as unknown as ArrayBuffer)
  const sheets = wb.worksheets.map((w) => w.name)
  const rows: string[][] = []
  for (const sheet of wb.worksheets) {
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))))
  }
  return { sheets, rows }
}

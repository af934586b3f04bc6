/** A voucher code in groups of four for reading aloud or typing: "ABCD EFGH …". */
export function groupCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ')
}

// Small helpers for driving Element Plus the way a clerk does: by the labels on screen.
import type { Locator, Page, TestInfo } from '@playwright/test'

const pageOf = (scope: Page | Locator): Page => ('page' in scope && typeof scope.page === 'function' ? scope.page() : (scope as Page))

/** The form item (for its error message) labelled `label`. */
export function formItem(scope: Page | Locator, label: string): Locator {
  const label_ = pageOf(scope).locator('.el-form-item__label', { hasText: new RegExp(`^\\s*${label}\\s*$`) })
  return scope.locator('.el-form-item').filter({ has: label_ }).first()
}

/** The input of the form item labelled `label` inside `scope`. */
export function field(scope: Page | Locator, label: string): Locator {
  return formItem(scope, label).locator('input:not([type=hidden]):not([type=radio]), textarea').first()
}

/** Opens the select labelled `label` and picks `option`. */
export async function choose(page: Page, scope: Page | Locator, label: string, option: string) {
  await formItem(scope, label).locator('.el-select__wrapper').click()
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: option }).first().click()
}

/** The visible dialog titled `title`. */
export function dialog(page: Page, title: string): Locator {
  return page.locator('.el-dialog', { has: page.locator('.el-dialog__title', { hasText: title }) }).locator('visible=true').first()
}

/** Confirms an Element Plus message box with the button `button`. */
export async function confirmBox(page: Page, button: string) {
  // The newest box: a box just answered may still be fading out above it.
  const box = page.locator('.el-message-box:visible').last()
  await box.getByRole('button', { name: button }).click()
}

/** Saves a screenshot of the page into the test's output and attaches it to the report. */
export async function screenshot(page: Page, info: TestInfo, name: string) {
  const path = info.outputPath(`${name}.png`)
  await page.screenshot({ path, fullPage: false })
  await info.attach(name, { path, contentType: 'image/png' })
  return path
}

/** The table row containing `text`. */
export function row(scope: Page | Locator, text: string | RegExp): Locator {
  return scope.locator('.el-table__body tr', { hasText: text })
}

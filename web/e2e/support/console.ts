// Logging in and out and moving between pages, as a clerk does.
import { expect, test, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test'
import { SmsGateway, startServer, type RunningServer } from './server'
import { confirmBox, field } from './ui'

export async function logIn(page: Page, username: string, password: string) {
  await page.goto('/admin/')
  await expect(page).toHaveURL(/\/admin\/login/)
  await page.getByPlaceholder('账号').fill(username)
  await page.getByPlaceholder('密码').fill(password)
  await page.getByRole('button', { name: '登 录' }).click()
}

export async function changeInitialPassword(page: Page, old: string, next: string) {
  await expect(page).toHaveURL(/\/admin\/change-password/)
  await expect(page.getByText('首次登录，请先修改初始密码')).toBeVisible()
  await field(page, '当前密码').fill(old)
  await field(page, '新密码').fill(next)
  await field(page, '确认新密码').fill(next)
  await page.getByRole('button', { name: '确认修改' }).click()
  await expect(page.getByText('密码已修改')).toBeVisible()
}

export async function logOut(page: Page) {
  await page.locator('[data-test=user-menu]').click()
  await page.getByRole('menuitem', { name: '退出登录' }).click()
  await confirmBox(page, '退出')
  await expect(page).toHaveURL(/\/admin\/login/)
}

export async function menu(page: Page, title: string) {
  await page.locator('.el-menu-item', { hasText: title }).click()
}

/** What one spec file shares: the api server, the SMS stub and one browser page. */
export interface ConsoleSuite {
  server: RunningServer
  sms: SmsGateway
  page: Page
}

/**
 * Registers the hooks every console spec needs: a fresh server and page before the
 * first test, one trace chunk per test (kept only when the test failed; open it with
 * `npx playwright show-trace`), and everything stopped after the last test.
 * `contextOptions` set up the browser (the member H5 uses a phone).
 */
export function consoleSuite(contextOptions: BrowserContextOptions = {}): ConsoleSuite {
  const suite = { sms: new SmsGateway() } as ConsoleSuite
  let context: BrowserContext | undefined
  test.beforeAll(async ({ browser }) => {
    await suite.sms.start()
    suite.server = await startServer(suite.sms)
    context = await browser.newContext({ ...contextOptions, baseURL: suite.server.baseURL })
    await context.tracing.start({ screenshots: true, snapshots: true })
    suite.page = await context.newPage()
  })
  test.beforeEach(async () => {
    await context?.tracing.startChunk()
  })
  test.afterEach(async ({}, info) => {
    const failed = info.status !== info.expectedStatus
    await context?.tracing.stopChunk(failed ? { path: info.outputPath('trace.zip') } : undefined)
  })
  test.afterAll(async () => {
    await context?.close()
    await suite.server?.stop()
    suite.sms.stop()
  })
  return suite
}

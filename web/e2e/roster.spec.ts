// The roster side of the console, as a city federation's admin and then a grassroots
// union's admin do it, in a real browser against the real `api` (embedded mode).
import { expect, test, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import type { RunningServer } from './support/server'
import { choose, confirmBox, dialog, field, formItem, row, screenshot } from './support/ui'
import { consoleSuite, changeInitialPassword as changeInitial, logIn as logInAs, logOut as logOutOf, menu as openMenu } from './support/console'
import { idNumber, readWorkbook, rosterRows, rosterWorkbook, withWrongCheck } from './support/roster'

test.describe.configure({ mode: 'serial' })

const FEDERATION_PASSWORD = 'Rizhao2026ok'
const UNION_NAME = '日照市东港区第一实验小学工会'
const UNION_ADMIN = 'shiyan_admin'
const UNION_PASSWORD = 'Shiyan2026ok'
const UNIT_NAME = '日照市东港区第一实验小学'

const suite = consoleSuite()
let server: RunningServer
let page: Page
const sms = suite.sms
let unionInitialPassword = ''
const roster = rosterRows(50)

test.beforeAll(() => {
  ;({ server, page } = suite)
})

const logIn = (username: string, password: string) => logInAs(page, username, password)
const changeInitialPassword = (old: string, next: string) => changeInitial(page, old, next)
const logOut = () => logOutOf(page)
const menu = (title: string) => openMenu(page, title)

test('the federation admin logs in with the initial password and must change it first', async ({}, info) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/admin\/login/)
  await screenshot(page, info, '01-login')
  await logIn('admin', 'wrong-password1')
  await expect(page.locator('[data-test=login-error]')).toHaveText(/账号或密码错误/)
  await page.getByPlaceholder('密码').fill(server.bootstrapPassword())
  await page.getByRole('button', { name: '登 录' }).click()
  // Logged in (the next navigation would otherwise cut the log-in short on a slow machine).
  await expect(page).toHaveURL(/\/admin\/change-password/)
  await screenshot(page, info, '02-change-password')
  // A page asked for before the change waits until the password is changed.
  await page.goto('/admin/members')
  await expect(page).toHaveURL(/\/admin\/change-password/)
  await changeInitialPassword(server.bootstrapPassword(), FEDERATION_PASSWORD)
  await expect(page.locator('[data-test=header-org]')).toContainText('日照市总工会')
  await expect(page.locator('[data-test=home-figures]')).toContainText('在册会员')
  await screenshot(page, info, '03-home')
})

test('the federation creates a grassroots union and sees its admin credentials once', async ({}, info) => {
  await menu('工会信息')
  await expect(page.locator('[data-test=org-profile]')).toContainText('日照市总工会')
  // The annual welfare budget per member (年度福利经费标准), typed in yuan.
  const budget = page.locator('[data-test=welfare-budget]')
  await expect(budget).toContainText('不设上限')
  await budget.locator('input').fill('800')
  await budget.locator('[data-test=welfare-budget-save]').click()
  await expect(budget).toContainText('800.00 元/人/年')
  await page.locator('[data-test=create-org]').click()
  const d = dialog(page, '新建下级组织')
  await field(d, '组织名称').fill(UNION_NAME)
  await field(d, '工会主席').fill('王红梅')
  await field(d, '登录账号').fill(UNION_ADMIN)
  await d.getByRole('button', { name: '创建' }).click()
  const creds = page.locator('[data-test=credentials-dialog]:visible')
  await expect(creds).toContainText(UNION_ADMIN)
  // The new admin's one-time password is shown once, here.
  const shown = creds.locator('[data-test=cred-password]')
  await expect(shown).toBeVisible()
  unionInitialPassword = (await shown.innerText()).trim()
  expect(unionInitialPassword).toMatch(/^[A-Za-z0-9]{10,}$/)
  await screenshot(page, info, '04-org-credentials')
  await creds.getByRole('button', { name: '我已记下' }).click()
  await expect(row(page, UNION_NAME)).toBeVisible()
  await row(page, UNION_NAME).getByRole('button', { name: '管理员账号' }).click()
  await expect(page.locator('.el-drawer:visible')).toContainText('未修改初始密码')
  await screenshot(page, info, '05-org-tree')
  await page.locator('.el-drawer:visible .el-drawer__close-btn').click()
  await logOut()
})

test('the union admin logs in, changes the password and adds a unit', async ({}, info) => {
  await logIn(UNION_ADMIN, unionInitialPassword)
  await changeInitialPassword(unionInitialPassword, UNION_PASSWORD)
  await expect(page.locator('[data-test=header-org]')).toContainText(UNION_NAME)
  await menu('单位管理')
  await page.locator('[data-test=create-unit]').click()
  const d = dialog(page, '新增单位')
  await field(d, '单位名称').fill(UNIT_NAME)
  await field(d, '负责人').fill('李建国')
  await field(d, '联系电话').fill('0633-8221234')
  await choose(page, d, '单位性质类别', '事业单位')
  await choose(page, d, '经济类型', '国有')
  await choose(page, d, '单位所属行业', '教育')
  await field(d, '地址').fill('日照市东港区海曲中路 18 号')
  await screenshot(page, info, '06-unit-form')
  await d.getByRole('button', { name: '保存' }).click()
  await expect(page.getByText('单位已新增')).toBeVisible()
  await expect(row(page, UNIT_NAME)).toContainText('教育')
  await screenshot(page, info, '07-units')
})

test('the union admin adds a member by hand and a wrong check digit is refused while typing', async ({}, info) => {
  await menu('会员管理')
  await expect(page.locator('[data-test=members-table]')).toContainText('没有符合条件的会员')
  await page.locator('[data-test=create-member]').click()
  const d = dialog(page, '录入会员')
  const id = idNumber('19850612', 231)
  await field(d, '证件号码').fill(withWrongCheck(id))
  await expect(formItem(d, '证件号码')).toContainText('校验位不正确')
  await screenshot(page, info, '08-member-wrong-check-digit')
  await field(d, '证件号码').fill(id)
  await expect(formItem(d, '证件号码')).not.toContainText('校验位不正确')
  await expect(d.locator('[data-test=id-facts]')).toContainText('1985-06-12')
  await expect(d.locator('[data-test=id-facts]')).toContainText('性别 男')
  await field(d, '姓名').fill('张伟')
  await field(d, '手机号码').fill('13806330001')
  await choose(page, d, '所在单位', UNIT_NAME)
  await d.getByRole('button', { name: '保存' }).click()
  await expect(page.getByText('会员已录入')).toBeVisible()
  const r = row(page, '张伟')
  await expect(r).toContainText('138****0001')
  await expect(r).not.toContainText(id)
  await r.getByRole('button', { name: '详情' }).click()
  await expect(page.locator('[data-test=full-id-number]')).toHaveText(id)
  await expect(page.locator('.el-drawer:visible')).toContainText('审计日志')
  await expect(page.locator('[data-test=member-history]')).toContainText('入会')
  await screenshot(page, info, '09-member-detail')
  await page.locator('.el-drawer:visible .el-drawer__close-btn').click()
})

test('the union admin imports a 50-row workbook with two bad rows and downloads the result', async ({}, info) => {
  const rows = roster.map((r) => ({ ...r }))
  rows[10].id = withWrongCheck(rows[10].id)
  rows[30].phone = '1234'
  const file = await rosterWorkbook(rows, UNIT_NAME)
  await menu('会员导入')
  const template = page.waitForEvent('download')
  await page.locator('[data-test=download-template]').click()
  expect((await template).suggestedFilename()).toMatch(/\.xlsx$/)
  // 试导入 first: the same checks and counts, and the roster stays as it was.
  await page.locator('[data-test=roster-dry-run] input[type=file]').setInputFiles({
    name: '东港一小会员-试.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: file,
  })
  const trial = row(page, '东港一小会员-试.xlsx')
  await expect(trial.locator('[data-test=task-status]')).toHaveText(/执行(成功|失败)/, { timeout: 60_000 })
  await expect(trial.locator('[data-test=dry-run-tag]')).toHaveText('试导入')
  await expect(trial).toContainText('48 / 0 / 2')
  await expect(trial).toContainText('未写入名册')
  await screenshot(page, info, '10-import-dry-run')
  const trialResult = page.waitForEvent('download')
  await trial.locator('[data-test=download-result]').click()
  const trialBook = await readWorkbook(readFileSync(await (await trialResult).path()))
  expect(trialBook.rows.map((r) => r.join(' ')).join('\n')).toContain('将新增')
  await page.locator('[data-test=roster-upload] input[type=file]').setInputFiles({
    name: '东港一小会员.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: file,
  })
  await expect(page.locator('[data-test=upload-progress]')).toContainText('东港一小会员.xlsx')
  const task = row(page, '东港一小会员.xlsx')
  // The list refreshes by itself until the task has finished; a task with failed rows
  // ends as 执行失败 and says how many rows went in.
  await expect(task.locator('[data-test=task-status]')).toHaveText(/执行(成功|失败)/, { timeout: 60_000 })
  await expect(task).toContainText('50 / 50')
  await expect(task).toContainText('48 / 0 / 2')
  await expect(task).toContainText('其中2行失败')
  await screenshot(page, info, '10-import-done')
  const result = page.waitForEvent('download')
  await task.locator('[data-test=download-result]').click()
  const download = await result
  const book = await readWorkbook(readFileSync(await download.path()))
  const text = book.rows.map((r) => r.join(' ')).join('\n')
  expect(text).toContain('导入会员11')
  expect(text).toContain('导入会员31')
  expect(text).toMatch(/校验|证件号码/)
  expect(text).toMatch(/手机号码/)
  await menu('会员管理')
  await expect(page.locator('.el-pagination')).toContainText('共 49 条')
  await screenshot(page, info, '11-members')
})

test('the union admin approves a certification a member submitted in the app', async ({ request }, info) => {
  const member = roster[0]
  const api = server.baseURL
  const phone = '13706330088'
  const sent = await request.post(`${api}/api/app/sms-codes`, { data: { phone, purpose: 'register' } })
  expect(sent.status()).toBe(200)
  const registered = await request.post(`${api}/api/app/register`, {
    data: { phone, password: 'Member2026ok', sms_code: sms.codeFor(phone, 'register'), region: '山东省日照市东港区', agree: true },
  })
  expect(registered.status()).toBe(200)
  const { token } = (await registered.json()) as { token: string }
  const applied = await request.post(`${api}/api/app/certification`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { name: member.name, id_number: member.id },
  })
  expect(applied.status()).toBe(200)

  await menu('认证审核')
  const pending = row(page, member.name)
  await expect(pending).toContainText('待审核')
  await screenshot(page, info, '12-certifications-pending')
  await pending.getByRole('button', { name: '通过' }).click()
  await confirmBox(page, '通过')
  await expect(page.getByText(`已通过「${member.name}」的认证`)).toBeVisible()
  await expect(row(page, member.name)).toHaveCount(0)
  await page.locator('.el-radio-button', { hasText: '已通过' }).click()
  await expect(row(page, member.name)).toContainText('审核通过')
  await screenshot(page, info, '13-certifications-approved')

  const me = await request.get(`${api}/api/app/me`, { headers: { Authorization: `Bearer ${token}` } })
  expect(((await me.json()) as { certification: { state: string } }).certification.state).toBe('certified')
})

test('the union admin compares roster and accounts and exports the comparison', async ({}, info) => {
  await menu('数据比对')
  const table = page.locator('[data-test=reconciliation-table]')
  await expect(row(table, UNION_NAME)).toContainText('49')
  await expect(table.locator('.el-table__footer')).toContainText('合计')
  await expect(table.locator('.el-table__footer')).toContainText('2.0%')
  await expect(page.locator('.el-tabs')).toContainText('未认证会员（48）')
  await screenshot(page, info, '14-reconciliation')
  const exported = page.waitForEvent('download')
  await page.locator('[data-test=export-reconciliation]').click()
  const download = await exported
  expect(download.suggestedFilename()).toContain('数据比对')
  const book = await readWorkbook(readFileSync(await download.path()))
  expect(book.sheets.length).toBeGreaterThanOrEqual(2)
  expect(book.rows.map((r) => r.join(' ')).join('\n')).toContain(UNION_NAME)
})

test('an expired session returns to the login page and, after logging in, to the same page', async ({ request }, info) => {
  await menu('单位管理')
  await expect(row(page, UNIT_NAME)).toBeVisible()
  // The session ends on the server (as when it expires): revoke this page's token.
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('gonghui.admin.session') ?? '{}').token as string)
  const revoked = await request.post(`${server.baseURL}/api/admin/logout`, { headers: { Authorization: `Bearer ${token}` } })
  expect(revoked.ok()).toBeTruthy()
  await menu('会员管理')
  await expect(page).toHaveURL(/\/admin\/login\?redirect=(%2F|\/)members/)
  await expect(page.getByText('登录已过期，请重新登录')).toBeVisible()
  await screenshot(page, info, '15-session-expired')
  await page.getByPlaceholder('账号').fill(UNION_ADMIN)
  await page.getByPlaceholder('密码').fill(UNION_PASSWORD)
  await page.getByRole('button', { name: '登 录' }).click()
  await expect(page).toHaveURL(/\/admin\/members$/)
  await expect(page.locator('[data-test=members-table]')).toContainText('张伟')
})

test('the home page shows the union figures and logging out returns to the login page', async ({}, info) => {
  await menu('首页')
  const figures = page.locator('[data-test=home-figures]')
  await expect(figures).toContainText('49')
  await expect(figures).toContainText('认证率 2.0%')
  await screenshot(page, info, '16-home-union')
  await logOut()
  await page.goto('/admin/members')
  await expect(page).toHaveURL(/\/admin\/login\?redirect=/)
  await screenshot(page, info, '17-logged-out')
})

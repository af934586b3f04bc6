// Subordinate admin accounts (reset password, disable) and transfer requests between two
// unions, as a city federation's and two grassroots unions' admins do them.
import { expect, test, type Page } from '@playwright/test'
import type { RunningServer } from './support/server'
import { confirmBox, dialog, field, row, screenshot } from './support/ui'
import { changeInitialPassword, consoleSuite, logIn, logOut, menu } from './support/console'
import { idNumber } from './support/roster'

test.describe.configure({ mode: 'serial' })

const FEDERATION_PASSWORD = 'Rizhao2026ok'
const HOLDING = { name: '日照港集团工会', admin: 'gangji_admin', password: 'Gangji2026ok' }
const ASKING = { name: '日照市东港区第二实验小学工会', admin: 'erxiao_admin', password: 'Erxiao2026ok' }
const PERSON = { name: '刘芳', id: idNumber('19900315', 482) }

const suite = consoleSuite()
let server: RunningServer
let page: Page
const initial: Record<string, string> = {}

test.beforeAll(() => {
  ;({ server, page } = suite)
})

const credentials = () => page.locator('[data-test=credentials-dialog]:visible')
const adminsDrawer = () => page.locator('.el-drawer:visible')

/** Creates a grassroots union under the federation and returns its admin's one-time password. */
async function createUnion(union: typeof HOLDING): Promise<string> {
  await page.locator('[data-test=create-org]').click()
  const d = dialog(page, '新建下级组织')
  await field(d, '组织名称').fill(union.name)
  await field(d, '登录账号').fill(union.admin)
  await d.getByRole('button', { name: '创建' }).click()
  await expect(credentials()).toContainText(union.admin)
  const password = (await credentials().locator('[data-test=cred-password]').innerText()).trim()
  expect(password).toMatch(/^[A-Za-z0-9]{10,}$/)
  await credentials().getByRole('button', { name: '我已记下' }).click()
  await expect(row(page, union.name)).toBeVisible()
  return password
}

test('the federation creates two unions, resets an admin password and disables the account', async ({}, info) => {
  await logIn(page, 'admin', server.bootstrapPassword())
  await changeInitialPassword(page, server.bootstrapPassword(), FEDERATION_PASSWORD)
  await menu(page, '工会信息')
  initial[HOLDING.admin] = await createUnion(HOLDING)
  initial[ASKING.admin] = await createUnion(ASKING)

  await row(page, HOLDING.name).getByRole('button', { name: '管理员账号' }).click()
  const account = row(adminsDrawer(), HOLDING.admin)
  await expect(account.locator('[data-test=admin-state]')).toHaveText('未修改初始密码')
  // One's own account offers nothing here; this one offers reset and disable.
  await account.getByRole('button', { name: '重置密码' }).click()
  await confirmBox(page, '重置密码')
  await expect(credentials()).toContainText('新密码')
  await expect(credentials().locator('[data-test=cred-note]')).toContainText('72小时')
  await expect(credentials().locator('[data-test=cred-note]')).toContainText('已全部退出')
  const reset = (await credentials().locator('[data-test=cred-password]').innerText()).trim()
  expect(reset).toMatch(/^[A-Za-z0-9]{10,}$/)
  expect(reset).not.toBe(initial[HOLDING.admin])
  await screenshot(page, info, '21-admin-password-reset')
  await credentials().getByRole('button', { name: '我已记下' }).click()
  initial[HOLDING.admin] = reset

  await account.getByRole('button', { name: '停用' }).click()
  await confirmBox(page, '停用')
  await expect(page.getByText(`已停用账号「${HOLDING.admin}」`)).toBeVisible()
  await expect(account.locator('[data-test=admin-state]')).toHaveText('已停用')
  await expect(account.getByRole('button', { name: '启用' })).toBeVisible()
  await screenshot(page, info, '22-admin-disabled')
  await page.locator('.el-drawer:visible .el-drawer__close-btn').click()
  await logOut(page)

  // The disabled account cannot log in, with the new password or any other.
  await logIn(page, HOLDING.admin, reset)
  await expect(page.locator('[data-test=login-error]')).toContainText('账号已停用')
  await screenshot(page, info, '23-login-disabled')
})

test('the federation enables the account again and the new password logs in', async () => {
  await page.getByPlaceholder('账号').fill('admin')
  await page.getByPlaceholder('密码').fill(FEDERATION_PASSWORD)
  await page.getByRole('button', { name: '登 录' }).click()
  await expect(page.locator('[data-test=header-org]')).toContainText('日照市总工会')
  await menu(page, '工会信息')
  await row(page, HOLDING.name).getByRole('button', { name: '管理员账号' }).click()
  const account = row(adminsDrawer(), HOLDING.admin)
  await account.getByRole('button', { name: '启用' }).click()
  await confirmBox(page, '启用')
  await expect(account.locator('[data-test=admin-state]')).toHaveText('未修改初始密码')
  await page.locator('.el-drawer:visible .el-drawer__close-btn').click()
  await logOut(page)

  await logIn(page, HOLDING.admin, initial[HOLDING.admin])
  await changeInitialPassword(page, initial[HOLDING.admin], HOLDING.password)
  await expect(page.locator('[data-test=header-org]')).toContainText(HOLDING.name)
})

test('the holding union enters a member', async () => {
  await menu(page, '会员管理')
  await page.locator('[data-test=create-member]').click()
  const d = dialog(page, '录入会员')
  await field(d, '姓名').fill(PERSON.name)
  await field(d, '手机号码').fill('13906330011')
  await field(d, '证件号码').fill(PERSON.id)
  await d.getByRole('button', { name: '保存' }).click()
  await expect(page.getByText('会员已录入')).toBeVisible()
  await expect(row(page, PERSON.name)).toContainText('入会')
  await logOut(page)
})

test('another union entering the same person is offered a transfer request', async ({}, info) => {
  await logIn(page, ASKING.admin, initial[ASKING.admin])
  await changeInitialPassword(page, initial[ASKING.admin], ASKING.password)
  await menu(page, '会员管理')
  await page.locator('[data-test=create-member]').click()
  const d = dialog(page, '录入会员')
  await field(d, '姓名').fill(PERSON.name)
  await field(d, '手机号码').fill('13906330022')
  await field(d, '证件号码').fill(PERSON.id)
  await d.getByRole('button', { name: '保存' }).click()
  const offer = page.locator('[data-test=active-elsewhere]')
  await expect(offer).toContainText('该会员已在其他工会')
  await screenshot(page, info, '24-member-active-elsewhere')
  await offer.getByRole('button', { name: '发起转会申请' }).click()
  const form = dialog(page, '发起转会申请')
  await expect(field(form, '姓名')).toHaveValue(PERSON.name)
  await expect(field(form, '证件号码')).toHaveValue(PERSON.id)
  await field(form, '转会原因').fill('已调入本校工作')
  await screenshot(page, info, '25-transfer-request-form')
  await form.getByRole('button', { name: '提交申请' }).click()
  await expect(page.getByText('转会申请已提交')).toBeVisible()
  // Off to 转会申请 (转入申请): pending, and the holding union is not named.
  await expect(page).toHaveURL(/\/admin\/transfers/)
  const request = row(page, PERSON.name)
  await expect(request.locator('[data-test=transfer-status]')).toHaveText('待审批')
  await expect(request).toContainText('同意后显示')
  await expect(request).not.toContainText(HOLDING.name)
  await screenshot(page, info, '26-transfer-incoming')
  await logOut(page)
})

test('the holding union rejects with a reason and the asking union asks again', async ({}, info) => {
  await logIn(page, HOLDING.admin, HOLDING.password)
  await menu(page, '转会申请')
  const request = row(page, PERSON.name)
  await expect(request).toContainText(ASKING.name)
  await expect(request).toContainText('已调入本校工作')
  await screenshot(page, info, '27-transfer-outgoing')
  await request.getByRole('button', { name: '驳回' }).click()
  const box = page.locator('.el-message-box:visible')
  await box.getByRole('button', { name: '驳回' }).click()
  await expect(box).toContainText('请填写驳回原因')
  await box.locator('input').fill('请先办理本单位离职手续')
  await box.getByRole('button', { name: '驳回' }).click()
  await expect(request.locator('[data-test=transfer-status]')).toHaveText('已驳回')
  await expect(request.getByRole('button', { name: '同意' })).toHaveCount(0)
  await logOut(page)

  await logIn(page, ASKING.admin, ASKING.password)
  await menu(page, '转会申请')
  await page.locator('.el-radio-button', { hasText: '转入申请' }).click()
  await expect(row(page, PERSON.name)).toContainText('请先办理本单位离职手续')
  // A new request from this page, typed in full.
  await page.locator('[data-test=new-transfer-request]').click()
  const form = dialog(page, '发起转会申请')
  await field(form, '姓名').fill(PERSON.name)
  await field(form, '证件号码').fill(PERSON.id)
  await form.getByRole('button', { name: '提交申请' }).click()
  await expect(page.getByText('转会申请已提交')).toBeVisible()
  await expect(row(page, PERSON.name).filter({ hasText: '待审批' })).toHaveCount(1)
  await expect(row(page, PERSON.name).filter({ hasText: '已驳回' })).toHaveCount(1)
  await screenshot(page, info, '28-transfer-incoming-again')
  await logOut(page)
})

test('the holding union approves the new request and the member moves', async () => {
  await logIn(page, HOLDING.admin, HOLDING.password)
  await menu(page, '转会申请')
  const pending = row(page, PERSON.name).filter({ hasText: '待审批' })
  await pending.getByRole('button', { name: '同意' }).click()
  await confirmBox(page, '同意')
  await expect(page.getByText(`已同意「${PERSON.name}」转会`)).toBeVisible()
  await expect(row(page, PERSON.name).filter({ hasText: '已同意' })).toHaveCount(1)
  await expect(row(page, PERSON.name).filter({ hasText: '待审批' })).toHaveCount(0)
  await menu(page, '会员管理')
  await expect(row(page, PERSON.name)).toContainText('转出')
  await logOut(page)

  await logIn(page, ASKING.admin, ASKING.password)
  await menu(page, '会员管理')
  await expect(row(page, PERSON.name)).toContainText('入会')
  await menu(page, '转会申请')
  await page.locator('.el-radio-button', { hasText: '转入申请' }).click()
  // Once approved, the union the member came from is named.
  await expect(row(page, PERSON.name).filter({ hasText: '已同意' })).toContainText(HOLDING.name)
})

test('an admin whose initial password expired is told to ask the organisation above', async ({}, info) => {
  await logOut(page)
  // 72 hours cannot pass in a test: the log-in answer is stood in, worded as the API words it.
  await page.route('**/api/admin/login', (route) =>
    route.fulfill({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'INITIAL_PASSWORD_EXPIRED', message: '初始密码已过期（72小时内有效），请联系管理员重新获取初始密码' }),
    }),
  )
  await logIn(page, 'late_admin', 'Abcdefgh2345')
  const error = page.locator('[data-test=login-error]')
  await expect(error).toContainText('初始密码已过期')
  await expect(error).toContainText('请联系上级工会的管理员')
  await expect(error).toContainText('重置密码')
  await screenshot(page, info, '29-login-initial-password-expired')
  await page.unroute('**/api/admin/login')
})

// The member H5 on a phone, from registration to a redeemed voucher: register with the
// code the SMS stub received, certify (the union's admin rejects once, then approves over
// the admin API), the member card, claim in an open activity (a double tap claims once),
// the voucher's QR code decoded from the page, the merchant API redeems that code, and the
// voucher moves to 已使用. Screenshots of every page go to test-results/.
import { expect, test, type Page } from '@playwright/test'
import { consoleSuite } from './support/console'
import { Http, PHONE, activateStaff, decodeQr, pendingApplication, welfare, type Welfare } from './support/member'
import { idNumber, withWrongCheck } from './support/roster'
import { screenshot } from './support/ui'

test.describe.configure({ mode: 'serial' })

const MEMBER = { name: '王晓红', idNumber: idNumber('19880923', 246), phone: '13963300001' }
const PASSWORD = 'Hong2026ok'
const NEW_PASSWORD = 'Hong2027ok'

const suite = consoleSuite(PHONE)
let page: Page
let http: Http
let world: Welfare
let voucherCode = ''
let lastSmsAt = 0

test.beforeAll(async () => {
  page = suite.page
  http = new Http(suite.server.baseURL)
  world = await welfare(http, suite.server.bootstrapPassword(), MEMBER)
})

const formError = () => page.locator('[data-test=form-error]')
const memberToken = () => page.evaluate(() => localStorage.getItem('gonghui.member.token'))

test('a member registers with the SMS code and stays logged in across a reload', async ({}, info) => {
  await page.goto('/m/')
  await expect(page).toHaveURL(/\/m\/login/)
  await expect(page.getByText('会员登录后领取节日福利和电子券')).toBeVisible()
  await screenshot(page, info, '01-login')

  await page.getByRole('link', { name: '注册新账号' }).click()
  await expect(page).toHaveURL(/\/m\/register/)
  await page.getByPlaceholder('请输入手机号码').fill(MEMBER.phone)
  await sendCode()
  await expect(page.locator('[data-test=send-code]')).toBeDisabled()
  await page.getByPlaceholder('短信验证码').fill(suite.sms.codeFor(MEMBER.phone, 'register'))
  await page.getByPlaceholder('至少8位，含字母和数字').fill(PASSWORD)
  // Without the agreement nothing is sent.
  await page.locator('[data-test=region]').click()
  await page.locator('.van-picker__confirm').click()
  await expect(page.locator('[data-test=region] input')).toHaveValue('山东省日照市东港区')
  await page.locator('[data-test=register-submit]').click()
  await expect(formError()).toHaveText('请阅读并同意《用户协议》')
  await page.locator('[data-test=agree]').click()
  await screenshot(page, info, '02-register')
  await page.locator('[data-test=register-submit]').click()

  await expect(page).toHaveURL(/\/m\/certification/)
  await page.reload()
  await expect(page).toHaveURL(/\/m\/certification/)
  await expect(page.getByText('请填写与工会会员名册一致的姓名和身份证号码')).toBeVisible()
})

test('the ID number is checked while typing, NOT_ON_ROSTER is explained, a rejection can be answered by applying again', async ({}, info) => {
  const idField = page.locator('[data-test=id-number] input')
  await page.getByPlaceholder('请输入真实姓名').fill(MEMBER.name)
  await idField.fill(MEMBER.idNumber.slice(0, 10))
  await expect(page.getByText('已输入10位，共18位')).toBeVisible()
  await idField.fill(withWrongCheck(MEMBER.idNumber))
  await expect(page.getByText('身份证号码校验位不正确，请核对后重新输入')).toBeVisible()
  await screenshot(page, info, '03-id-check-digit')
  await idField.fill(MEMBER.idNumber)
  await expect(page.locator('[data-test=id-ok]')).toBeVisible()

  // A name the roster does not have with this number.
  await page.getByPlaceholder('请输入真实姓名').fill('王小红')
  await page.locator('[data-test=cert-submit]').click()
  await expect(page.locator('[data-test=not-on-roster]')).toContainText('请工会管理员把您录入会员名册')
  await screenshot(page, info, '04-not-on-roster')

  await page.getByPlaceholder('请输入真实姓名').fill(MEMBER.name)
  await page.locator('[data-test=cert-submit]').click()
  await expect(page.locator('[data-test=cert-status]')).toContainText('审核中')
  await expect(page.locator('.van-toast')).toBeHidden()
  await screenshot(page, info, '05-pending')

  const first = await pendingApplication(http, world.unionToken, MEMBER.name)
  await http.ok('POST', `/api/admin/certifications/${first}/reject`, world.unionToken, {
    reason: '入会日期有误，请联系工会核对后重新申请',
  })
  await page.reload()
  await expect(page.locator('[data-test=cert-status]')).toContainText('认证未通过')
  await expect(page.locator('[data-test=reject-reason]')).toHaveText('原因：入会日期有误，请联系工会核对后重新申请')
  await screenshot(page, info, '06-rejected')
  await page.locator('[data-test=apply-again]').click()
  await page.getByPlaceholder('请输入真实姓名').fill(MEMBER.name)
  await page.locator('[data-test=id-number] input').fill(MEMBER.idNumber)
  await page.locator('[data-test=cert-submit]').click()
  await expect(page.locator('[data-test=cert-status]')).toContainText('审核中')
})

test('the union approves and the member card appears', async ({}, info) => {
  const second = await pendingApplication(http, world.unionToken, MEMBER.name)
  await http.ok('POST', `/api/admin/certifications/${second}/approve`, world.unionToken)
  await page.reload()
  await expect(page.locator('[data-test=cert-status]')).toContainText('已通过实名认证')
  await page.goto('/m/me')
  const card = page.locator('[data-test=member-card]')
  await expect(card.locator('[data-test=card-name]')).toHaveText(MEMBER.name)
  await expect(card.locator('[data-test=card-union]')).toHaveText('日照港集团工会')
  await expect(card.locator('[data-test=card-no]')).toHaveText(/\S{6,}/)
  await expect(page.locator('[data-test=cert-state]')).toHaveText('已认证')
  // 卡券到期提醒: on by default, switched off here, and it stays off after a reload.
  const reminders = page.locator('[data-test=expiry-reminders]')
  await expect(reminders).toHaveClass(/van-switch--on/)
  await reminders.click()
  await expect(reminders).not.toHaveClass(/van-switch--on/)
  await page.reload()
  await expect(page.locator('[data-test=expiry-reminders]')).not.toHaveClass(/van-switch--on/)
  await screenshot(page, info, '07-member-card')
})

test('the member claims once: a double tap gives one voucher, the second claim is refused', async ({}, info) => {
  // The activity's window opens shortly after the test set it up (it must start in the future).
  await expect.poll(() => Date.now() > world.startsAt + 1000, { timeout: 60_000 }).toBe(true)
  await page.locator('[data-test=tabbar]').getByText('活动').click()
  const item = page.locator('[data-test=activity]', { hasText: world.activityTitle })
  await expect(item.locator('[data-test=claimable]')).toContainText('剩余10张')
  await expect(item).toContainText('50.00')
  await screenshot(page, info, '08-activities')
  await item.click()
  await expect(page.locator('[data-test=activity-title]')).toHaveText(world.activityTitle)
  await expect(page.locator('[data-test=activity-content] strong')).toHaveText('蛋糕券一张')
  await screenshot(page, info, '09-activity')

  await page.locator('[data-test=claim]').dblclick()
  const result = page.locator('[data-test=claim-result]')
  await expect(result).toContainText('领取成功')
  await expect(result).toContainText('共1张电子券')
  await expect(result).toContainText('中秋蛋糕券')
  await screenshot(page, info, '10-claimed')

  const token = (await memberToken())!
  const mine = await http.ok('GET', '/api/app/vouchers', token)
  expect(mine.total).toBe(1)
  const again = await http.send('POST', `/api/app/activities/${world.activityId}/claims`, token, undefined, {
    'Idempotency-Key': 'a-second-tap-later',
  })
  expect(again.status).toBe(409)
  expect(again.body.code).toBe('LIMIT_REACHED')
  expect((await http.ok('GET', '/api/app/vouchers', token)).total).toBe(1)

  await result.locator('.van-popup__close-icon').click()
  await expect(result).toBeHidden()
  await expect(page.locator('[data-test=claim-blocked]')).toHaveText('已领取')
  await expect(page.locator('[data-test=why-not]')).toHaveText(again.body.message)
  await screenshot(page, info, '11-claimed-already')
})

test('the voucher page shows a QR code that decodes to the code; the merchant redeems it and it moves to 已使用', async ({}, info) => {
  await page.goto('/m/vouchers')
  await expect(page.locator('[data-test=voucher]')).toHaveCount(1)
  await screenshot(page, info, '12-vouchers-unused')
  await page.locator('[data-test=voucher]').click()

  const qr = page.locator('[data-test=voucher-qr]')
  await expect(qr).toBeVisible()
  const box = await qr.boundingBox()
  expect(box!.width).toBeGreaterThanOrEqual(250)
  voucherCode = (await page.locator('[data-test=voucher-code]').innerText()).replace(/\s/g, '')
  expect(voucherCode).toMatch(/^[0-9A-Z]{24}$/)
  expect(await decodeQr(qr)).toBe(voucherCode)
  await expect(page.locator('[data-test=voucher-amount]')).toHaveText('¥50.00')
  await expect(page.locator('[data-test=brightness-hint]')).toContainText('屏幕亮度')
  const merchant = page.locator('[data-test=merchant]')
  await expect(merchant).toContainText(world.merchantName)
  await expect(merchant).toContainText(world.merchantAddress)
  await screenshot(page, info, '13-voucher')
  await page.screenshot({ path: info.outputPath('voucher-full.png'), fullPage: true })

  const staff = await activateStaff(http, world.staffPhone, world.staffInitialPassword)
  const redeemed = await http.ok('POST', '/api/merchant/redemptions', staff, { code: voucherCode })
  expect(redeemed.merchant_name).toBe(world.merchantName)

  await page.reload()
  await expect(page.locator('[data-test=voucher-status]')).toHaveText('已使用')
  await expect(page.locator('[data-test=redeemed-where]')).toContainText(world.merchantName)
  await expect(page.locator('[data-test=redeemed-at]')).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
  await expect(page.locator('[data-test=brightness-hint]')).toHaveCount(0)
  await screenshot(page, info, '14-voucher-redeemed')

  await page.locator('.van-nav-bar__left').click()
  await expect(page).toHaveURL(/\/m\/vouchers\?status=redeemed/)
  await expect(page.locator('[data-test=voucher]')).toHaveCount(1)
  await expect(page.locator('[data-test=voucher]')).toContainText('使用时间')
  await screenshot(page, info, '15-vouchers-used')
  await page.getByRole('tab', { name: '未使用' }).click()
  await expect(page.getByText('暂无卡券')).toBeVisible()
})

test('log out, reset the password by SMS, log in with it; a second code within 60 s is refused in the API words; log in by SMS code', async ({}, info) => {
  test.setTimeout(240_000)
  await page.locator('[data-test=tabbar]').getByText('我的').click()
  await screenshot(page, info, '16-me')
  await logOut()

  await page.getByRole('link', { name: '忘记密码' }).click()
  await page.getByPlaceholder('请输入手机号码').fill(MEMBER.phone)
  await waitForResend()
  await sendCode()
  await page.getByPlaceholder('短信验证码').fill(suite.sms.codeFor(MEMBER.phone, 'reset_password'))
  await page.getByPlaceholder('至少8位，含字母和数字').fill(NEW_PASSWORD)
  await screenshot(page, info, '17-reset-password')
  await page.locator('[data-test=reset-submit]').click()
  await expect(page).toHaveURL(/\/m\/login/)
  await page.getByPlaceholder('请输入手机号码').fill(MEMBER.phone)
  await page.getByPlaceholder('请输入密码').fill(PASSWORD)
  await page.locator('[data-test=login-submit]').click()
  await expect(formError()).toContainText('密码')
  await page.getByPlaceholder('请输入密码').fill(NEW_PASSWORD)
  await page.locator('[data-test=login-submit]').click()
  await expect(page).toHaveURL(/\/m\/activities/)
  await page.locator('[data-test=tabbar]').getByText('我的').click()
  await logOut()

  // A second code for this phone within 60 s: the API's refusal in its own words, and
  // the button counts down the wait the API named.
  await page.getByRole('tab', { name: '验证码登录' }).click()
  await page.getByPlaceholder('请输入手机号码').fill(MEMBER.phone)
  const send = page.locator('[data-test=send-code]')
  await send.click()
  await expect(formError()).toHaveText(/^验证码发送过于频繁，请\d+秒后再试$/)
  await expect(send).toHaveText(/\d+秒后重新获取/)
  await expect(send).toBeDisabled()
  await expect(page.locator('.van-toast')).toBeHidden()
  await screenshot(page, info, '18-sms-too-frequent')
  await expect(send).toBeEnabled({ timeout: 70_000 })
  await sendCode()
  await page.getByPlaceholder('短信验证码').fill(suite.sms.codeFor(MEMBER.phone, 'login'))
  await page.locator('[data-test=login-submit]').click()
  await expect(page).toHaveURL(/\/m\/activities/)
})

async function logOut() {
  await page.locator('[data-test=logout]').click()
  await page.locator('.van-dialog__confirm').click()
  await expect(page).toHaveURL(/\/m\/login/)
  expect(await memberToken()).toBeNull()
}

/** Clicks 获取验证码 and checks that a code went out (the button counts down). */
async function sendCode() {
  const send = page.locator('[data-test=send-code]')
  const before = suite.sms.messages.length
  await send.click()
  await expect(send).toHaveText(/^\s*\d{1,2}秒后重新获取\s*$/)
  await expect.poll(() => suite.sms.messages.length).toBe(before + 1)
  lastSmsAt = Date.now()
}

/** Waits until the API's one-code-per-60-s rule lets this phone have another code. */
async function waitForResend() {
  await expect.poll(() => Date.now() - lastSmsAt > 61_000, { timeout: 75_000, intervals: [1000] }).toBe(true)
}

// The welfare flow of the notice through the console, with two admins: the city federation
// and a grassroots union. The union sets up merchants, coupons (one granted to a second
// merchant) and an activity with two prizes; the federation approves it; members claim and
// merchants redeem through their APIs; the union settles (report and statement, confirmed
// once the period is over: the server restarts with its clock a day ahead), and the
// federation's dashboard shows the figures and draws them.
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { startServer } from './support/server'
import { confirmBox, dialog, field, formItem, row, screenshot } from './support/ui'
import { consoleSuite, logIn, logOut, menu } from './support/console'
import { idNumber, readWorkbook } from './support/roster'
import { Api, PNG, adminSession, certifiedMember, claim, staffSession, type Voucher } from './support/api'

const HOUR = 3_600_000
/** Beijing time (UTC+8) `offset` ms from now, as the console shows it: "YYYY-MM-DD HH:mm:ss". */
function beijing(offset = 0): string {
  const iso = new Date(Date.now() + 8 * HOUR + offset).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}
const todayInBeijing = () => beijing().slice(0, 10)

test.describe.configure({ mode: 'serial' })

const FED_PASSWORD = 'Rizhao2026ok'
const UNION = '日照港集团工会'
const UNION_ADMIN = 'rzport_admin'
const UNION_PASSWORD = 'Rzport2026ok'
const SHOP_A = '日照港湾蛋糕坊'
const SHOP_A_PHONE = '13963310001'
const SHOP_B = '港湾蛋糕坊石臼店'
const SHOP_B_PHONE = '13963310002'
const CLERK_PHONE = '13963310003'
const CAKE = '中秋蛋糕兑换券'
const DRINK = '中秋饮品券'
const ACTIVITY = '2026年中秋节职工福利'

const suite = consoleSuite()
let page: Page
let api: Api
let union: Api
let activityId = 0
let startsAt = 0
const passwords: Record<string, string> = {}
const members = [
  { name: '刘海燕', phone: '13863310011', id: idNumber('19880915', 121) },
  { name: '孙立军', phone: '13863310012', id: idNumber('19790302', 133) },
  { name: '赵静怡', phone: '13863310013', id: idNumber('19920621', 142) },
]
const vouchers: Voucher[][] = []

test.beforeAll(async () => {
  page = suite.page
  api = new Api(suite.server.baseURL)
  // The federation and its union exist before the flow (the roster spec creates them through the console).
  const fed = await adminSession(api, 'admin', suite.server.bootstrapPassword(), FED_PASSWORD)
  const created = await fed.post<{ initial_password: string }>('/api/admin/orgs', {
    kind: 'grassroots_union',
    name: UNION,
    admin_username: UNION_ADMIN,
  })
  union = await adminSession(api, UNION_ADMIN, created.initial_password, UNION_PASSWORD)
})

/** Fills an Element Plus date (or date-time) range by typing, as a clerk may. */
async function fillRange(scope: Locator, label: string, from: string, to: string) {
  const inputs = formItem(scope, label).locator('input')
  await inputs.nth(0).fill(from)
  await inputs.nth(0).press('Enter')
  await inputs.nth(1).fill(to)
  await inputs.nth(1).press('Enter')
  // Out of the picker (Escape would close the dialog too).
  await scope.locator('.el-dialog__header').click()
  await expect(inputs.nth(0)).toHaveValue(from)
  await expect(inputs.nth(1)).toHaveValue(to)
}

async function pick(select: Locator, option: string | RegExp) {
  await select.locator('.el-select__wrapper').first().click()
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: option }).first().click()
}

async function credentialsShownOnce(title: RegExp | string): Promise<string> {
  const creds = page.locator('[data-test=credentials-dialog]:visible')
  await expect(creds).toContainText(title)
  const password = (await creds.locator('[data-test=cred-password]').innerText()).trim()
  expect(password).toMatch(/^[A-Za-z0-9]{10,}$/)
  return password
}

async function closeCredentials() {
  const creds = page.locator('[data-test=credentials-dialog]:visible')
  await creds.getByRole('button', { name: '我已记下' }).click()
  await expect(creds).toHaveCount(0)
}

test('the union creates two merchants with every field, puts them online and adds a clerk', async ({}, info) => {
  await logIn(page, UNION_ADMIN, UNION_PASSWORD)
  await expect(page.locator('[data-test=header-org]')).toContainText(UNION)
  await menu(page, '商户管理')
  await expect(page.locator('[data-test=merchants-table]')).toContainText('暂无商家')

  await page.locator('[data-test=create-merchant]').click()
  const d = dialog(page, '新增商家')
  await field(d, '手机号码').fill('1396331')
  await field(d, '商家名称').click()
  await expect(formItem(d, '手机号码')).toContainText('手机号码应为11位')
  await field(d, '手机号码').fill(SHOP_A_PHONE)
  await field(d, '商家名称').fill(SHOP_A)
  await field(d, '联系人').fill('王建华')
  await field(d, '固定电话').fill('0633-8812345')
  await field(d, '服务类型').fill('蛋糕烘焙')
  const tags = formItem(d, '商家标签')
  for (const t of ['蛋糕', '生日']) {
    await tags.locator('input').fill(t)
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: t }).click()
    await expect(tags.locator('.el-tag', { hasText: t })).toBeVisible()
  }
  await page.keyboard.press('Escape')
  await field(d, '入驻时间').fill('2026-03-01')
  await field(d, '入驻时间').press('Enter')
  await field(d, '公司地址').fill('日照市东港区海滨五路 66 号')
  await field(d, '门店地址').fill('日照市东港区石臼街道港湾路 8 号')
  await field(d, '经度').fill('119.553')
  await field(d, '纬度').fill('35.389')
  await d.locator('[data-test="image-营业执照"] input[type=file]').setInputFiles({ name: 'licence.png', mimeType: 'image/png', buffer: PNG })
  await d.locator('[data-test="image-商家Logo"] input[type=file]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG })
  await expect(d.locator('[data-test=image-preview]')).toHaveCount(2)
  await field(d, '商家简介').fill('本地老字号蛋糕店，承接工会节日福利。')
  await screenshot(page, info, '20-merchant-form')
  await d.getByRole('button', { name: '保存' }).click()
  passwords[SHOP_A_PHONE] = await credentialsShownOnce(SHOP_A_PHONE)
  await screenshot(page, info, '21-merchant-credentials')
  await closeCredentials()
  // Shown once: nothing on the page shows the password again.
  await expect(page.getByText(passwords[SHOP_A_PHONE])).toHaveCount(0)

  await page.locator('[data-test=create-merchant]').click()
  const d2 = dialog(page, '新增商家')
  await field(d2, '商家名称').fill(SHOP_B)
  await field(d2, '联系人').fill('李娜')
  await field(d2, '手机号码').fill(SHOP_B_PHONE)
  await d2.getByRole('button', { name: '保存' }).click()
  passwords[SHOP_B_PHONE] = await credentialsShownOnce(SHOP_B_PHONE)
  await closeCredentials()

  for (const shop of [SHOP_A, SHOP_B]) {
    await expect(row(page, shop).locator('[data-test=merchant-online]')).toHaveText('下线')
    await row(page, shop).getByRole('button', { name: '上线' }).click()
    await confirmBox(page, '上线')
    await expect(row(page, shop).locator('[data-test=merchant-online]')).toHaveText('上线')
  }
  await expect(row(page, SHOP_A)).toContainText('蛋糕烘焙')
  await expect(row(page, SHOP_A)).toContainText('生日')

  // The edit form shows what was stored, images included.
  await row(page, SHOP_A).getByRole('button', { name: '编辑' }).click()
  const e = dialog(page, '编辑商家')
  await expect(field(e, '门店地址')).toHaveValue('日照市东港区石臼街道港湾路 8 号')
  await expect(field(e, '纬度')).toHaveValue('35.389000')
  await expect(e.locator('[data-test=image-preview]')).toHaveCount(2)
  await e.getByRole('button', { name: '取消' }).click()

  await row(page, SHOP_A).getByRole('button', { name: '账号' }).click()
  const drawer = page.locator('[data-test=staff-drawer]')
  await expect(drawer).toContainText('主账号')
  await drawer.locator('[data-test=add-staff]').click()
  await field(drawer, '姓名').fill('陈晓')
  await field(drawer, '手机号码').fill(CLERK_PHONE)
  await drawer.getByRole('button', { name: '创建' }).click()
  passwords[CLERK_PHONE] = await credentialsShownOnce(CLERK_PHONE)
  await closeCredentials()
  await expect(row(drawer, '陈晓')).toContainText('未修改初始密码')
  // A new one-time password for the clerk: the first no longer works.
  await row(drawer, '陈晓').getByRole('button', { name: '重置密码' }).click()
  await confirmBox(page, '生成新密码')
  const fresh = await credentialsShownOnce('新密码')
  expect(fresh).not.toBe(passwords[CLERK_PHONE])
  await screenshot(page, info, '22-staff-reset')
  await closeCredentials()
  await api.post('/api/merchant/login', { phone: CLERK_PHONE, password: passwords[CLERK_PHONE] }, 401)
  passwords[CLERK_PHONE] = fresh
  await screenshot(page, info, '23-staff')
  await page.locator('[data-test=staff-drawer] .el-drawer__close-btn').click()
  await screenshot(page, info, '24-merchants')
})

test('the union creates two coupons in yuan and grants the cake coupon to the second shop', async ({}, info) => {
  await menu(page, '优惠券管理')
  const today = todayInBeijing()
  const until = beijing(30 * 24 * HOUR).slice(0, 10)
  for (const [title, name, amount, quantity] of [
    [CAKE, '双层水果蛋糕', '88.8', '10'],
    [DRINK, '鲜榨果汁', '25.50', '10'],
  ]) {
    await page.locator('[data-test=create-coupon]').click()
    const d = dialog(page, '新增优惠券')
    await pick(formItem(d, '商家'), SHOP_A)
    await field(d, '标题').fill(title)
    await field(d, '名称').fill(name)
    await field(d, '金额（元）').fill('12.345')
    await field(d, '标题').click()
    await expect(formItem(d, '金额（元）')).toContainText('金额最多两位小数')
    await field(d, '金额（元）').fill(amount)
    await field(d, '数量').fill(quantity)
    await fillRange(d, '有效期', `${today} 00:00:00`, `${until} 23:59:59`)
    await field(d, '使用条件').fill('到店出示券码，每券限用一次')
    if (title === CAKE) await screenshot(page, info, '25-coupon-form')
    await d.getByRole('button', { name: '保存' }).click()
    // The first coupon's message may still be showing: look at the newest one.
    await expect(page.getByText('优惠券已新增，开启后才能加入活动奖品').last()).toBeVisible()
    // New coupons start closed (关闭).
    await expect(row(page, title)).toContainText('关闭')
    await row(page, title).getByRole('button', { name: '开启' }).click()
    await confirmBox(page, '开启')
    await expect(row(page, title)).toContainText('开启')
  }
  await expect(row(page, CAKE)).toContainText('88.80')
  await expect(row(page, CAKE)).toContainText('10 / 10')
  await expect(row(page, DRINK)).toContainText('25.50')
  const stored = await union.get<{ items: { title: string; amount_fen: number }[] }>('/api/admin/coupons')
  expect(Object.fromEntries(stored.items.map((c) => [c.title, c.amount_fen]))).toEqual({ [CAKE]: 8880, [DRINK]: 2550 })

  await row(page, CAKE).getByRole('button', { name: '授权' }).click()
  const drawer = page.locator('[data-test=grants-drawer]')
  await expect(drawer.locator('[data-test=redeemers-summary]')).toHaveText(`可核销商家：${SHOP_A}`)
  await pick(drawer.locator('[data-test=grant-merchant]'), SHOP_B)
  await drawer.getByRole('button', { name: '授权', exact: true }).click()
  await expect(row(drawer, SHOP_B)).toBeVisible()
  await expect(drawer.locator('[data-test=redeemers-summary]')).toHaveText(`可核销商家：${SHOP_A}、${SHOP_B}`)
  await screenshot(page, info, '26-coupon-grants')
  await drawer.locator('.el-drawer__close-btn').click()
  await screenshot(page, info, '27-coupons')
})

test('the union writes an activity with two prizes and submits it for review', async ({}, info) => {
  await menu(page, '活动管理')
  await page.locator('[data-test=create-activity]').click()
  const d = page.locator('[data-test=activity-dialog]')
  await field(d, '活动标题').fill(ACTIVITY)
  await d.locator('[data-test="image-封面"] input[type=file]').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: PNG })
  await expect(d.locator('[data-test=image-preview]')).toHaveCount(1)
  // An activity must start in the future: in 40 seconds (the claims below wait for it).
  startsAt = Date.now() + 40_000
  const from = beijing(40_000)
  const to = `${beijing(3 * 24 * HOUR).slice(0, 10)} 23:59:59`
  await fillRange(d, '活动时间', from, to)
  const editor = d.locator('[data-test=rich-text] .ProseMirror')
  await editor.click()
  await page.keyboard.type('中秋佳节，工会为每位会员准备了蛋糕和饮品。')
  await page.keyboard.press('Enter')
  await d.getByRole('button', { name: '加粗' }).click()
  await page.keyboard.type('领取后请在有效期内到店使用。')
  await d.locator('[data-test=save-activity]').click()
  await expect(page.getByText('活动已保存为草稿，请添加奖品')).toBeVisible()

  for (const [coupon, quantity] of [
    [CAKE, '5'],
    [DRINK, '4'],
  ]) {
    await pick(d.locator('[data-test=prize-coupon]'), coupon)
    await expect(d.locator('[data-test=coupon-remaining]')).toHaveText('该券剩余 10 张可用')
    await d.locator('[data-test=prize-quantity] input').fill(quantity)
    await d.locator('[data-test=add-prize]').click()
    await expect(row(d.locator('[data-test=prizes-table]'), coupon)).toContainText(quantity)
  }
  // The coupons' remaining stock went down by what the prizes hold.
  await d.locator('[data-test=prize-coupon] .el-select__wrapper').click()
  await expect(page.locator('.el-select-dropdown:visible')).toContainText(`${CAKE}（¥88.80，剩余 5 张）`)
  await page.keyboard.press('Escape')
  await screenshot(page, info, '28-activity-form')
  await d.getByRole('button', { name: '关闭', exact: true }).click()

  const r = row(page, ACTIVITY)
  await expect(r.locator('[data-test=activity-status]')).toHaveText('草稿')
  await r.getByRole('button', { name: '提交审核' }).click()
  await confirmBox(page, '提交')
  await expect(r.locator('[data-test=activity-status]')).toHaveText('待审核')
  const list = await union.get<{ items: { id: number; title: string }[] }>('/api/admin/activities')
  activityId = list.items.find((a) => a.title === ACTIVITY)!.id
  await screenshot(page, info, '29-activities-submitted')
  await logOut(page)
})

test('the federation approves the activity in its review queue, seeing it beside the queue', async ({}, info) => {
  await logIn(page, 'admin', FED_PASSWORD)
  await menu(page, '活动审核')
  await row(page.locator('[data-test=review-queue]'), ACTIVITY).click()
  const view = page.locator('[data-test=activity-view]')
  await expect(view).toContainText(UNION)
  await expect(view.locator('[data-test=activity-prizes]')).toContainText(CAKE)
  await expect(view).toContainText('中秋佳节，工会为每位会员准备了蛋糕和饮品。')
  await expect(view.getByRole('tabpanel', { name: '活动信息' }).locator('strong', { hasText: '领取后请在有效期内到店使用。' })).toBeVisible()
  await page.locator('[data-test=reject]').click()
  await expect(page.getByText('驳回时请填写审核意见')).toBeVisible()
  await screenshot(page, info, '30-review')
  await page.locator('[data-test=review-form] textarea').fill('同意，注意做好宣传。')
  await page.locator('[data-test=approve]').click()
  await confirmBox(page, '通过')
  await expect(page.getByText(`已审核通过「${ACTIVITY}」`)).toBeVisible()
  await expect(page.locator('[data-test=review-queue]')).toContainText('没有待审核的活动')
  await logOut(page)
})

test('the union opens the activity and sees its trail and what members will see', async ({}, info) => {
  await logIn(page, UNION_ADMIN, UNION_PASSWORD)
  await menu(page, '活动管理')
  const r = row(page, ACTIVITY)
  await expect(r.locator('[data-test=activity-status]')).toHaveText('审核通过')
  await r.getByRole('button', { name: '开启' }).click()
  await confirmBox(page, '开启')
  await expect(page.getByText('活动已开启，会员可以领取了')).toBeVisible()
  await r.getByRole('button', { name: '查看' }).click()
  const view = page.locator('.el-drawer:visible [data-test=activity-view]')
  await view.getByRole('tab', { name: '处理轨迹' }).click()
  const trail = view.locator('[data-test=activity-trail]')
  await expect(trail).toContainText('提交')
  await expect(trail).toContainText('同意，注意做好宣传。')
  await expect(trail).toContainText('日照市总工会')
  await screenshot(page, info, '31-activity-trail')
  await view.getByRole('tab', { name: '会员端预览' }).click()
  const phone = view.locator('[data-test=phone-preview]')
  await expect(phone).toContainText('¥88.80')
  await expect(phone).toContainText('¥25.50')
  await expect(phone.locator('[data-test=image-preview]')).toBeVisible()
  const box = await phone.boundingBox()
  expect(box!.width).toBeGreaterThanOrEqual(375) // a phone's width, in its frame
  expect(box!.width).toBeLessThanOrEqual(400)
  await screenshot(page, info, '32-activity-preview')
  await page.locator('.el-drawer:visible .el-drawer__close-btn').click()
})

test('members claim through the app and the merchants redeem through the mini-program API', async () => {
  // Claims open when the activity starts (set 40 seconds after it was written).
  const early = startsAt + 1000 - Date.now()
  if (early > 0) await new Promise((ok) => setTimeout(ok, early))
  for (const m of members) {
    const member = await certifiedMember(api, union, suite.sms, m)
    vouchers.push(await claim(member, activityId))
  }
  expect(vouchers.map((v) => v.length)).toEqual([2, 2, 2])
  const shopA = await staffSession(api, SHOP_A_PHONE, passwords[SHOP_A_PHONE], 'ShopA2026ok')
  const shopB = await staffSession(api, SHOP_B_PHONE, passwords[SHOP_B_PHONE], 'ShopB2026ok')
  const clerk = await staffSession(api, CLERK_PHONE, passwords[CLERK_PHONE], 'Clerk2026ok')
  const of = (i: number, title: string) => vouchers[i].find((v) => v.coupon.title === title)!.code
  // The granted shop redeems a cake voucher; the drink coupon was not granted to it.
  await shopB.post('/api/merchant/redemptions', { code: of(0, CAKE) }, 201)
  await shopB.post('/api/merchant/redemptions', { code: of(0, DRINK) }, 403)
  await clerk.post('/api/merchant/redemptions', { code: of(0, DRINK) }, 201)
  await shopA.post('/api/merchant/redemptions', { code: of(1, CAKE) }, 201)
  await shopA.post('/api/merchant/redemptions', { code: of(1, CAKE) }, 409)
})

test('the activity list counts the claims and redemptions with a total row', async ({}, info) => {
  await menu(page, '首页')
  await menu(page, '活动管理')
  const r = row(page, ACTIVITY)
  await expect(r).toContainText('开启审核通过')
  const cells = r.locator('td')
  await expect(cells.nth(6)).toHaveText('3')
  await expect(cells.nth(7)).toHaveText('3')
  await expect(cells.nth(8)).toHaveText('3')
  const footer = page.locator('[data-test=activities-table] .el-table__footer')
  await expect(footer).toContainText('合计')
  await screenshot(page, info, '33-activities-totals')
})

test('the union generates the settlement report as a marked preview and downloads it', async ({}, info) => {
  await row(page, ACTIVITY).getByRole('button', { name: '结算报表' }).click()
  // The redemption window is still open: a formal report is refused, a preview is made.
  await page.locator('.el-message-box:visible').last().getByRole('button', { name: '生成正式报表' }).click()
  const refused = page.locator('.el-message', { hasText: '暂不能生成正式结算报表' })
  await expect(refused).toBeVisible()
  await expect(refused).toContainText('点“生成预览”')
  await expect(refused).not.toContainText('preview=true')
  await row(page, ACTIVITY).getByRole('button', { name: '结算报表' }).click()
  await page.locator('.el-message-box:visible').last().getByRole('button', { name: '生成预览' }).click()
  await expect(page).toHaveURL(/\/admin\/tasks/)
  const task = row(page, '结算报表')
  await expect(task.locator('[data-test=task-status]')).toHaveText('执行成功', { timeout: 60_000 })
  await screenshot(page, info, '34-tasks')
  const pending = page.waitForEvent('download')
  await task.locator('[data-test=download-result]').click()
  const file = await pending
  expect(file.suggestedFilename()).toMatch(/^预览-/)
  const book = await readWorkbook(readFileSync(await file.path()))
  expect(book.sheets).toEqual(['领取明细表', '结算汇总'])
  const text = book.rows.map((r) => r.join(' ')).join('\n')
  expect(text).toContain('预览（核销期未结束，数据可能变化）')
  expect(text).toContain(SHOP_B)
  expect(text).toContain(members[0].name)
})

test('the union drafts a statement for today and is told why it cannot be confirmed yet', async ({}, info) => {
  await menu(page, '结算管理')
  await page.locator('[data-test=create-statement]').click()
  const d = dialog(page, '新建结算单')
  await pick(formItem(d, '商家'), SHOP_A)
  const today = todayInBeijing()
  await fillRange(d, '结算期间', today, today)
  await d.getByRole('button', { name: '创建草稿' }).click()
  const drawer = page.locator('[data-test=statement-drawer]')
  const figures = drawer.locator('[data-test=statement-figures]')
  // Shop A redeemed a drink (by its clerk) and a cake: 25.50 + 88.80.
  await expect(figures).toContainText('2 张')
  await expect(figures).toContainText('114.30 元')
  await expect(drawer).toContainText('期间尚未结束')
  await drawer.locator('[data-test=confirm-statement]').click()
  await confirmBox(page, '确认结算')
  // (The confirmation box may still be fading out: the refusal is found by what it says.)
  const refusal = page.locator('.el-message-box', { hasText: '结算期间还没结束' })
  await expect(refusal).toContainText('结算期间还没结束')
  await expect(refusal).toContainText('期间的最后一天过完后才能确认')
  await screenshot(page, info, '35-statement-not-yet')
  await refusal.getByRole('button', { name: '知道了' }).click()
  await drawer.locator('.el-drawer__close-btn').click()
  await expect(row(page, SHOP_A).locator('[data-test=statement-status]')).toHaveText('草稿')
  await logOut(page)
})

test("the federation's dashboard shows the union's figures and draws them", async ({}, info) => {
  await logIn(page, 'admin', FED_PASSWORD)
  await menu(page, '统计看板')
  const table = page.locator('[data-test=stats-table]')
  await expect(row(table, UNION)).toContainText('3')
  await expect(row(table, UNION)).toContainText('203.10')
  await expect(page.locator('[data-test=dashboard-figures]')).toContainText('203.10')
  const option = async (test: string) =>
    page.locator(`[data-test=${test}]`).evaluate((el) => (el as HTMLElement & { chartOption: unknown }).chartOption) as Promise<{
      yAxis: { data: string[] }[]
      xAxis: { data: string[] }[]
      series: { name: string; data: number[] }[]
    }>
  const rate = await option('chart-rate')
  expect(rate.yAxis[0].data).toEqual([UNION])
  expect(rate.series[0].data).toEqual([100])
  const stacks = await option('chart-vouchers')
  expect(stacks.xAxis[0].data).toEqual([UNION])
  expect(Object.fromEntries(stacks.series.map((s) => [s.name, s.data]))).toEqual({ 已核销: [3], 已过期: [0], 未使用: [3] })
  // Today's redemptions of the open activity (25.50 + 88.80 + 88.80) end the daily line.
  await expect(page.locator('[data-test=daily-total]')).toContainText('共核销 3 张，合计 203.10 元')
  const daily = await option('chart-daily')
  expect(daily.xAxis[0].data).toHaveLength(30)
  expect(daily.xAxis[0].data.at(-1)).toBe(todayInBeijing())
  expect(daily.series[0].data.at(-1)).toBe(203.1)
  await page.locator('[data-test=daily-card]').scrollIntoViewIfNeeded()
  await screenshot(page, info, '36-dashboard-daily')
  await screenshot(page, info, '36-dashboard')
  await page.screenshot({ path: info.outputPath('dashboard-full.png'), fullPage: true })
  const pending = page.waitForEvent('download')
  await page.locator('[data-test=export-dashboard]').click()
  const book = await readWorkbook(readFileSync(await (await pending).path()))
  expect(book.rows.map((r) => r.join(' ')).join('\n')).toContain(UNION)
})

test('a day later the union confirms the statement, filters and exports it', async ({ browser }, info) => {
  // The period (today) is over once the server's clock has moved on a day.
  const dataDir = suite.server.dataDir
  await suite.server.stop({ keepData: true })
  suite.server = await startServer(suite.sms, { dataDir, clockOffsetDays: 1 })
  let context: BrowserContext | undefined
  try {
    context = await browser.newContext({ baseURL: suite.server.baseURL })
    page = await context.newPage()
    await logIn(page, UNION_ADMIN, UNION_PASSWORD)
    await menu(page, '结算管理')
    await row(page, SHOP_A).getByRole('button', { name: '查看' }).click()
    const drawer = page.locator('[data-test=statement-drawer]')
    await drawer.locator('[data-test=confirm-statement]').click()
    await confirmBox(page, '确认结算')
    await expect(page.getByText('结算单已确认')).toBeVisible()
    await expect(drawer).toContainText('数字不再变化')
    await expect(drawer.locator('[data-test=statement-figures]')).toContainText('114.30 元')
    await screenshot(page, info, '37-statement-confirmed')
    const pending = page.waitForEvent('download')
    await drawer.locator('[data-test=export-statement]').click()
    const book = await readWorkbook(readFileSync(await (await pending).path()))
    expect(book.sheets).toEqual(['结算单', '结算明细'])
    expect(book.rows.map((r) => r.join(' ')).join('\n')).toContain(DRINK)
    await drawer.locator('.el-drawer__close-btn').click()
    await pick(page.locator('[data-test=statement-status-filter]'), '草稿')
    await page.getByRole('button', { name: '查询' }).click()
    await expect(page.locator('[data-test=statements-table]')).toContainText('暂无结算单')
    await pick(page.locator('[data-test=statement-status-filter]'), '已确认')
    await page.getByRole('button', { name: '查询' }).click()
    await expect(row(page, SHOP_A).locator('[data-test=statement-status]')).toHaveText('已确认')
    await screenshot(page, info, '38-statements')

    await menu(page, '审计日志')
    await pick(page.locator('[data-test=audit-action]'), '结算确认')
    await page.getByRole('button', { name: '查询' }).click()
    const entry = row(page.locator('[data-test=audit-table]'), '结算确认')
    await expect(entry).toContainText(UNION_ADMIN)
    await expect(entry).toContainText(UNION)
    await screenshot(page, info, '39-audit-log')
    // The federation approved the activity: its entry is the city's, not the union's to see.
    await pick(page.locator('[data-test=audit-action]'), '活动审核通过')
    await page.getByRole('button', { name: '查询' }).click()
    await expect(page.locator('[data-test=audit-table]')).toContainText('没有符合条件的记录')
  } finally {
    await context?.close()
  }
})

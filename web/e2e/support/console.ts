// Logging in and out and moving between pages, as a clerk does.
import { expect, type Page } from '@playwright/test'
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

import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '../stores/session'
import AdminLayout from '../layouts/AdminLayout.vue'

/** The side menu is built from these: each page's title and icon live here. */
export const pages: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('../views/home/HomePage.vue'), meta: { title: '首页', icon: 'HomeFilled' } },
  { path: 'org', name: 'org', component: () => import('../views/org/OrgPage.vue'), meta: { title: '工会信息', icon: 'OfficeBuilding' } },
  { path: 'units', name: 'units', component: () => import('../views/units/UnitsPage.vue'), meta: { title: '单位管理', icon: 'School' } },
  { path: 'members', name: 'members', component: () => import('../views/members/MembersPage.vue'), meta: { title: '会员管理', icon: 'User' } },
  { path: 'imports', name: 'imports', component: () => import('../views/imports/ImportsPage.vue'), meta: { title: '会员导入', icon: 'Upload' } },
  { path: 'transfers', name: 'transfers', component: () => import('../views/transfers/TransferRequestsPage.vue'), meta: { title: '转会申请', icon: 'Switch' } },
  { path: 'certifications', name: 'certifications', component: () => import('../views/certifications/CertificationsPage.vue'), meta: { title: '认证审核', icon: 'Stamp' } },
  { path: 'reconciliation', name: 'reconciliation', component: () => import('../views/reconciliation/ReconciliationPage.vue'), meta: { title: '数据比对', icon: 'DataAnalysis' } },
  { path: 'merchants', name: 'merchants', component: () => import('../views/merchants/MerchantsPage.vue'), meta: { title: '商户管理', icon: 'Shop' } },
  { path: 'coupons', name: 'coupons', component: () => import('../views/coupons/CouponsPage.vue'), meta: { title: '优惠券管理', icon: 'Ticket' } },
  { path: 'activities', name: 'activities', component: () => import('../views/activities/ActivitiesPage.vue'), meta: { title: '活动管理', icon: 'Present' } },
  { path: 'reviews', name: 'reviews', component: () => import('../views/reviews/ReviewsPage.vue'), meta: { title: '活动审核', icon: 'Checked' } },
  { path: 'settlement', name: 'settlement', component: () => import('../views/settlement/StatementsPage.vue'), meta: { title: '结算管理', icon: 'Wallet' } },
  { path: 'dashboard', name: 'dashboard', component: () => import('../views/dashboard/DashboardPage.vue'), meta: { title: '统计看板', icon: 'PieChart' } },
  { path: 'tasks', name: 'tasks', component: () => import('../views/tasks/TasksPage.vue'), meta: { title: '任务中心', icon: 'List' } },
  { path: 'audit-log', name: 'audit-log', component: () => import('../views/audit/AuditLogPage.vue'), meta: { title: '审计日志', icon: 'Document' } },
]

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('../views/_core/LoginPage.vue'), meta: { public: true, title: '登录' } },
  { path: '/change-password', name: 'change-password', component: () => import('../views/_core/ChangePasswordPage.vue'), meta: { title: '修改密码' } },
  { path: '/', component: AdminLayout, children: pages },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('../views/_core/NotFoundPage.vue'), meta: { public: true, title: '页面不存在' } },
]

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes,
})

router.beforeEach((to) => {
  const session = useSession()
  if (to.meta.public) {
    if (to.name === 'login' && session.loggedIn) return { name: session.mustChangePassword ? 'change-password' : 'home' }
    return true
  }
  if (!session.loggedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (session.mustChangePassword && to.name !== 'change-password') return { name: 'change-password', query: to.query }
  return true
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) ?? ''} · 工会福利发放系统`
})

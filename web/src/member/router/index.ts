import { createRouter, createWebHistory } from 'vue-router'
import { loggedIn } from '@member/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without logging in. */
    public?: boolean
    /** The page title in the nav bar and the browser tab. */
    title?: string
    /** Shown with the bottom tab bar. */
    tab?: boolean
  }
}

export const router = createRouter({
  history: createWebHistory('/m/'),
  routes: [
    { path: '/', redirect: { name: 'activities' } },
    {
      path: '/login',
      name: 'login',
      component: () => import('@member/views/_core/LoginPage.vue'),
      meta: { public: true, title: '登录' },
    },
    {
      path: '/register',
      name: 'register',
      component: () => import('@member/views/_core/RegisterPage.vue'),
      meta: { public: true, title: '注册' },
    },
    {
      path: '/reset-password',
      name: 'reset-password',
      component: () => import('@member/views/_core/ResetPasswordPage.vue'),
      meta: { public: true, title: '找回密码' },
    },
    {
      path: '/agreement',
      name: 'agreement',
      component: () => import('@member/views/_core/AgreementPage.vue'),
      meta: { public: true, title: '用户协议' },
    },
    {
      path: '/activities',
      name: 'activities',
      component: () => import('@member/views/activities/ActivityListPage.vue'),
      meta: { title: '普惠活动', tab: true },
    },
    {
      path: '/activities/:id',
      name: 'activity',
      component: () => import('@member/views/activities/ActivityPage.vue'),
      meta: { title: '活动详情' },
    },
    {
      path: '/vouchers',
      name: 'vouchers',
      component: () => import('@member/views/vouchers/VoucherListPage.vue'),
      meta: { title: '我的卡券', tab: true },
    },
    {
      path: '/vouchers/:id',
      name: 'voucher',
      component: () => import('@member/views/vouchers/VoucherPage.vue'),
      meta: { title: '卡券详情' },
    },
    {
      path: '/me',
      name: 'me',
      component: () => import('@member/views/me/MePage.vue'),
      meta: { title: '我的', tab: true },
    },
    {
      path: '/certification',
      name: 'certification',
      component: () => import('@member/views/me/CertificationPage.vue'),
      meta: { title: '实名认证' },
    },
    {
      path: '/:rest(.*)*',
      name: 'not-found',
      component: () => import('@member/views/_core/NotFoundPage.vue'),
      meta: { public: true, title: '页面不存在' },
    },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !loggedIn()) return { name: 'login', query: { redirect: to.fullPath } }
  if (loggedIn() && (to.name === 'login' || to.name === 'register')) return { name: 'activities' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 工会福利` : '工会福利'
})

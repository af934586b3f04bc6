import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// One Vite project, one app per audience. Each app has its own root (its index.html),
// its base path on the `api` server and its folder in dist/, all embedded in the binary:
//   admin  → src/admin  → /admin/ → dist/admin
//   member → src/member → /m/     → dist/m (the member H5)
// `vite build --mode <app>` builds one; `vite --mode <app>` serves one in development.
const apps = {
  admin: { root: 'src/admin', base: '/admin/', outDir: 'dist/admin' },
  member: { root: 'src/member', base: '/m/', outDir: 'dist/m' },
} as const

type AppName = keyof typeof apps

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig(({ mode }) => {
  const app = apps[(mode in apps ? mode : 'admin') as AppName]
  // The api server for `npm run dev` (cargo run -p api listens on 8080 by default).
  const apiTarget = process.env.API_URL ?? 'http://127.0.0.1:8080'
  return {
    root: here(app.root),
    base: app.base,
    plugins: [vue()],
    resolve: {
      alias: {
        '@shared': here('src/shared'),
        '@admin': here('src/admin'),
        '@member': here('src/member'),
      },
    },
    build: {
      outDir: here(app.outDir),
      emptyOutDir: true,
      // Element Plus alone is ~1 MB minified; the console is used from desks, not phones.
      chunkSizeWarningLimit: 1600,
    },
    server: {
      proxy: {
        '/api': apiTarget,
        '/health': apiTarget,
      },
    },
    test: {
      root: here('.'),
      include: ['src/**/*.test.ts'],
      environment: 'node',
    },
  }
})

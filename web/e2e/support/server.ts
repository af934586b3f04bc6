// The real `api` binary in embedded mode on a random port with a fresh data directory,
// and a stub SMS gateway that records the codes the server sends.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface SmsMessage {
  phone: string
  purpose: string
  code: string
}

/** A stand-in for the SMS provider: answers 200 and keeps every message. */
export class SmsGateway {
  readonly messages: SmsMessage[] = []
  private server?: Server
  url = ''

  async start() {
    this.server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        try {
          this.messages.push(JSON.parse(body) as SmsMessage)
        } catch {
          /* a malformed body is simply not recorded */
        }
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end('{"ok":true}')
      })
    })
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/send`
  }

  /** The latest code sent to `phone` for `purpose`. */
  codeFor(phone: string, purpose: string): string {
    const m = [...this.messages].reverse().find((x) => x.phone === phone && x.purpose === purpose)
    if (!m) throw new Error(`no SMS code was sent to ${phone} for ${purpose}`)
    return m.code
  }

  stop() {
    this.server?.close()
  }
}

export interface RunningServer {
  baseURL: string
  dataDir: string
  /** The bootstrap admin's initial password. */
  bootstrapPassword(): string
  /** Stops the server; its data directory is deleted unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>
}

const repo = fileURLToPath(new URL('../../..', import.meta.url))

export interface ServerOptions {
  /** Start on this data directory (a server stopped with `keepData`) instead of a fresh one. */
  dataDir?: string
  /** Run the server's clock this many days ahead (`--clock-offset-days`). */
  clockOffsetDays?: number
}

/** Starts `api` (API_BIN, default target/debug/api) and waits for its "listening" line. */
export async function startServer(sms: SmsGateway, options: ServerOptions = {}): Promise<RunningServer> {
  const bin = process.env.API_BIN ? resolve(process.env.API_BIN) : join(repo, 'target/debug/api')
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`cargo build -p api\` first (or set API_BIN)`)
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gonghui-e2e-'))
  const args = options.clockOffsetDays ? ['--clock-offset-days', String(options.clockOffsetDays)] : []
  const child: ChildProcess = spawn(bin, args, {
    env: {
      PATH: process.env.PATH ?? '',
      APP_ADDR: '127.0.0.1:0',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite://${join(dataDir, 'gonghui.db')}?mode=rwc`,
      SMS_GATEWAY_URL: sms.url,
      RUST_LOG: 'info',
      LOG_FORMAT: 'text',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`api did not start within 60 s:\n${log}`)), 60_000)
    const onData = (chunk: Buffer) => {
      log += chunk.toString()
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
      if (m) {
        clearTimeout(timer)
        ok(Number(m[1]))
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`api exited with ${code}:\n${log}`))
    })
  })
  child.removeAllListeners('exit')
  return {
    baseURL: `http://127.0.0.1:${port}`,
    dataDir,
    bootstrapPassword() {
      // The server writes the bootstrap admin's one-time password here at its first start.
      const file = join(dataDir, 'initial-admin-password')
      if (!existsSync(file)) throw new Error(`the server wrote no ${file}`)
      return readFileSync(file, 'utf8').trim()
    },
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((ok) => setTimeout(ok, 15_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, NETWORK_MESSAGE, SERVER_MESSAGE, errorFromResponse, messageOf } from './errors'
import { call, client, configureSession } from './client'
import { fileNameOf } from './transfer'

describe('errors from answers', () => {
  it('shows the API message as it is for a 4xx', () => {
    const e = errorFromResponse(409, { code: 'UNIT_IN_USE', message: '该单位下还有会员，不能删除' })
    expect(e).toBeInstanceOf(ApiError)
    expect(e.message).toBe('该单位下还有会员，不能删除')
    expect(e.code).toBe('UNIT_IN_USE')
  })

  it('replaces a 5xx message by the fixed friendly one', () => {
    expect(errorFromResponse(500, { code: 'INTERNAL_ERROR', message: 'db timeout at pool.rs:12' }).message).toBe(SERVER_MESSAGE)
    expect(errorFromResponse(502, undefined).message).toBe(SERVER_MESSAGE)
  })

  it('says something sensible for a 4xx without the API body', () => {
    expect(errorFromResponse(404, '<html>').message).toBe('请求失败（404），请稍后重试')
  })

  it('turns anything thrown into a message to show', () => {
    expect(messageOf(new TypeError('Failed to fetch'))).toBe(SERVER_MESSAGE)
    expect(messageOf(new ApiError(400, 'VALIDATION', '姓名不能为空'))).toBe('姓名不能为空')
  })

  it('reads the file name of a download', () => {
    expect(fileNameOf(`attachment; filename="a.xlsx"; filename*=UTF-8''%E6%95%B0%E6%8D%AE%E6%AF%94%E5%AF%B9.xlsx`, 'x')).toBe('数据比对.xlsx')
    expect(fileNameOf('attachment; filename="result.xlsx"', 'x')).toBe('result.xlsx')
    expect(fileNameOf(null, 'fallback.xlsx')).toBe('fallback.xlsx')
  })
})

describe('the client', () => {
  afterEach(() => vi.unstubAllGlobals())

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

  it('sends the session token and returns the data', async () => {
    const fetch = vi.fn(async (req: Request) => {
      expect(req.headers.get('Authorization')).toBe('Bearer t-1')
      return json(200, { id: 1, name: '日照市总工会' })
    })
    vi.stubGlobal('fetch', fetch)
    configureSession({ token: () => 't-1', onSessionExpired: () => {} })
    await expect(call(client.GET('/api/admin/org'))).resolves.toMatchObject({ name: '日照市总工会' })
  })

  it('ends the session on a 401 UNAUTHORIZED but not on wrong credentials', async () => {
    const expired = vi.fn()
    configureSession({ token: () => 't-1', onSessionExpired: expired })
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { code: 'UNAUTHORIZED', message: '请先登录（令牌无效或已过期）' })))
    await expect(call(client.GET('/api/admin/org'))).rejects.toMatchObject({ status: 401, message: '请先登录（令牌无效或已过期）' })
    expect(expired).toHaveBeenCalledTimes(1)
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { code: 'INVALID_CREDENTIALS', message: '账号或密码错误' })))
    await expect(call(client.POST('/api/admin/login', { body: { username: 'a', password: 'b' } }))).rejects.toMatchObject({ message: '账号或密码错误' })
    expect(expired).toHaveBeenCalledTimes(1)
  })

  it('asks for the password change when the API requires it', async () => {
    const change = vi.fn()
    configureSession({ token: () => 't', onSessionExpired: () => {}, onPasswordChangeRequired: change })
    vi.stubGlobal('fetch', vi.fn(async () => json(403, { code: 'PASSWORD_CHANGE_REQUIRED', message: '首次登录请先修改初始密码' })))
    await expect(call(client.GET('/api/admin/org'))).rejects.toMatchObject({ code: 'PASSWORD_CHANGE_REQUIRED' })
    expect(change).toHaveBeenCalledOnce()
  })

  it('shows a network failure and a server fault as fixed sentences', async () => {
    configureSession({ token: () => null, onSessionExpired: () => {} })
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    await expect(call(client.GET('/api/admin/org'))).rejects.toMatchObject({ code: 'NETWORK', message: NETWORK_MESSAGE })
    vi.stubGlobal('fetch', vi.fn(async () => json(500, { code: 'INTERNAL_ERROR', message: '服务器内部错误，请稍后重试' })))
    await expect(call(client.GET('/api/admin/org'))).rejects.toMatchObject({ status: 500, message: SERVER_MESSAGE })
  })
})

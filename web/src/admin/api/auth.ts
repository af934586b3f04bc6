import { call, client } from '@shared/api/client'

export const login = (username: string, password: string) =>
  call(client.POST('/api/admin/login', { body: { username, password } }))

export const changePassword = (old_password: string, new_password: string) =>
  call(client.POST('/api/admin/password', { body: { old_password, new_password } }))

export const logout = () => call(client.POST('/api/admin/logout'))

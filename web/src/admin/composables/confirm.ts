// The confirmation before every destructive or final action: true when the admin agreed.
import { ElMessageBox } from 'element-plus'

export async function confirmed(
  message: string,
  title: string,
  button: string,
  type: 'warning' | 'info' = 'warning',
): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { type, confirmButtonText: button, cancelButtonText: '取消' })
    return true
  } catch {
    return false
  }
}

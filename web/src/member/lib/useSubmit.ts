// A form's (or a page's loading) state: the message to show and whether it is busy.
// `run` first checks the form (a message means "do not send"), then sends; what the API
// refuses is shown in its own words unless `onError` takes it (answers true).
import { ref } from 'vue'
import { messageOf } from '@shared/api/errors'

export function useSubmit() {
  const error = ref('')
  const busy = ref(false)

  async function run(check: () => string | null, send: () => Promise<void>, onError?: (e: unknown) => boolean) {
    error.value = ''
    const bad = check()
    if (bad) {
      error.value = bad
      return
    }
    busy.value = true
    try {
      await send()
    } catch (e) {
      if (!onError?.(e)) error.value = messageOf(e)
    } finally {
      busy.value = false
    }
  }

  return { error, busy, run }
}

// One thing a drawer or panel loads (not a paged list): the value, loading and error states.
import { ref, shallowRef } from 'vue'
import { messageOf } from '@shared/api/errors'

export function useLoaded<T>(fetch: () => Promise<T>, initial: T) {
  const value = shallowRef<T>(initial)
  const loading = ref(false)
  const error = ref<string | null>(null)

  async function load() {
    loading.value = true
    error.value = null
    try {
      value.value = await fetch()
    } catch (e) {
      error.value = messageOf(e)
    } finally {
      loading.value = false
    }
  }

  return { value, loading, error, load }
}

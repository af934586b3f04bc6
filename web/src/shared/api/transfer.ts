// Downloads and uploads: files need more than JSON calls (a Blob with its file name; an
// upload's progress, which fetch cannot report).
import { authHeader, failure } from './client'
import { ApiError, errorFromResponse, networkError } from './errors'

/** The file name of a `Content-Disposition` header (RFC 5987 `filename*` first). */
export function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition)
  return plain ? plain[1].trim() : fallback
}

/** GETs a file with the session's token and hands it to the browser as a download. */
export async function download(path: string, fallbackName: string): Promise<string> {
  let response: Response
  try {
    response = await fetch(path, { headers: authHeader() })
  } catch {
    throw networkError()
  }
  if (!response.ok) throw await failure(response)
  const name = fileNameOf(response.headers.get('Content-Disposition'), fallbackName)
  const blob = await response.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return name
}

/** POSTs `file` as multipart field `file`, reporting progress (0–100). */
export function upload<T>(path: string, file: File, onProgress: (percent: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    for (const [k, v] of Object.entries(authHeader())) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    xhr.onerror = () => reject(networkError())
    xhr.onload = () => {
      let body: unknown
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        body = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100)
        resolve(body as T)
        return
      }
      // Through `failure` so a 401 ends the session like any other call.
      const response = new Response(xhr.responseText || null, { status: xhr.status })
      failure(response).then(reject, () => reject(errorFromResponse(xhr.status, body)))
    }
    const form = new FormData()
    form.append('file', file)
    xhr.send(form)
  })
}

export { ApiError }

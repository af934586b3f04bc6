import { upload } from '@shared/api/transfer'
import type { StoredFile } from '@shared/api/types'

/** Uploads an image (licence, logo, cover): PNG, JPEG or WebP, at most 2 MB. */
export const uploadImage = (file: File, onProgress: (p: number) => void = () => {}) =>
  upload<StoredFile>('/api/admin/files', file, onProgress)

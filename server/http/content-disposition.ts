/** Content-Disposition for a download (RFC 6266 / 5987): an ASCII fallback and the UTF-8 name (Korean names). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

// One Content-Security-Policy for both shells. No inline or remote script, no eval; styles allow inline because
// React sets style attributes (react-data-grid sizes its cells that way); images from data:/blob: for barcodes and
// chart exports; connections only to our own origin (the browser shell's /rpc, /events, /files).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

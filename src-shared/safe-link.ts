// Which addresses from the network may be opened as links: http and https only (never javascript:,
// data:, file:, mailto: or an app's own scheme), with a host, and without credentials
// ("https://bank.example@evil.example/" only serves to mislead). One rule for the window's links
// and for the desktop shell, which checks again before it opens anything outside.

const ALLOWED_SCHEMES = new Set(['http:', 'https:']);

/** The normalised address to open, or null when `url` may not be opened. */
export function safeLink(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol) || parsed.hostname === '') return null;
  if (parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}

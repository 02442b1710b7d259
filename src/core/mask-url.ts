/**
 * Masks the passwords of connection URLs, S3 endpoints or `user:password@host` DSNs in a text for
 * messages: mysql://u:***@h. In each URL everything from the first `:` after `//` (or the start of
 * the text, without one) to its LAST `@` is masked, as a URL parser splits the user info at the last
 * `@`: a password holding `@`, `/`, spaces or `#` (written unencoded) never shows, and the text need
 * not be a valid URL. A URL runs to the next one (a `scheme://` at the start of a word); one with a
 * `:` but no `@` runs on into the next, so a password that itself holds ` x://` is masked too.
 * Masking too much (a port's `:` and a later `@`) hides only non-secrets.
 */
export function maskUrl(text: string): string {
  const starts = [...text.matchAll(/(?<=^|[\s'"(<[])[a-z][a-z0-9+.-]*:\/\//gi)].map((m) => m.index);
  if (starts[0] !== 0) starts.unshift(0);
  let out = '';
  let from = 0;
  for (let i = 1; i <= starts.length; i++) {
    const to = i < starts.length ? starts[i]! : text.length;
    const masked = maskOne(text.slice(from, to));
    if (masked === undefined && i < starts.length) continue; // a `:` without its `@` yet: run on
    out += masked ?? text.slice(from, to);
    from = to;
  }
  return out;
}

/** The one URL masked; undefined when it has a `:` after `//` but no `@` after that (maybe a password not ended). */
function maskOne(url: string): string | undefined {
  const slashes = url.indexOf('//');
  const start = slashes < 0 ? 0 : slashes + 2;
  const colon = url.indexOf(':', start);
  if (colon < 0) return url;
  const at = url.lastIndexOf('@');
  if (at <= colon) return slashes < 0 ? url : undefined;
  return `${url.slice(0, colon + 1)}***${url.slice(at)}`;
}

/**
 * `/`-separated path arithmetic without Node's `path` module, so the loaders that only name files
 * (and leave reading them to a {@link FolderIO} or {@link ModelFiles}) also run in browsers. On a
 * POSIX system the results equal `node:path`'s; Windows accepts `/` as well.
 */

/**
 * `parts` joined with `/` and normalised (`.` segments and empty segments dropped, `..` folded), as
 * `path.posix.join` does; a first part that starts with a URL's `scheme://host` keeps it.
 *
 * @example
 * ```ts
 * joinPath('models/a/', './config.json'); // 'models/a/config.json'
 * joinPath('https://example.com/m', 'config.json'); // 'https://example.com/m/config.json'
 * ```
 */
export function joinPath(...parts: string[]): string {
  const origin = /^[a-z][a-z\d+.-]+:\/\/[^/]*/i.exec(parts[0] ?? '')?.[0];
  if (origin) return origin + joinPath(`/${parts[0].slice(origin.length)}`, ...parts.slice(1));
  const joined = parts.filter((p) => p !== '').join('/');
  if (joined === '') return '.';
  const absolute = joined.startsWith('/');
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (seg !== '..' || !absolute) out.push(seg);
  }
  const body = out.join('/') || (absolute ? '' : '.');
  return (absolute ? '/' : '') + body + (joined.endsWith('/') && body !== '' ? '/' : '');
}

/**
 * The folder part of `path` (`.` when there is none), as `path.posix.dirname` does.
 *
 * @example
 * ```ts
 * dirName('models/stories260K.bin'); // 'models'
 * ```
 */
export function dirName(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  // The slash before the last segment, trailing slashes skipped.
  let end = -1;
  let inTrailingSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== '/') inTrailingSlashes = false;
    else if (!inTrailingSlashes) {
      end = i;
      break;
    }
  }
  if (end === -1) return rooted ? '/' : '.';
  if (rooted && end === 1) return '//';
  return path.slice(0, end);
}

/**
 * The last segment of `path`, as `path.posix.basename` does.
 *
 * @example
 * ```ts
 * baseName('ckpt/model.safetensors.index.json'); // 'model.safetensors.index.json'
 * ```
 */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * A `file:` URL as a local path (percent-decoded; `C:\…` for a Windows drive), as Node's
 * `fileURLToPath` gives; any other URL (a bundle served over `http:`) as its `href`, which no file
 * system will open but which names the asset.
 *
 * @example
 * ```ts
 * fileUrlPath(new URL('../assets/x.bin', import.meta.url)); // '/…/assets/x.bin' in Node
 * ```
 */
export function fileUrlPath(url: URL): string {
  if (url.protocol !== 'file:') return url.href;
  const path = decodeURIComponent(url.pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1).replace(/\//g, '\\') : path;
}

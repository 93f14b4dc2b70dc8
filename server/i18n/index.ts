// The server's message catalogue (ko default, en). Templates take {{name}} placeholders; {{name|ns}} looks the
// value up under the `ns` key first (e.g. {{type|reasonType}} renders reasonType.CANCEL in the locale).
import en from './en.json' with { type: 'json' };
import ko from './ko.json' with { type: 'json' };

export const LOCALES = ['ko', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ko';

type Catalogue = { [key: string]: string | Catalogue };
const catalogues: Record<Locale, Catalogue> = { ko, en };

function lookup(cat: Catalogue, key: string): string | undefined {
  let node: string | Catalogue | undefined = cat;
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

export function t(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  const template = lookup(catalogues[locale], key) ?? lookup(catalogues[DEFAULT_LOCALE], key) ?? key;
  return template.replace(/\{\{(\w+)(?:\|(\w+))?\}\}/g, (_, name: string, ns: string | undefined) => {
    const value = params[name];
    if (value === undefined) return '';
    if (ns) return lookup(catalogues[locale], `${ns}.${value}`) ?? String(value);
    return String(value);
  });
}

/** The first supported language of an Accept-Language header, by its q values. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((r) => r.trim()).find((r) => r.startsWith('q='));
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((x) => x.lang && !Number.isNaN(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((x) => x.lang).find(isLocale);
}

// The reader's language for every page module: translated strings from Django's JavaScript catalogue (the
// /jsi18n/ script, which base.html loads before any module) and numbers, dates and times in the reader's locale.
// Mark every text a person reads with gettext / ngettext / pgettext, so `makemessages -d djangojs` finds it
// (docs/i18n.md); placeholders are named, "%(name)s", because word order differs between languages.

const catalog = globalThis.django || {};

/** The translation of `message` (the message itself until the catalogue has one). */
export const gettext = catalog.gettext || ((message) => message);

/** The singular or plural form for `count`, by the reader's language's own plural rule. */
export const ngettext = catalog.ngettext || ((singular, plural, count) => (count === 1 ? singular : plural));

/** gettext with a context, for a word that translates differently by where it stands ("Paused" on a badge). */
export const pgettext = catalog.pgettext || ((context, message) => message);

/** "%(name)s" placeholders filled from `values`: format(gettext("Hello %(name)s"), {name}). */
export function format(message, values = {}) {
  return message.replace(/%\((\w+)\)s/g, (match, key) => (key in values ? String(values[key]) : match));
}

/** The page's language (<html lang>, set by the server from the reader's choice), e.g. "hi". */
export const LANGUAGE = document.documentElement.lang || "en";

/**
 * The locale to format numbers, dates and times in: the page's language, in the reader's regional variant
 * when their browser asks for one of it ("en-IN" for an English page read in India), else the language itself.
 */
export const LOCALE = (() => {
  const prefix = `${LANGUAGE.toLowerCase()}-`;
  const variant = (navigator.languages || []).find((tag) => tag.toLowerCase().startsWith(prefix));
  try {
    return Intl.getCanonicalLocales(variant || LANGUAGE)[0];
  } catch {
    return LANGUAGE;
  }
})();

/** A number in the reader's locale ("1,234.5"; Devanagari digits where the locale writes them). */
export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(LOCALE, options).format(value);
}

/** The user-perceived characters (grapheme clusters) of a text: an emoji with its skin tone, a letter with
 * its accents and a Devanagari conjunct each count as one, and are never cut apart. */
export function graphemes(text) {
  const value = String(text ?? "");
  if (typeof Intl.Segmenter !== "function") return Array.from(value);
  return Array.from(new Intl.Segmenter(LOCALE, { granularity: "grapheme" }).segment(value), (part) => part.segment);
}

/** The longest start of `text` of whole characters (graphemes) that has at most `maxCodePoints` code points
 * (what the server counts when it limits a text). */
export function clipText(text, maxCodePoints) {
  let kept = "";
  let count = 0;
  for (const part of graphemes(text)) {
    const size = Array.from(part).length;
    if (count + size > maxCodePoints) break;
    kept += part;
    count += size;
  }
  return kept;
}

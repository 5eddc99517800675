// Parsing of the MIME content fields of one part header (RFC 2045, 2183,
// 3066, 2557) into the MimePart shape. Never throws: a field that cannot be
// parsed is treated as absent.
import libmime from 'libmime';
import type { HeaderField } from './header-block.ts';
import { fieldValue, firstField } from './header-block.ts';

export interface ContentFields {
  type: string;
  subtype: string;
  params: [string, string][];
  /** false when Content-Type was absent or unusable and the default applies */
  typeGiven: boolean;
  id: string | null;
  description: string | null;
  encoding: string | null;
  md5: string | null;
  disposition: { type: string; params: [string, string][] } | null;
  language: string[] | null;
  location: string | null;
}

/** Splits "value; a=b; c*=utf-8''..." into the value and decoded params (RFC 2045 §5.1, RFC 2231). */
export function parseStructured(value: string): { value: string; params: [string, string][] } {
  try {
    const parsed = libmime.parseHeaderValue(value);
    const params: [string, string][] = [];
    for (const [name, v] of Object.entries(parsed.params)) {
      if (name !== '' && typeof v === 'string') params.push([name.toLowerCase(), v]);
    }
    return { value: typeof parsed.value === 'string' ? parsed.value.trim() : '', params };
  } catch {
    return { value: value.split(';')[0].trim(), params: [] };
  }
}

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

function optional(raw: Buffer, fields: HeaderField[], name: string): string | null {
  const f = firstField(fields, name);
  if (!f) return null;
  const v = fieldValue(raw, f);
  return v === '' ? null : v;
}

/**
 * Content fields of a part. Without Content-Type the type is text/plain, or message/rfc822
 * when `digestChild`
 * (a part of multipart/digest, RFC 2046 §5.1.5).
 */
export function readContentFields(raw: Buffer, fields: HeaderField[], digestChild: boolean): ContentFields {
  let type = digestChild ? 'message' : 'text';
  let subtype = digestChild ? 'rfc822' : 'plain';
  // RFC 2045 §5.2: the default is text/plain; charset=us-ascii.
  let params: [string, string][] = digestChild ? [] : [['charset', 'us-ascii']];
  let typeGiven = false;
  const ct = firstField(fields, 'content-type');
  if (ct) {
    const parsed = parseStructured(fieldValue(raw, ct));
    const slash = parsed.value.indexOf('/');
    const t = slash < 0 ? '' : parsed.value.slice(0, slash).trim().toLowerCase();
    const s = slash < 0 ? '' : parsed.value.slice(slash + 1).trim().toLowerCase();
    // RFC 2045 §5.2: a syntactically invalid Content-Type means the default.
    if (TOKEN.test(t) && TOKEN.test(s)) {
      type = t;
      subtype = s;
      params = parsed.params;
      typeGiven = true;
    }
  }
  let disposition: ContentFields['disposition'] = null;
  const cd = optional(raw, fields, 'content-disposition');
  if (cd !== null) {
    const parsed = parseStructured(cd);
    if (parsed.value !== '') disposition = { type: parsed.value.toLowerCase(), params: parsed.params };
  }
  const lang = optional(raw, fields, 'content-language');
  const language = lang === null ? null : lang.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const encoding = optional(raw, fields, 'content-transfer-encoding');
  return {
    type,
    subtype,
    params,
    typeGiven,
    id: optional(raw, fields, 'content-id'),
    description: optional(raw, fields, 'content-description'),
    encoding: encoding === null ? null : encoding.toLowerCase(),
    md5: optional(raw, fields, 'content-md5'),
    disposition,
    language: language === null || language.length === 0 ? null : language,
    location: optional(raw, fields, 'content-location'),
  };
}

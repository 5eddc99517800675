// A small XML reader for report documents (RFC 7489 Appendix C): elements, attributes skipped,
// character data with the five predefined entities and numeric references, CDATA, comments and
// processing instructions skipped. Always true: a DOCTYPE is refused (no entity expansion, so no
// "billion laughs" and no external entities); nesting stops at REPORT_XML_MAX_DEPTH; mismatched
// or unclosed tags are an XmlError; the work is linear in the input.
import { REPORT_XML_MAX_DEPTH } from '../limits.ts';

export class XmlError extends Error {}

export interface XmlElement { name: string; children: XmlElement[]; text: string }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    }
    const e = ENTITIES[ref];
    if (e === undefined) throw new XmlError(`unknown entity ${whole}`);
    return e;
  });
}

/** Parses a document; returns its root element. Namespace prefixes are dropped from names. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? n : lt);
    if (chunk.length > 0) {
      if (stack.length > 0) stack[stack.length - 1]!.text += decodeText(chunk);
      else if (chunk.trim() !== '') throw new XmlError('text outside the root element');
    }
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) throw new XmlError('unterminated CDATA');
      if (stack.length === 0) throw new XmlError('CDATA outside the root element');
      stack[stack.length - 1]!.text += text.slice(lt + 9, end);
      i = end + 3;
    } else if (text.startsWith('<!', lt)) {
      throw new XmlError('DOCTYPE and declarations are not accepted');
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlError('unterminated processing instruction');
      i = end + 2;
    } else {
      const gt = text.indexOf('>', lt + 1);
      if (gt < 0) throw new XmlError('unterminated tag');
      const inner = text.slice(lt + 1, gt);
      i = gt + 1;
      if (inner.startsWith('/')) {
        const name = localName(inner.slice(1).trim());
        const open = stack.pop();
        if (!open || open.name !== name) throw new XmlError(`closing </${name}> does not match <${open?.name ?? ''}>`);
        continue;
      }
      const selfClosing = inner.endsWith('/');
      const m = /^([^\s/>]+)/.exec(inner);
      if (!m) throw new XmlError('a tag without a name');
      const el: XmlElement = { name: localName(m[1]!), children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
      else if (root) throw new XmlError('more than one root element');
      else root = el;
      if (!selfClosing) {
        if (stack.length >= REPORT_XML_MAX_DEPTH) throw new XmlError(`elements nested deeper than ${REPORT_XML_MAX_DEPTH}`);
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) throw new XmlError(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (!root) throw new XmlError('no root element');
  return root;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/** The first child element named `name`, or undefined. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function childText(el: XmlElement | undefined, name: string): string {
  return child(el, name)?.text.trim() ?? '';
}

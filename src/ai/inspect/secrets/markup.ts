import { isAlphaCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { credible } from "./credible.js";
import { KEY_TRIGRAMS, keyKind, nextTrigram, type KeyKind } from "./key-names.js";
import { siblingKeyKind } from "./sibling-key.js";

/** Longest opening tag and tag name read, and longest element text read. */
const MAX_TAG = 160;
const MAX_NAME = 64;
const MAX_TEXT = 256;

/** `name="..."` or `key="..."` in the opening tag (Hibernate `<property name="...password">`). */
const NAME_ATTRIBUTE = /\s(?:name|key)\s{0,4}=\s{0,4}["']([^"'<>]{1,80})["']/i;

/** Elements named by a `name`/`key` attribute: `<property name=..>`, `<entry key=..>`, `<param name=..>`. */
const NAMED_ELEMENTS = new Set(["property", "entry", "param", "parameter", "setting", "env"]);
/** Elements whose text a preceding `<name>`/`<key>` or name attribute names (Hadoop, .NET, plist). */
const VALUE_ELEMENTS = new Set(["value", "string"]);

/** First letter and length of the NAMED_ELEMENTS and VALUE_ELEMENTS: most tags fail this before a string is made. */
const SHAPES = new Set([...NAMED_ELEMENTS, ...VALUE_ELEMENTS].map((n) => (n.charCodeAt(0) << 8) | n.length));

/** Characters of a tag name: `password`, `db.password`, `wsse:Password`, `app-secret`. */
function isTagNameCode(c: number): boolean {
  return isIdentCode(c) || c === 46 || c === 58 || c === 45;
}

/**
 * At a `<` that opens an element: `<password>...</password>` (Maven settings), `<secret>`, `<apiKey>`,
 * `<db.password>` (Maven properties), `<property name="hibernate.connection.password">...</property>`,
 * `<value>` after `<name>fs.s3a.secret.key</name>`. Only the tag name is read unless it names a
 * credential (a KEY_TRIGRAMS trigram), a named element or a value element, so ordinary markup costs a few
 * characters. The closing tag must follow within MAX_TEXT characters, so a `<token>` in prose is not
 * an element.
 */
function xmlElement(text: string, lt: number, scan: Scan): void {
  const first = text.charCodeAt(lt + 1);
  if (!isAlphaCode(first)) return;
  let nameEnd = lt + 2;
  let trigram = nextTrigram(0, first);
  let hint = false;
  while (nameEnd < text.length && nameEnd - lt <= MAX_NAME) {
    const c = text.charCodeAt(nameEnd);
    if (!isTagNameCode(c)) break;
    trigram = nextTrigram(trigram, c);
    if (nameEnd - lt >= 3 && KEY_TRIGRAMS[trigram] === 1) hint = true;
    nameEnd++;
  }
  const nameLength = nameEnd - lt - 1;
  if (nameLength > MAX_NAME || (!hint && !SHAPES.has(((first | 32) << 8) | nameLength))) return;
  const name = text.slice(lt + 1, nameEnd);
  const lower = hint ? name : name.toLowerCase();
  if (!hint && !NAMED_ELEMENTS.has(lower) && !VALUE_ELEMENTS.has(lower)) return;
  let gt = nameEnd;
  while (gt < text.length && gt - lt < MAX_TAG && text.charCodeAt(gt) !== 62 && text.charCodeAt(gt) !== 60)
    gt++;
  if (text.charCodeAt(gt) !== 62 || text.charCodeAt(gt - 1) === 47) return; // no `>`, or `<x/>`
  let kind: KeyKind | undefined;
  if (hint) {
    // XML signatures (`<ds:SignatureValue>`) are published with the document they sign.
    kind = /signature/i.test(name) ? undefined : keyKind(name);
  } else if (NAMED_ELEMENTS.has(lower)) {
    const attribute = NAME_ATTRIBUTE.exec(text.slice(nameEnd, gt));
    kind = attribute === null ? undefined : keyKind(attribute[1]!);
  } else {
    kind = siblingKeyKind(text, lt);
  }
  if (kind === undefined || kind === "weak") return;
  if (text.charCodeAt(gt + 1) === 60) return; // empty element
  let close = gt + 1;
  const limit = Math.min(text.length, gt + 1 + MAX_TEXT);
  while (close < limit && text.charCodeAt(close) !== 60) close++;
  if (close === limit || !text.startsWith(`</${name}>`, close)) return;
  let start = gt + 1;
  let end = close;
  while (start < end && /\s/.test(text.charAt(start))) start++;
  while (end > start && /\s/.test(text.charAt(end - 1))) end--;
  if (end === start) return;
  const value = text.slice(start, end);
  if (/^@[\w.-]+@$/.test(value)) return; // Maven resource filtering: @db.password@
  const confidence = credible(value, kind, true);
  if (confidence === undefined) return;
  const type = kind === "password" ? "password" : kind === "aws" ? "aws-secret-access-key" : "generic-secret";
  scan.emit("secret", type, start, end, confidence, kind === "aws" ? RANK.contextSecret : RANK.genericSecret);
}

/**
 * Register credentials in XML elements (`<password>...</password>` and named `<property>`/`<value>`
 * elements), at `<`. Key and value in attributes (`<add key="..." value="..."/>`) are read by the
 * assignment checks at `=`.
 *
 * @example registerMarkup(plan); // <password>t?4I==zrB</password> -> password
 */
export function registerMarkup(plan: Plan): void {
  plan.char(60, xmlElement);
}

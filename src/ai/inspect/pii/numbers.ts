import { isDigitCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { cardConfidence } from "./card.js";

interface Group {
  readonly start: number;
  readonly end: number;
  /** Separator before this group ("" for the first). */
  readonly sep: string;
}

const MAX_GROUPS = 8;
const DIGITS = "0123456789";
/** The characters of isSepCode. */
const SEPARATOR_CHARS = " -./()";
/** Separators allowed between digit groups. */
const SEPARATORS = new Set([" ", "-", ".", "/", ")", ") ", " - ", " (", "("]);

function isHexOrColon(c: number): boolean {
  return isDigitCode(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 58;
}

function isSepCode(c: number): boolean {
  return c === 32 || c === 45 || c === 46 || c === 47 || c === 40 || c === 41;
}
const MAX_DIGITS = 24;

/** Digit groups from `s` with short separators between them (`415-555-2671`, `4111 1111 ...`). */
function readGroups(text: string, s: number): { groups: Group[]; digits: string } | undefined {
  const n = text.length;
  const groups: Group[] = [];
  let digits = "";
  let i = s;
  let sep = "";
  while (groups.length < MAX_GROUPS) {
    const gs = i;
    while (i < n && isDigitCode(text.charCodeAt(i)) && i - gs <= 40) i++;
    if (i - gs > 40) return undefined; // a long digit run: an id or data, not a number we report
    groups.push({ start: gs, end: i, sep });
    digits += text.slice(gs, i);
    if (digits.length > MAX_DIGITS) return undefined;
    let j = i;
    while (j < n && j - i < 3 && isSepCode(text.charCodeAt(j))) j++;
    if (j === i || j === n || !isDigitCode(text.charCodeAt(j))) break;
    sep = text.slice(i, j);
    if (!SEPARATORS.has(sep)) break;
    i = j;
  }
  const last = groups[groups.length - 1]!;
  const after = text.charCodeAt(last.end);
  if (last.end < n && (isIdentCode(after) || after === 64)) return undefined; // 123abc, 4111...@x
  if ((after === 46 || after === 45 || after === 58) && isDigitCode(text.charCodeAt(last.end + 1))) {
    const dotted = groups.slice(1).every((g) => g.sep === ".");
    const port = after === 58 && dotted && groups.length === 4; // 10.0.0.1:8080
    if (!port && !(after === 46 && dotted)) return undefined; // 1.2.3-4, 12:30
  }
  return { groups, digits };
}

const VERSION_BEFORE = /\b(?:version|ver|release|build|firmware|driver|v)\s{0,2}[:=]?\s{0,2}$/i;

function ipv4(text: string, groups: Group[], scan: Scan, enabled: boolean): boolean {
  if (groups.length < 4 || !groups.slice(1, 4).every((g) => g.sep === ".")) return false;
  if (groups.length > 4 && groups[4]!.sep === ".") return true; // a version or an OID: consumed, not reported
  if (groups.length > 4 && groups[4]!.sep !== "/") return false; // 10.0.0.0/8 is a CIDR block
  const after = groups[3]!.end;
  if (text.charCodeAt(after) === 46 && isDigitCode(text.charCodeAt(after + 1))) return true;
  const octets = groups.map((g) => text.slice(g.start, g.end));
  if (octets.some((o) => o.length > 3 || Number(o) > 255 || (o.length > 1 && o.startsWith("0")))) return true;
  const v = octets.map(Number);
  if (v[0] === 0 || v[0] === 127 || v.every((x) => x === 255)) return true; // unspecified, loopback, broadcast
  const maskOctet = (x: number) => [0, 128, 192, 224, 240, 248, 252, 254, 255].includes(x);
  if (v[0] === 255 && v.every(maskOctet)) return true; // a netmask
  const before = text.slice(Math.max(0, groups[0]!.start - 12), groups[0]!.start);
  if (VERSION_BEFORE.test(before)) return true; // "version 2.1.0.4", "build: 10.0.1.2"
  if (enabled) scan.emit("pii", "ipv4", groups[0]!.start, after, 0.9, RANK.ip);
  return true;
}

function ssn(text: string, groups: Group[]): number | undefined {
  if (groups.length !== 3) return undefined;
  const [a, b, c] = groups.map((g) => text.slice(g.start, g.end)) as [string, string, string];
  if (a.length !== 3 || b.length !== 2 || c.length !== 4) return undefined;
  const sep = groups[1]!.sep;
  if (groups[2]!.sep !== sep || (sep !== "-" && sep !== " ")) return undefined;
  if (a === "000" || a === "666" || a.startsWith("9") || b === "00" || c === "0000") return undefined;
  const whole = `${a}${b}${c}`;
  // Numbers published in advertising (the Woolworth wallet card, LifeLock's) and SSA's example.
  if (["078051120", "219099999", "457555462"].includes(whole)) return undefined;
  return sep === "-" ? 0.85 : 0.6;
}

function card(text: string, s: number, groups: Group[], digits: string): number | undefined {
  const sizes = groups.map((g) => g.end - g.start);
  const seps = new Set(groups.slice(1).map((g) => g.sep));
  // 17 to 19 digits in one run are mostly ids (64-bit ids have 19), unless a card key names them.
  if (groups.length === 1)
    return digits.length <= 16 || CARD_KEY.test(keyBefore(text, s))
      ? cardConfidence(digits, false)
      : undefined;
  if (seps.size !== 1 || !(seps.has(" ") || seps.has("-"))) return undefined;
  const fours = sizes.slice(0, -1).every((s) => s === 4) && sizes[sizes.length - 1]! <= 4;
  const amex = sizes.length === 3 && sizes[0] === 4 && sizes[1] === 6 && (sizes[2] === 5 || sizes[2] === 4);
  if (!fours && !amex) return undefined;
  return cardConfidence(digits, true);
}

/**
 * A key that names a phone number: `phone`, `phoneNumber`, `mobile_no`, `contact_phone`, `msisdn`,
 * `whatsapp`, `tel`, `fax`, `cell_number`, `sms2`. Matched against at most 40 characters.
 */
const PHONE_KEY =
  /^(?:[a-z0-9_-]*?(?:phone|mobile|msisdn|whatsapp)|(?:[a-z0-9]*[_-])?(?:tel|fax|cell|sms))(?:[_-]?(?:no|nr|num|number|[0-9]))?$/i;

/**
 * A key that names a payment card number: `card`, `cardNumber`, `credit_card_no`, `payment-card`, `cc`,
 * `cc_num`, `pan`, `card_pan`. Matched against at most 40 characters.
 */
const CARD_KEY = /^(?:[a-z0-9_-]*?card|(?:[a-z0-9]*[_-])?(?:cc|pan))(?:[_-]?(?:no|nr|num|number|pan))?$/i;

function isKeyCode(c: number): boolean {
  return isIdentCode(c) || c === 45;
}

/**
 * The key whose value the digits at `s` are, or "": `phone` for `"phone": 4155552671` (a JSON number,
 * which has no `+` or separators to tell it by), `phone=4155552671`, `"mobile": "..."`. Reads back at most
 * an opening quote, 8 blanks, `:` or `=`, 8 blanks, a closing quote and 40 key characters; a key of fewer
 * than 2 characters, or one cut off at 40, is none.
 */
function keyBefore(text: string, s: number): string {
  let i = quoteBefore(text, blanksBefore(text, quoteBefore(text, s)));
  const op = i - 1;
  if (op < 0 || (text.charCodeAt(op) !== 58 && text.charCodeAt(op) !== 61)) return "";
  i = quoteBefore(text, blanksBefore(text, op));
  const end = i;
  while (i > 0 && end - i < 40 && isKeyCode(text.charCodeAt(i - 1))) i--;
  if (end - i < 2 || (i > 0 && isKeyCode(text.charCodeAt(i - 1)))) return "";
  return text.slice(i, end);
}

/** `i` less a quote before it. */
function quoteBefore(text: string, i: number): number {
  const c = i > 0 ? text.charCodeAt(i - 1) : 0;
  return c === 34 || c === 39 ? i - 1 : i;
}

/** `i` less up to 8 spaces or tabs before it. */
function blanksBefore(text: string, i: number): number {
  let j = i;
  while (j > 0 && i - j < 8 && (text.charCodeAt(j - 1) === 32 || text.charCodeAt(j - 1) === 9)) j--;
  return j;
}

/** A bare run of 7 to 15 digits under a phone key (see `phoneKeyBefore`). */
function keyedPhone(text: string, s: number, digits: number): boolean {
  return digits >= 7 && digits <= 15 && PHONE_KEY.test(keyBefore(text, s));
}

function phone(text: string, s: number, groups: Group[], digits: string): number | undefined {
  if (groups.length === 1 && keyedPhone(text, s, digits.length)) return 0.7;
  const seps = groups.slice(1).map((g) => g.sep);
  if (seps.some((x) => x === "/")) return undefined;
  const sizes = groups.map((g) => g.end - g.start);
  const before = s > 0 ? text.charCodeAt(s - 1) : 0;
  if (before === 43) {
    // E.164: + country code, 8 to 15 digits in all; North America (+1) always has 11.
    if (digits.length < 8 || digits.length > 15 || digits.startsWith("0")) return undefined;
    if (digits.startsWith("1") && digits.length !== 11) return undefined;
    if (digits.startsWith("1") && /^1\d{3}55501\d\d$/.test(digits)) return undefined; // fictional 555-01xx
    if (seps.some((x) => x === ".") && !seps.every((x) => x === ".")) return undefined;
    return groups.length > 1 || digits.length >= 10 ? 0.9 : 0.7;
  }
  // Area code and exchange start with 2-9; 555-0100 to 555-0199 are reserved for fiction.
  const nanp = (area: Group, exchange: Group) =>
    /[2-9]/.test(text.charAt(area.start)) &&
    /[2-9]/.test(text.charAt(exchange.start)) &&
    !(text.startsWith("555", exchange.start) && /^01\d\d$/.test(digits.slice(-4)));
  if (before === 40 && sizes.length === 3 && sizes[0] === 3 && sizes[1] === 3 && sizes[2] === 4) {
    if (/^\) ?$/.test(seps[0]!) && (seps[1] === "-" || seps[1] === " " || seps[1] === ".")) {
      return nanp(groups[0]!, groups[1]!) ? 0.8 : undefined;
    }
  }
  const shape = sizes.join("-");
  if (shape === "3-3-4" || shape === "1-3-3-4") {
    if (new Set(seps).size !== 1 || !["-", ".", " ", " - "].includes(seps[0]!)) return undefined;
    const [area, exchange] = shape === "3-3-4" ? [groups[0]!, groups[1]!] : [groups[1]!, groups[2]!];
    if (shape === "1-3-3-4" && text.charAt(groups[0]!.start) !== "1") return undefined;
    if (!nanp(area, exchange)) return undefined;
    return seps[0] === " " ? 0.6 : 0.8;
  }
  // National numbers with a trunk 0: 020 7946 0958, 030 901820, 0171-1234567, or pairs: 06 12 34 56 78.
  if (text.charAt(s) === "0" && text.charAt(s + 1) !== "0" && groups.length >= 2) {
    if (digits.length < 9 || digits.length > 12 || new Set(seps).size !== 1) return undefined;
    const sep = seps[0]!;
    if (sep !== " " && sep !== "-" && sep !== ".") return undefined;
    const pairs = sizes.length === 5 && sizes.every((x) => x === 2);
    const trunk = sizes[0]! >= 2 && sizes[0]! <= 5 && sizes.slice(1).every((x) => x >= 3) && sep !== ".";
    return pairs || trunk ? 0.6 : undefined;
  }
  return undefined;
}

/**
 * Numbers at a word start beginning with a digit: IPv4 addresses, payment cards (Luhn, issuer ranges),
 * US social security numbers (valid areas and groups only) and phone numbers (E.164 with `+`, North
 * American with separators or parentheses, national numbers with a trunk `0`). Version numbers, dates,
 * times, hex and ids are left alone by shape: more than four dotted parts, a letter glued to the digits,
 * groups that match no format.
 *
 * @example registerNumbers(plan, new Set(["phone", "payment-card"]));
 */
export function registerNumbers(plan: Plan, types: ReadonlySet<string>): void {
  const want = (t: string) => types.has(t);
  const phones = want("phone");
  const handler = (text: string, s: number, scan: Scan): void => {
    if (s < scan.numberSkipUntil) return;
    const before = s > 0 ? text.charCodeAt(s - 1) : 0;
    if ((before === 46 || before === 45 || before === 58 || before === 47 || before === 44) && s > 1) {
      if (isDigitCode(text.charCodeAt(s - 2))) return; // the middle of 1.2.3, 12:30, 3/4
      if (before === 58 && isHexOrColon(text.charCodeAt(s - 2))) return; // the IPv4 tail of an IPv6 address
    }
    // Fast path: a lone short number (`42`, `2024,`) is none of these, unless a phone key names it.
    let g = s;
    while (g < text.length && g - s < 17 && isDigitCode(text.charCodeAt(g))) g++;
    if (g - s < 12 && before !== 43) {
      let j = g;
      while (j - g < 3 && isSepCode(text.charCodeAt(j))) j++;
      if (!isDigitCode(text.charCodeAt(j))) {
        const next = text.charCodeAt(g);
        const glued = g < text.length && (isIdentCode(next) || next === 64);
        if (phones && !glued && keyedPhone(text, s, g - s)) {
          scan.emit("pii", "phone", s, g, 0.7, RANK.phone);
          scan.numberSkipUntil = g;
        }
        return;
      }
    }
    // The span of digits and separators, and what follows it: glued to a letter (dates with a time,
    // hex, ids) it is none of these, and nothing needs to be built.
    let e = g;
    while (
      e < text.length &&
      e - s < 48 &&
      (isDigitCode(text.charCodeAt(e)) || isSepCode(text.charCodeAt(e)))
    )
      e++;
    while (e > g && !isDigitCode(text.charCodeAt(e - 1))) e--;
    const next = text.charCodeAt(e);
    if (e < text.length && (isIdentCode(next) || next === 64) && e - s < 48) return;
    const read = readGroups(text, s);
    if (read === undefined) return;
    const { groups, digits } = read;
    const end = groups[groups.length - 1]!.end;
    if (ipv4(text, groups, scan, want("ipv4"))) {
      scan.numberSkipUntil = end;
      return;
    }
    if (
      groups.length > 1 &&
      groups.slice(1).some((g) => g.sep === ".") &&
      !groups.slice(1).every((g) => g.sep === ".")
    )
      return;
    const c = want("payment-card") ? card(text, s, groups, digits) : undefined;
    if (c !== undefined) {
      scan.emit("pii", "payment-card", s, end, c, RANK.checksumPii);
      scan.numberSkipUntil = end;
      return;
    }
    const social = want("us-ssn") ? ssn(text, groups) : undefined;
    if (social !== undefined) {
      scan.emit("pii", "us-ssn", s, end, social, RANK.ssn);
      scan.numberSkipUntil = end;
      return;
    }
    const p = want("phone") ? phone(text, s, groups, digits) : undefined;
    if (p !== undefined) {
      const start = before === 43 || before === 40 ? s - 1 : s;
      scan.emit("pii", "phone", start, end, p, RANK.phone);
      scan.numberSkipUntil = end;
    }
  };
  // A number this reports goes on with a digit or a separator after its first digit, and after its first
  // two digits when both are digits: `0;`, `1"`, `3rd`, `12T10`, `23:` never reach the handler (code
  // and log lines are full of them).
  for (const d of DIGITS) {
    for (const second of DIGITS) plan.prefix(d + second, handler, DIGITS + SEPARATOR_CHARS);
    for (const second of SEPARATOR_CHARS) plan.prefix(d + second, handler);
  }
}

import { MIN_RUN, type Plan } from "../plan.js";
import type { Scan } from "../scan.js";

const RANK_INJECTION = 50;

/** Invisible code units that carry or hide instructions (BMP part; tags are handled via 0xDB40). */
const ZERO_WIDTH = [0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x180e];
const BIDI = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
const TAG_HIGH = 0xdb40;

type Kind = "tag" | "bidi" | "zero-width" | "selector" | undefined;

/** The invisible kind of the code unit(s) at `i`, and how many code units it takes. */
function invisibleAt(text: string, i: number): [Kind, number] {
  const c = text.charCodeAt(i);
  if (c === TAG_HIGH) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdc7f) return ["tag", 2]; // U+E0000-E007F
    if (low >= 0xdd00 && low <= 0xddef) return ["selector", 2]; // U+E0100-E01EF
    return [undefined, 1];
  }
  if (BIDI.includes(c)) return ["bidi", 1];
  if (ZERO_WIDTH.includes(c)) return ["zero-width", 1];
  return [undefined, 1];
}

function isAsciiLetterOrDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Hidden Unicode: tag characters (U+E0000-E007F, "ASCII smuggling"), zero-width characters (U+200B-200D,
 * U+2060-2064, U+FEFF inside text), bidi overrides and isolates, and runs of supplementary variation
 * selectors. One detection per run. Legitimate uses stay quiet: a byte-order mark at the start, a single
 * zero-width joiner or non-joiner between non-ASCII characters (emoji sequences, Persian, Indic scripts),
 * and the tag sequence of a subdivision flag emoji (U+1F3F4 ... U+E007F).
 */
function hidden(text: string, pos: number, scan: Scan): void {
  if (pos < scan.invisibleUntil) return;
  let e = pos;
  let tags = 0;
  let bidi = 0;
  let zero = 0;
  let selectors = 0;
  while (e < text.length) {
    const [kind, width] = invisibleAt(text, e);
    if (kind === undefined) break;
    if (kind === "tag") tags++;
    else if (kind === "bidi") bidi++;
    else if (kind === "zero-width") zero++;
    else selectors++;
    e += width;
  }
  scan.invisibleUntil = Math.max(e, pos + 1);
  if (e === pos) return;
  const count = tags + bidi + zero + selectors;
  if (pos === 0 && count === 1 && text.charCodeAt(0) === 0xfeff) return; // byte-order mark
  const before = pos > 0 ? text.charCodeAt(pos - 1) : 0;
  const after = e < text.length ? text.charCodeAt(e) : 0;
  if (count === 1 && zero === 1 && (text.charCodeAt(pos) === 0x200d || text.charCodeAt(pos) === 0x200c)) {
    if (before >= 128 || after >= 128) return; // joiners inside emoji sequences and scripts that need them
  }
  // Subdivision flags: black flag U+1F3F4 (D83C DFF4), tags, cancel tag U+E007F.
  if (tags > 0 && bidi + zero + selectors === 0 && pos >= 2) {
    const flag = text.charCodeAt(pos - 2) === 0xd83c && text.charCodeAt(pos - 1) === 0xdff4;
    const cancel = text.charCodeAt(e - 2) === TAG_HIGH && text.charCodeAt(e - 1) === 0xdc7f;
    if (flag && cancel && tags <= 8) return;
  }
  if (selectors > 0 && tags + bidi + zero === 0 && selectors < 2) return;
  let confidence = 0.75;
  if (tags > 0) confidence = 0.95;
  else if (bidi > 0) confidence = 0.85;
  else if (count >= 3 || (isAsciiLetterOrDigit(before) && isAsciiLetterOrDigit(after))) confidence = 0.85;
  scan.emit("injection", "hidden-unicode", pos, e, confidence, RANK_INJECTION);
}

/**
 * Register hidden-Unicode detection on every invisible code unit.
 *
 * @example registerHiddenUnicode(plan); // "pass\u200bword" -> hidden-unicode
 */
export function registerHiddenUnicode(plan: Plan): void {
  for (const c of [...ZERO_WIDTH, ...BIDI, TAG_HIGH]) plan.char(c, hidden);
}

const PRINTABLE = /[\x20-\x7e\t\r\n]/g;

function printableRatio(s: string): number {
  if (s.length === 0) return 0;
  return (s.match(PRINTABLE)?.length ?? 0) / s.length;
}

/** Most base64 characters we decode per run (the rest of a long blob is not read). */
const MAX_DECODE = 4096;

/**
 * Encoded instructions: a base64 (or base64url) run that decodes to readable text in which `detect` finds
 * injection phrasing. Decoding is bounded per run and per inspection, and binary payloads (images, keys)
 * are dropped after their first 64 characters.
 *
 * @example registerEncodedInstructions(plan, (decoded) => scanForPhrases(decoded));
 */
export function registerEncodedInstructions(plan: Plan, detect: (decoded: string) => boolean): void {
  plan.base64((text, start, end, scan) => {
    let e = end;
    while (e < text.length && e - end < 2 && text.charCodeAt(e) === 61) e++;
    const run = text.slice(start, Math.min(e, start + MAX_DECODE));
    if (run.length < MIN_RUN || /^[0-9a-f]+$/i.test(run) || !/[A-Z]/.test(run) || !/[a-z]/.test(run)) return;
    if (/^[\w-]+(?:\/[\w.-]+)+$/.test(run) && run.split("/").length > 3) return; // a path
    if (scan.decodedBudget <= 0) return;
    const url = /[-_]/.test(run);
    const head = Buffer.from(run.slice(0, 64), url ? "base64url" : "base64").toString("latin1");
    if (printableRatio(head) < 0.9) return;
    const decoded = Buffer.from(run, url ? "base64url" : "base64").toString("utf8");
    scan.decodedBudget -= decoded.length;
    if (printableRatio(decoded) < 0.85) return;
    if (detect(decoded)) scan.emit("injection", "encoded-instruction", start, e, 0.9, RANK_INJECTION);
  });
}

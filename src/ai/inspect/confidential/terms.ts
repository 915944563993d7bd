import { CLASSES, FOLD, WORD, fold, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";

/**
 * A phrase cut into words (runs of letters and digits) and the separators between them. Separators made
 * only of spaces, `-` and `_` match any run of one to three such characters in the text (so
 * `INTERNAL ONLY`, `Internal-Only` and `INTERNAL\nONLY` all match); other separators match literally.
 */
interface Phrase {
  readonly words: readonly string[];
  /** seps[k] sits before words[k] (seps[0] is a literal prefix, possibly ""); tail after the last word. */
  readonly seps: readonly string[];
  readonly tail: string;
}

function isWordCode(c: number): boolean {
  return (CLASSES[c]! & WORD) !== 0;
}

/**
 * Cut a phrase into folded words and separators.
 *
 * @example toPhrase("C++ Next") // { words: ["c", "next"], seps: ["", "++ "], tail: "" }
 */
export function toPhrase(phrase: string): Phrase | undefined {
  const words: string[] = [];
  const seps: string[] = [];
  let sep = "";
  let i = 0;
  while (i < phrase.length) {
    if (isWordCode(phrase.charCodeAt(i))) {
      let j = i;
      while (j < phrase.length && isWordCode(phrase.charCodeAt(j))) j++;
      seps.push(fold(sep));
      words.push(fold(phrase.slice(i, j)));
      sep = "";
      i = j;
    } else sep += phrase[i++]!;
  }
  if (words.length === 0) return undefined;
  return { words, seps, tail: fold(sep) };
}

const FLEX = /^[\s_-]{1,3}$/;

/** Match `sep` at `pos` (flexibly or literally); returns the position after it, or -1. */
function matchSep(text: string, pos: number, sep: string): number {
  if (sep === "") return pos;
  if (FLEX.test(sep)) {
    let j = pos;
    while (j < text.length && j - pos < 3) {
      const c = text.charCodeAt(j);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 45 || c === 95) j++;
      else break;
    }
    return j > pos ? j : -1;
  }
  for (let k = 0; k < sep.length; k++) if (FOLD[text.charCodeAt(pos + k)] !== sep.charCodeAt(k)) return -1;
  return pos + sep.length;
}

/** Where the phrase ends if it matches with its first word at [start, end), or -1. */
function matchPhrase(
  text: string,
  start: number,
  end: number,
  p: Phrase,
): { start: number; end: number } | undefined {
  let s = start;
  const prefix = p.seps[0]!;
  if (prefix !== "") {
    s = start - prefix.length;
    if (s < 0 || matchSep(text, s, prefix) !== start) return undefined;
  }
  let pos = end;
  for (let k = 1; k < p.words.length; k++) {
    pos = matchSep(text, pos, p.seps[k]!);
    if (pos < 0) return undefined;
    const w = p.words[k]!;
    for (let q = 0; q < w.length; q++)
      if (FOLD[text.charCodeAt(pos + q)] !== w.charCodeAt(q)) return undefined;
    pos += w.length;
    if (pos < text.length && isWordCode(text.charCodeAt(pos))) return undefined;
  }
  if (p.tail !== "" && !FLEX.test(p.tail)) {
    pos = matchSep(text, pos, p.tail);
    if (pos < 0) return undefined;
  }
  // `is_confidential`, `confidential_flag`: identifiers, not labels.
  if (s > 0 && text.charCodeAt(s - 1) === 95) return undefined;
  if (pos < text.length && text.charCodeAt(pos) === 95 && p.tail === "") return undefined;
  return { start: s, end: pos };
}

function hasLetters(s: string): boolean {
  return /[A-Za-z]/.test(s);
}

/**
 * Configured labels (`CONFIDENTIAL`, `INTERNAL ONLY`) and dictionary terms (project code names), matched
 * case-insensitively on word boundaries. A label written in capitals (as a label is) is reported with
 * confidence 0.9; in running text (`keep this confidential`) with 0.5.
 *
 * @example registerTerms(plan, ["CONFIDENTIAL"], [{ name: "codenames", terms: ["Bluebird"] }]);
 */
export function registerTerms(
  plan: Plan,
  labels: readonly string[],
  dictionaries: readonly { readonly name: string; readonly terms: readonly string[] }[],
): void {
  const add = (term: string, onMatch: (text: string, start: number, end: number, scan: Scan) => void) => {
    const phrase = toPhrase(term);
    if (phrase === undefined) return;
    plan.word(phrase.words[0]!, (text, start, end, scan) => {
      const m = matchPhrase(text, start, end, phrase);
      if (m !== undefined) onMatch(text, m.start, m.end, scan);
    });
  };
  for (const label of labels) {
    add(label, (text, start, end, scan) => {
      const matched = text.slice(start, end);
      const capitals = hasLetters(matched) && matched === matched.toUpperCase();
      scan.emit("confidential", "confidential-label", start, end, capitals ? 0.9 : 0.5, RANK.label);
    });
  }
  for (const d of dictionaries) {
    for (const term of d.terms) {
      add(term, (_text, start, end, scan) => {
        scan.emit("confidential", `dictionary:${d.name}`, start, end, 0.8, RANK.dictionary);
      });
    }
  }
}

function isHostCode(c: number): boolean {
  return isIdentCode(c) || c === 45;
}

/**
 * Internal domains: `corp.example.com` matches it and any subdomain, as a bare hostname, in a URL or in an
 * e-mail address; the hit covers the whole hostname (`git.corp.example.com`).
 *
 * @example registerDomains(plan, ["corp.example.com"]); // also matches git.corp.example.com
 */
export function registerDomains(plan: Plan, domains: readonly string[]): void {
  for (const domain of domains) {
    const first = domain.split(".")[0]!;
    plan.word(first, (text, start, _end, scan) => {
      if (start > 0 && isHostCode(text.charCodeAt(start - 1)) && text.charCodeAt(start - 1) !== 95) return;
      for (let k = 0; k < domain.length; k++) {
        if (FOLD[text.charCodeAt(start + k)] !== domain.charCodeAt(k)) return;
      }
      const end = start + domain.length;
      if (end < text.length && isHostCode(text.charCodeAt(end))) return;
      if (text.charCodeAt(end) === 46 && isHostCode(text.charCodeAt(end + 1))) return; // corp.example.com.evil.io
      let s = start;
      while (s > 0 && start - s < 200) {
        const c = text.charCodeAt(s - 1);
        if (isHostCode(c) && c !== 95) s--;
        else if (c === 46 && s - 1 > 0 && isHostCode(text.charCodeAt(s - 2))) s--;
        else break;
      }
      scan.emit("confidential", "internal-domain", s, end, 0.85, RANK.domain);
    });
  }
}

import { isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import type { Scan } from "../scan.js";
import { RANK_UNSAFE } from "./tls.js";

const SQL_SHAPE: Readonly<Record<string, RegExp>> = {
  select: /\bfrom\b/i,
  insert: /\binto\b/i,
  update: /\bset\b/i,
  delete: /\bfrom\b/i,
};

function isQuote(c: number): boolean {
  return c === 34 || c === 39 || c === 96;
}

/** The string literal the SQL keyword at `start` opens: quote position, prefix and closing quote. */
function openingQuote(
  text: string,
  start: number,
): { at: number; quote: number; prefix: string } | undefined {
  let i = start;
  while (i > 0 && start - i < 20 && /\s/.test(text.charAt(i - 1))) i--;
  if (i === 0 || !isQuote(text.charCodeAt(i - 1))) return undefined;
  const at = i - 1;
  // Python triple quotes: the opening is the first of three.
  let q = at;
  while (q > 0 && at - q < 2 && text.charCodeAt(q - 1) === text.charCodeAt(at)) q--;
  let p = q;
  while (p > 0 && q - p < 2 && /[fFrRbBuU$@]/.test(text.charAt(p - 1))) p--;
  return { at: q, quote: text.charCodeAt(at), prefix: text.slice(p, q) };
}

/** Index of the closing quote of a literal opened at `open` (bounded; template literals may span lines). */
function closingQuote(text: string, from: number, quote: number, triple: boolean): number {
  const limit = Math.min(text.length, from + (quote === 96 || triple ? 2000 : 600));
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      i++;
      continue;
    }
    if (c === 10 && quote !== 96 && !triple) return -1;
    if (c === quote && (!triple || (text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote)))
      return i;
  }
  return -1;
}

/**
 * SQL built from pieces of input: a string literal starting with SELECT/INSERT/UPDATE/DELETE (with the
 * rest of its statement shape) that is concatenated (`"... WHERE id = " + id`, PHP `.`), interpolated
 * (f-strings, C# `$"..."`, JS template literals, Ruby `#{}`, PHP `"$id"`), or formatted (`% x`,
 * `.format(`, `Sprintf`/`String.format`). Parameterised calls (`execute("... %s", (x,))`, tagged
 * templates such as sql`...${x}`) are left alone.
 */
function sqlBuilding(text: string, start: number, end: number, scan: Scan): void {
  const open = openingQuote(text, start);
  if (open === undefined) return;
  const keyword = text.slice(start, end).toLowerCase();
  const triple = text.charCodeAt(open.at + 1) === open.quote && text.charCodeAt(open.at + 2) === open.quote;
  const contentStart = triple ? open.at + 3 : open.at + 1;
  const close = closingQuote(text, contentStart, open.quote, triple);
  if (close === -1) return;
  const content = text.slice(contentStart, close);
  if (!SQL_SHAPE[keyword]!.test(content.slice(end - contentStart))) return;
  const stringEnd = close + (triple ? 3 : 1);
  const after = text.slice(stringEnd, stringEnd + 40);
  const before = text.slice(Math.max(0, open.at - 40), open.at - open.prefix.length);
  let unsafe = false;
  if (open.quote === 96) {
    if (open.at > 0 && isIdentCode(text.charCodeAt(open.at - 1))) return; // tagged template: sql`...`
    unsafe = content.includes("${");
  } else if (/[fF]/.test(open.prefix) || open.prefix.includes("$")) {
    unsafe = /\{[A-Za-z_][\w.[\]'"]*\}/.test(content);
  } else if (
    open.quote === 34 &&
    (content.includes("#{") || (/\$[A-Za-z_]/.test(content) && /\$\w+\s*=/.test(before)))
  ) {
    unsafe = true; // Ruby "#{x}", PHP "$x"
  }
  if (!unsafe && /^\s{0,3}(?:\+|\.\s|\.\$|\|\|)\s{0,3}(?!["'`])[\w$(]/.test(after)) unsafe = true;
  if (!unsafe && /%[sdr(]|\{\d*\}|\{\w+\}/.test(content)) {
    if (/^\s{0,3}(?:%\s{0,3}[\w(]|\.format\()/.test(after)) unsafe = true;
    if (/(?:Sprintf|sprintf|String\.format|\.Format|format)\(\s{0,3}$/.test(before)) unsafe = true;
  }
  if (!unsafe && /\+\s{0,3}$/.test(before)) unsafe = true; // prefix + "SELECT ..."
  if (unsafe) scan.emit("unsafe-code", "sql-string-building", open.at, stringEnd, 0.8, RANK_UNSAFE);
}

const INPUT_LIKE =
  /\b(?:input|raw_input|request|req|params|query|body|argv|args|user_?input|payload|data|stdin|msg|message|event|untrusted|code|expr|expression|cmd|command|source|src|text|content|line|userInput|formData)\b|\$_(?:GET|POST|REQUEST|COOKIE)|location\.(?:hash|search|href)|document\.(?:URL|cookie|location)|process\.argv|sys\.argv|\$\{|\+\s{0,3}[A-Za-z_$]/;
const EXEC_RECEIVERS =
  /(?:child_process|childProcess|cp|shell|subprocess|os|Runtime\.getRuntime\(\)|window|globalThis)$/;

/** The argument text of a call whose `(` is at `open` (bounded, balanced on parentheses). */
function callArgument(text: string, open: number): string | undefined {
  let depth = 0;
  const limit = Math.min(text.length, open + 300);
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

/**
 * `eval`/`exec`/`new Function`/`vm.runIn*Context` (and shell `exec`/`system`) on something that looks
 * like input: request data, argv, stdin, user input, interpolated or concatenated strings. A string
 * literal argument, `model.eval()` and `regex.exec(text)` are left alone.
 */
function evalOfInput(text: string, start: number, end: number, scan: Scan): void {
  if (end - start === 8 && text.charCodeAt(start) === 102) return; // `function`: the keyword, not `Function`
  let open = end;
  while (open < text.length && open - end < 3 && text.charCodeAt(open) === 32) open++;
  if (text.charCodeAt(open) !== 40) return;
  const word = text.slice(start, end);
  if (!EVAL_NAMES.includes(word)) return; // anchors are case-insensitive; these names are not
  if (word === "Function" && !/new\s{1,3}$/.test(text.slice(Math.max(0, start - 6), start))) return;
  if (start > 0 && text.charCodeAt(start - 1) === 46) {
    const receiver = text.slice(Math.max(0, start - 30), start - 1);
    if (!EXEC_RECEIVERS.test(receiver)) return;
  }
  const arg = callArgument(text, open);
  if (arg === undefined || arg.trim() === "") return;
  if (/^\s*(["'])[^"'`$]*\1\s*$/.test(arg)) return; // a constant string
  if (!INPUT_LIKE.test(arg)) return;
  scan.emit("unsafe-code", "eval-of-input", start, open + arg.length + 2, 0.85, RANK_UNSAFE);
}

const EVAL_NAMES = [
  "eval",
  "exec",
  "execSync",
  "execfile",
  "Function",
  "runInNewContext",
  "runInThisContext",
  "system",
  "popen",
  "Popen",
];

/**
 * Register SQL building and eval-of-input checks.
 *
 * @example registerCodeBuilding(plan); // "SELECT ... " + id -> sql-string-building
 */
export function registerCodeBuilding(plan: Plan): void {
  for (const w of ["select", "insert", "update", "delete"]) plan.word(w, sqlBuilding);
  for (const w of EVAL_NAMES) plan.word(w, evalOfInput);
}

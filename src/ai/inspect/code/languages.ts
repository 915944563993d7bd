/**
 * Cheap language guesses for a code block: each code line votes by its first word and a few telling
 * fragments; the block takes the language with most votes. A guess, not a parser: "when easy".
 */

/**
 * First words (case-sensitive) that start statements, with the language they suggest (`word:language`;
 * a bare word is a statement in many languages).
 */
export const FIRST_WORDS: ReadonlyMap<string, string | undefined> = new Map(
  (
    "def:python elif:python except:python lambda:python from:python import class return if else for " +
    "while try catch finally switch case break continue throw raise:python yield async await " +
    "with:python const:javascript let:javascript var:javascript function:javascript export:javascript " +
    "interface:typescript type:typescript enum func:go package defer:go fn:rust pub:rust impl:rust " +
    "use:rust mod:rust struct public:java private:java protected:java static final:java void int:c " +
    "char:c double:c float:c bool auto:cpp template:cpp typedef:c #include:c #define:c #ifdef:c " +
    "#endif:c using:csharp namespace <?php:php echo:shell puts:ruby require end:ruby do unless:ruby " +
    "local:lua val:kotlin fun:kotlin guard:swift SELECT:sql INSERT:sql UPDATE:sql DELETE:sql " +
    "CREATE:sql ALTER:sql DROP:sql FROM:sql WHERE:sql JOIN:sql console.log:javascript self:python " +
    "this print:python fmt:go std:cpp sudo:shell fi:shell done:shell then:shell @Override:java "
  )
    .trim()
    .split(" ")
    .map((e) => {
      const colon = e.lastIndexOf(":");
      return colon > 0 ? [e.slice(0, colon), e.slice(colon + 1)] : [e, undefined];
    }),
);

/** Fragments anywhere in a code line that point to one language (at most 31: `vote` keeps a bit each). */
const FRAGMENTS: readonly (readonly [string, string])[] = [
  ["=>", "javascript"],
  ["console.", "javascript"],
  ["require(", "javascript"],
  ["===", "javascript"],
  [": string", "typescript"],
  [": number", "typescript"],
  [":=", "go"],
  ["err != nil", "go"],
  ["fmt.", "go"],
  ["let mut", "rust"],
  ["&str", "rust"],
  ["::new(", "rust"],
  ["self.", "python"],
  ["None", "python"],
  ["System.out", "java"],
  ["std::", "cpp"],
  ["printf(", "c"],
  ["$this->", "php"],
  ["#!/bin/", "shell"],
  ["</", "html"],
  ["{ get; set; }", "csharp"],
];

/** Fence info strings normalised to the names used here. */
const FENCE_ALIASES: Readonly<Record<string, string>> = {
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  node: "javascript",
  ts: "typescript",
  tsx: "typescript",
  py: "python",
  python3: "python",
  golang: "go",
  rs: "rust",
  "c++": "cpp",
  cc: "cpp",
  "c#": "csharp",
  cs: "csharp",
  sh: "shell",
  bash: "shell",
  zsh: "shell",
  console: "shell",
  shell: "shell",
  rb: "ruby",
  kt: "kotlin",
  yml: "yaml",
  psql: "sql",
  postgresql: "sql",
};

/**
 * Fence tags that announce prose, output, data or configuration rather than program code: such a fence
 * is judged line by line like untagged text.
 */
export const NON_CODE_FENCES: ReadonlySet<string> = new Set(
  "text txt plaintext output log logs markdown md yaml yml toml ini env dotenv properties conf csv tsv json jsonl xml".split(
    " ",
  ),
);

const fenceCache = new Map<string, string | undefined>();

/**
 * Normalise a fence info string (` ```TypeScript title="x" ` -> `typescript`).
 *
 * @example fenceLanguage("ts title=\"x\"") // "typescript"
 */
export function fenceLanguage(info: string): string | undefined {
  const cached = fenceCache.get(info);
  if (cached !== undefined || fenceCache.has(info)) return cached;
  const tag = info.trim().split(/[\s{]/)[0]?.toLowerCase() ?? "";
  const lang = tag === "" ? undefined : (FENCE_ALIASES[tag] ?? tag);
  if (fenceCache.size < 256) fenceCache.set(info, lang); // bounded: info strings come from untrusted text
  return lang;
}

/** For each pair of ASCII code units (7 bits each), the bits of the FRAGMENTS that start with it. */
const FRAGMENT_PAIRS = new Uint32Array(1 << 14);
FRAGMENTS.forEach(([fragment], k) => {
  FRAGMENT_PAIRS[(fragment.charCodeAt(0) << 7) | fragment.charCodeAt(1)]! |= 1 << k;
});

function add(votes: Map<string, number>, lang: string): void {
  votes.set(lang, (votes.get(lang) ?? 0) + 1);
}

/**
 * Votes of one code line `text[s, e)`: its first word, then telling fragments. The line is read once
 * (each pair of characters looks up the fragments that start with it) instead of once per fragment.
 *
 * @example vote("def load(path):", 0, 15, "def", votes); winner(votes) // "python"
 */
export function vote(
  text: string,
  s: number,
  e: number,
  firstWord: string,
  votes: Map<string, number>,
): void {
  const fromWord = FIRST_WORDS.get(firstWord);
  if (fromWord !== undefined) add(votes, fromWord);
  let found = 0; // bit k: FRAGMENTS[k] occurs in the line
  for (let i = s; i + 1 < e; i++) {
    const c = text.charCodeAt(i);
    const d = text.charCodeAt(i + 1);
    if ((c | d) >= 128) continue;
    let candidates = FRAGMENT_PAIRS[(c << 7) | d]! & ~found;
    for (let k = 0; candidates !== 0; k++, candidates >>>= 1) {
      if ((candidates & 1) === 0) continue;
      const fragment = FRAGMENTS[k]![0];
      if (i + fragment.length <= e && text.startsWith(fragment, i)) found |= 1 << k;
    }
  }
  // Votes in FRAGMENTS order, as the winner of a tie is the language voted for first.
  for (let k = 0; found !== 0; k++, found >>>= 1) if ((found & 1) !== 0) add(votes, FRAGMENTS[k]![1]);
  if (text.charCodeAt(s) === 34 && includesWithin(text, s, e, '":')) add(votes, "json");
}

/** True when `needle` occurs entirely within `text[s, e)`. */
function includesWithin(text: string, s: number, e: number, needle: string): boolean {
  for (let i = s; i + needle.length <= e; i++) if (text.startsWith(needle, i)) return true;
  return false;
}

/**
 * The language with most votes, if any.
 *
 * @example winner(new Map([["go", 3], ["rust", 1]])) // "go"
 */
export function winner(votes: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let max = 0;
  for (const [lang, n] of votes) {
    if (n > max) {
      best = lang;
      max = n;
    }
  }
  return best;
}

import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { parseAiPolicy, type AiPolicy } from "../ai/policy/index.js";
import { DetenteError } from "../errors.js";
import { parseTriagePolicy, type TriagePolicy } from "../vuln/triage/policy.js";

/** detente.yaml, validated, with every default filled in. */
export interface Config {
  /** Where it was read from, or "defaults" when there is no file. */
  readonly source: string;
  readonly triage: TriagePolicy;
  /** The AI gateway's usage policy (docs/ai-policy.md). */
  readonly ai: AiPolicy;
}

const SECTIONS = ["triage", "ai"] as const;

/**
 * Load detente.yaml: the path given (`--config`, DETENTE_CONFIG), else `./detente.yaml` when it exists,
 * else all defaults. Errors name the file, the line and the field: `detente.yaml: line 4: triage.sla.act:
 * expected a positive number of days`.
 *
 * @example const config = await loadConfig(undefined); config.triage.sla.act // 7
 */
export async function loadConfig(path: string | undefined): Promise<Config> {
  const file = path ?? "detente.yaml";
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (path === undefined && code === "ENOENT") {
      return {
        source: "defaults",
        triage: parseTriagePolicy(undefined, "defaults"),
        ai: parseAiPolicy(undefined, "defaults"),
      };
    }
    throw new DetenteError("INVALID_CONFIG", `${file}: cannot read (${code ?? "error"})`);
  }
  return parseConfig(text, file);
}

/** Parse the text of a detente.yaml; see `loadConfig`. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = lineCounter.linePos(err.pos[0]);
    throw new DetenteError(
      "INVALID_CONFIG",
      `${file}: line ${pos.line}: ${err.message.split("\n")[0] ?? "invalid YAML"}`,
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new DetenteError(
      "INVALID_CONFIG",
      `${file}: expected a mapping with sections ${SECTIONS.join(", ")}`,
    );
  }
  const top = (raw ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(top).filter((k) => !(SECTIONS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new DetenteError(
      "INVALID_CONFIG",
      `${file}: unknown section${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} (allowed: ${SECTIONS.join(", ")})`,
    );
  }
  try {
    return { source: file, triage: parseTriagePolicy(top.triage, file), ai: parseAiPolicy(top.ai, file) };
  } catch (e) {
    throw withLines(e, doc, lineCounter, file);
  }
}

/** Add "line N:" to each "file: triage.a.b: message" line whose path exists in the document. */
function withLines(
  e: unknown,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  file: string,
): unknown {
  if (!(e instanceof DetenteError)) return e;
  const prefix = `${file}: `;
  const lines = e.message.split("\n").map((line) => {
    if (!line.startsWith(prefix)) return line;
    const rest = line.slice(prefix.length);
    const keys = pathKeys(rest);
    for (let n = keys.length; n > 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return `${prefix}line ${lineCounter.linePos(node.range[0]).line}: ${rest}`;
    }
    return line;
  });
  return new DetenteError(e.code, lines.join("\n"), e.details);
}

/**
 * The keys of the field path that starts a problem line, up to its first ":": `triage.sla.act` gives
 * ["triage", "sla", "act"]; `ai.rules[2].action` gives ["ai", "rules", 2, "action"] and
 * `ai.access.users["alice@example.com"]` gives ["ai", "access", "users", "alice@example.com"]. A `[`
 * that starts neither an index nor a quoted name is part of the key.
 */
function pathKeys(rest: string): (string | number)[] {
  const keys: (string | number)[] = [];
  let key = "";
  let open = false; // whether `key` holds a segment still to be pushed
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === ":") break;
    if (c === ".") {
      if (open) keys.push(key);
      key = "";
      open = false;
      continue;
    }
    if (c === "[") {
      const bracket = bracketKey(rest, i);
      if (bracket) {
        if (open) keys.push(key);
        keys.push(bracket.key);
        key = "";
        open = false;
        i = bracket.end;
        continue;
      }
    }
    key += c;
    open = true;
  }
  if (open) keys.push(key);
  return keys;
}

/** `[12]` or `["quoted name"]` starting at `start`: the key and the index of the closing `]`. */
function bracketKey(text: string, start: number): { key: string | number; end: number } | undefined {
  if (text[start + 1] === '"') {
    let i = start + 2;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (text[i + 1] !== "]") return undefined;
    try {
      return { key: JSON.parse(text.slice(start + 1, i + 1)) as string, end: i + 1 };
    } catch {
      return undefined;
    }
  }
  let i = start + 1;
  while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
  if (i === start + 1 || text[i] !== "]") return undefined;
  return { key: Number(text.slice(start + 1, i)), end: i };
}

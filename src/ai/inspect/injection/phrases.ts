import type { Plan } from "../plan.js";
import type { Scan } from "../scan.js";

const RANK_INJECTION = 50;

/** Between words: whitespace, markdown emphasis, dashes (attackers write `ignore-all-previous`). */
const S = "[\\s*_\\-]{1,5}";
const STRONG =
  /previous|prior|above|earlier|preceding|foregoing|all|system|developer|safety|original|initial/i;

const OVERRIDE = new RegExp(
  `(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|discard|neglect)` +
    `(?:${S}(?:all|any|every|each|of|the|my|your|these|those|its|previous|prior|above|earlier|preceding|foregoing|` +
    `former|original|initial|old|existing|system|developer|safety|given|current|other|following)){0,6}` +
    `${S}(?:instructions?|prompts?|directions?|directives?|rules?|guidelines?|guidance|commands?|context|` +
    `messages?|constraints?|restrictions?|polic(?:y|ies)|programming|orders?|guardrails?|filters?|training)\\b`,
  "iy",
);
const OVERRIDE_TOLD = new RegExp(
  `(?:ignore|disregard|forget)${S}(?:everything|anything|all|what)${S}` +
    `(?:(?:you|i|we)${S}(?:were|was|have${S}been)${S}(?:told|given|said)|above|before|previously|so${S}far|earlier)\\b`,
  "iy",
);
const NEW_INSTRUCTIONS = new RegExp(
  `(?:new|updated|revised|real|actual|true|secret|hidden|additional)${S}(?:system${S})?` +
    `(?:instructions?|rules|directives?|prompt|task)\\s{0,3}:`,
  "iy",
);
const YOU_ARE_NOW = new RegExp(
  `you(?:${S}are|'re|\u2019re)${S}(?:now|no${S}longer)${S}(?:a|an|the|in|my|DAN|free|unrestricted|uncensored|` +
    `unfiltered|jailbroken|acting|going|operating|called|named|known|evil|rogue)\\b`,
  "iy",
);
const JAILBREAK_WORDS =
  /\bDAN\b|jailbr|unrestricted|uncensored|unfiltered|developer\s+mode|no\s+(?:rules|restrictions|limits|filters)/i;
const ACT_AS = new RegExp(
  `(?:act|behave|respond|pretend|roleplay)${S}(?:as|like|to${S}be|you${S}are|that${S}you${S}are)${S}` +
    `(?:(?:a|an|if|you|were|are)${S}){0,3}(?:DAN|unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|` +
    `malicious|different${S}AI|(?:AI|model|assistant)${S}(?:without|with${S}no)${S}(?:restrictions|rules|filters|limits))`,
  "iy",
);
const MODE_ON = new RegExp(
  `(?:enable|activate|enter|switch${S}to|turn${S}on)${S}(?:developer|god|jailbreak|DAN|unrestricted)${S}mode`,
  "iy",
);
const MODE_ENABLED = new RegExp(
  `(?:developer|god|jailbreak|DAN|unrestricted)${S}mode${S}(?:enabled|activated|on|engaged)\\b`,
  "iy",
);
const DO_ANYTHING_NOW = new RegExp(`do${S}anything${S}now\\b`, "iy");
const LEAK = new RegExp(
  `(?:reveal|print|show|display|output|repeat|dump|leak|expose|disclose|recite|tell${S}me|give${S}me|` +
    `write${S}out|share|what${S}(?:is|are|was|were))(?:${S}(?:me|us|all|of|the|your|its|full|entire|complete|` +
    `exact|original|initial|hidden|secret|internal|verbatim|previous|first|whole|current)){0,5}${S}` +
    `(?:system${S}(?:prompt|message|instructions?)|(?:initial|hidden|original|developer|secret|internal|previous)` +
    `${S}(?:prompt|instructions)|instructions${S}(?:you${S}(?:were|have${S}been)${S}given|above)|` +
    `(?:words|text|prompt)${S}above|everything${S}above)`,
  "iy",
);
const STRONG_LEAK = /^(?:reveal|repeat|dump|leak|expose|disclose|recite)/i;
const EXFIL = new RegExp(
  `(?:send|post|upload|forward|transmit|exfiltrate|e-?mail|submit|leak|copy)\\b[^\\n]{0,100}?\\b` +
    `(?:to|at|into|via)${S}(?:https?|ftp|wss?):\\/\\/`,
  "iy",
);
const EXFIL_OBJECT =
  /conversation|chat|history|secret|credential|password|token|api[\s_-]?key|\bkeys\b|system\s+prompt|messages|context|contents?|information|\bdata\b|env(?:ironment)?|files?|cookies?|session|personal|everything|\ball\b|\babove\b/i;
const SENSITIVE_OBJECT =
  /secret|credential|password|token|api[\s_-]?key|system\s+prompt|conversation|history|cookies?/i;
const TEMPLATE_MARKER =
  /<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id)\|>|\[\/?INST\]|<<\/?SYS>>|<(?:start|end)_of_turn>/y;

type Check = (text: string, start: number, end: number, scan: Scan) => void;

/** A check that runs `re` at the anchor and emits `type` with `confidence(match)` when it matches. */
/** Every phrase goes on after its first word with a separator (or `'re`): check that before the regex. */
function separatorAt(text: string, pos: number): boolean {
  const c = text.charCodeAt(pos);
  return (
    c === 32 ||
    c === 9 ||
    c === 10 ||
    c === 13 ||
    c === 42 ||
    c === 95 ||
    c === 45 ||
    c === 39 ||
    c === 0x2019
  );
}

function phrase(re: RegExp, type: string, confidence: (m: string) => number): Check {
  return (text, start, end, scan) => {
    if (!separatorAt(text, end)) return;
    re.lastIndex = start;
    const m = re.exec(text);
    if (m !== null)
      scan.emit("injection", type, start, start + m[0].length, confidence(m[0]), RANK_INJECTION);
  };
}

/** Chat-template and role markers pasted into content: `<|im_start|>system`, `[INST]`, `<<SYS>>`. */
const marker: Check = (text, start, _end, scan) => {
  const before = text.charCodeAt(start - 1); // | [ < / _ open or sit inside every marker
  if (before !== 124 && before !== 91 && before !== 60 && before !== 47 && before !== 95) return;
  for (const back of [1, 2, 3]) {
    const at = start - back;
    if (at < 0) return;
    TEMPLATE_MARKER.lastIndex = at;
    const m = TEMPLATE_MARKER.exec(text);
    if (m !== null && at + m[0].length > start) {
      scan.emit("injection", "role-hijack", at, at + m[0].length, 0.85, RANK_INJECTION);
      return;
    }
  }
};

/** `\n\nHuman:` / `\n\nAssistant:` transcript turns spoofed inside content. */
const transcriptTurn: Check = (text, start, end, scan) => {
  if (text.charCodeAt(end) !== 58) return;
  if (start !== 0 && !(text.charCodeAt(start - 1) === 10 && text.charCodeAt(start - 2) === 10)) return;
  scan.emit("injection", "role-hijack", start, end + 1, 0.7, RANK_INJECTION);
};

/** `send the conversation to https://...`: needs a sensitive object between the verb and the URL. */
const exfiltration: Check = (text, start, end, scan) => {
  if (end - start === 1 && text.charCodeAt(end) !== 45) return; // "e" only as in "e-mail"
  const window = text.slice(end, Math.min(text.length, end + 140));
  if (!window.includes("://")) return;
  EXFIL.lastIndex = start;
  const m = EXFIL.exec(text);
  if (m === null) return;
  const between = m[0];
  if (!EXFIL_OBJECT.test(between.slice(end - start))) return;
  let stop = start + m[0].length;
  while (stop < text.length && stop - start < 400 && !/[\s)"'>\]]/.test(text.charAt(stop))) stop++;
  const confidence = SENSITIVE_OBJECT.test(between) ? 0.85 : 0.7;
  scan.emit("injection", "data-exfiltration", start, stop, confidence, RANK_INJECTION);
};

/**
 * Prompt-injection phrasing in text the model reads from outside: instruction overrides ("ignore all
 * previous instructions", "new instructions:"), role hijacks ("you are now DAN", chat-template markers),
 * requests to leak the system prompt, and exfiltration requests ("send the chat history to https://...").
 * Each check is anchored on its first word and reads a bounded window.
 *
 * @example registerInjectionPhrases(plan); // "Ignore all previous instructions" -> instruction-override
 */
export function registerInjectionPhrases(plan: Plan): void {
  const override = phrase(OVERRIDE, "instruction-override", (m) => (STRONG.test(m) ? 0.9 : 0.6));
  const told = phrase(OVERRIDE_TOLD, "instruction-override", () => 0.85);
  for (const w of [
    "ignore",
    "disregard",
    "forget",
    "override",
    "bypass",
    "skip",
    "drop",
    "abandon",
    "discard",
    "neglect",
  ]) {
    plan.word(w, override);
  }
  for (const w of ["ignore", "disregard", "forget"]) plan.word(w, told);
  const fresh = phrase(NEW_INSTRUCTIONS, "instruction-override", () => 0.8);
  for (const w of ["new", "updated", "revised", "real", "actual", "true", "secret", "hidden", "additional"]) {
    plan.word(w, fresh);
  }
  plan.word(
    "you",
    phrase(YOU_ARE_NOW, "role-hijack", (m) => (JAILBREAK_WORDS.test(m) ? 0.9 : 0.7)),
  );
  const actAs = phrase(ACT_AS, "role-hijack", () => 0.85);
  for (const w of ["act", "behave", "respond", "pretend", "roleplay"]) plan.word(w, actAs);
  const modeOn = phrase(MODE_ON, "role-hijack", (m) => (/developer/i.test(m) ? 0.7 : 0.9));
  for (const w of ["enable", "activate", "enter", "switch", "turn"]) plan.word(w, modeOn);
  const modeEnabled = phrase(MODE_ENABLED, "role-hijack", (m) => (/developer/i.test(m) ? 0.7 : 0.9));
  for (const w of ["developer", "god", "jailbreak", "dan", "unrestricted"]) plan.word(w, modeEnabled);
  plan.word(
    "do",
    phrase(DO_ANYTHING_NOW, "role-hijack", (m) => (m.startsWith("Do Anything") ? 0.9 : 0.6)),
  );
  for (const w of [
    "im",
    "system",
    "user",
    "assistant",
    "endoftext",
    "begin",
    "start",
    "end",
    "eot",
    "inst",
    "sys",
  ]) {
    plan.word(w, marker);
  }
  for (const w of ["human", "assistant"]) plan.word(w, transcriptTurn);
  const leak = phrase(LEAK, "prompt-leak", (m) => (STRONG_LEAK.test(m) ? 0.85 : 0.65));
  for (const w of [
    "reveal",
    "print",
    "show",
    "display",
    "output",
    "repeat",
    "dump",
    "leak",
    "expose",
    "disclose",
    "recite",
    "tell",
    "give",
    "write",
    "share",
    "what",
  ]) {
    plan.word(w, leak);
  }
  for (const w of [
    "send",
    "post",
    "upload",
    "forward",
    "transmit",
    "exfiltrate",
    "email",
    "e",
    "submit",
    "leak",
    "copy",
  ]) {
    plan.word(w, exfiltration);
  }
}

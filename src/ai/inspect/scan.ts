import type { DataClass } from "./types.js";

/**
 * A candidate hit before overlap resolution and hashing. `rank` says how specific the detector is: when
 * two hits of the same group overlap, the higher rank wins (a checksum-verified GitHub token beats a
 * generic `token = "..."` guess on the same characters).
 */
export interface Hit {
  readonly dataClass: DataClass;
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
  readonly rank: number;
  /** Extra fields copied onto the detection, or worked out only if read (the source-code language). */
  readonly extra: Readonly<Record<string, string>> | LazyFields | undefined;
}

/**
 * Fields of a detection worked out only when first read: `names` become properties of the detection,
 * and `resolve` is called at most once, with the inspected text, when one of them is read. For what costs
 * more than finding the hit and is rarely read: guessing a source-code block's language took as long as
 * finding the block, and the gateway never reads it.
 */
export abstract class LazyFields {
  abstract readonly names: readonly string[];
  abstract resolve(text: string): Readonly<Record<string, string>> | undefined;
}

/** Ranks, highest first. Ties go to the longer span, then the earlier one. */
export const RANK = {
  verifiedToken: 100,
  vendorToken: 90,
  structuredSecret: 85,
  urlCredential: 80,
  contextSecret: 75,
  checksumPii: 70,
  genericSecret: 60,
  email: 50,
  ssn: 50,
  phone: 45,
  ip: 45,
  plugin: 42,
  pattern: 40,
  dictionary: 35,
  domain: 35,
  label: 30,
  block: 10,
} as const;

const NO_CODES = new Uint16Array(0);

/**
 * The state of one `inspect` call: the text, the hits found so far, and scratch space that detectors use
 * to stay linear (where the next `-----END` is, up to where numbers were already read...).
 */
export class Scan {
  readonly hits: Hit[] = [];
  /** Numbers: skip digit groups already read as part of an earlier number. */
  numberSkipUntil = 0;
  /** IPv6: skip colons inside an address already read. */
  ipv6SkipUntil = 0;
  /** Private keys: position of the next `-----END ` found so far (-1: none left, -2: not searched yet). */
  keyEndAt = -2;
  /** Private keys: BEGINs before this were read as part of an earlier block. */
  keyCoveredUntil = 0;
  /** Hidden Unicode: end of the last run read. */
  invisibleUntil = 0;
  /** Encoded instructions: decoded bytes so far (bounded per call). */
  decodedBudget = 256 * 1024;
  /** Command-line flags: the text before this was read for command names (read once, left to right). */
  commandReadTo = 0;
  /** Assignments: position of the last `:` read (a type annotation before `=` needs one nearby). */
  lastColon = -100;
  /** Command-line flags: bits of the commands named in the current shell command so far. */
  commandBits = 0;
  /**
   * The text's UTF-16 code units while `Plan.run` walks it, followed by zeros (where `charCodeAt` would
   * give NaN): reading them here is faster than `charCodeAt`. Valid only during the run; its length is
   * not the text's.
   */
  codes: Uint16Array = NO_CODES;

  constructor(readonly text: string) {}

  /** Record a hit; offsets are checked because a bad offset is a detector bug, not bad input. */
  emit(
    dataClass: DataClass,
    type: string,
    start: number,
    end: number,
    confidence: number,
    rank: number,
    extra?: Readonly<Record<string, string>> | LazyFields,
  ): void {
    if (!(start >= 0 && end > start && end <= this.text.length)) {
      throw new Error(`detector ${type} emitted an invalid span ${start}..${end}`);
    }
    const c = Math.round(Math.min(1, Math.max(0, confidence)) * 100) / 100;
    // One object shape for every hit, so the code that sorts and resolves them stays monomorphic.
    this.hits.push({ dataClass, type, start, end, confidence: c, rank, extra });
  }
}

/** Called at a word start whose first two characters match a registered prefix key. */
export type PrefixHandler = (text: string, start: number, scan: Scan) => void;
/** Called for a word equal (case-insensitively) to a registered anchor word. */
export type WordHandler = (text: string, start: number, end: number, scan: Scan) => void;
/** Called at a character registered as special; returns where the scan continues (at least pos + 1). */
export type CharHandler = (text: string, pos: number, scan: Scan) => void;
/** Called for each run of base64 characters at least `minLength` long. */
export type RunHandler = (text: string, start: number, end: number, scan: Scan) => void;
/** Called at the end of every line with the count of code punctuation on it, and once at the end. */
export interface LineConsumer {
  line(text: string, start: number, end: number, punct: number, scan: Scan): void;
  finish(text: string, scan: Scan): void;
}
/** A whole-text pass (safe patterns, plug-in detectors): for detectors that cannot be anchored. */
export type TextPass = (text: string, scan: Scan) => void;

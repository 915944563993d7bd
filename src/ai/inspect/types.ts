/**
 * What the inspection engine reports. A detection never carries the matched text: only where it is in
 * the inspected string (for redaction inside the request) and a keyed hash (for the audit trail), so a
 * secret cannot leak through a detection into a log or the store.
 */

/** The data classes the AI policy decides on. */
export const DATA_CLASSES = [
  "secret", // credentials: API keys, tokens, private keys, passwords in connection strings
  "pii", // personal data: e-mail, phone, payment card, IBAN, SSN, IP address
  "confidential", // configured labels, internal domains, dictionaries and patterns
  "source-code", // proprietary source code in a prompt
  "injection", // prompt injection in content the model will read
  "unsafe-code", // generated code that disables TLS checks, concatenates SQL, evals input (responses)
] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/**
 * One hit. `start`/`end` are UTF-16 offsets into the inspected text (`text.slice(start, end)` is the
 * match). `type` is a stable kebab-case id such as `aws-access-key-id`, `github-token`, `email`,
 * `payment-card`, `iban`, `us-ssn`, `ipv4`, `instruction-override`, `hidden-unicode`.
 */
export interface Detection {
  readonly dataClass: DataClass;
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** 0..1: how sure the detector is (a checksum-verified card is surer than an entropy guess). */
  readonly confidence: number;
  /** Keyed hash (HMAC-SHA256 with the inspector's key, hex, first 32 chars) of the matched text. */
  readonly hash: string;
}

/** Where a piece of text sits in a request, so detectors that only make sense somewhere can skip it. */
export type TextRole = "system" | "user" | "assistant" | "tool-definition" | "tool-result" | "response";

/**
 * A `source-code` detection also says which language the block looks like, when that was easy to tell
 * (a fence tag such as ```` ```python ````, or keywords). Other detections never carry it. It is worked
 * out when first read, so it can be an own key whose value is undefined (JSON leaves it out).
 *
 * @example
 * const code = detections.filter(isSourceCodeDetection).map((d) => d.language ?? "unknown");
 */
export interface SourceCodeDetection extends Detection {
  readonly dataClass: "source-code";
  readonly language?: string;
}

/**
 * Narrow a detection to a source-code detection (with its optional `language`).
 *
 * @example detections.filter(isSourceCodeDetection).map((d) => d.language)
 */
export function isSourceCodeDetection(d: Detection): d is SourceCodeDetection {
  return d.dataClass === "source-code";
}

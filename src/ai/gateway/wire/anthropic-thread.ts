// Anthropic's threads and cache diagnostics (betas): the provider keeps something of a request under
// its answer's id (a thread's whole conversation; the prompt's fingerprint, for cache diagnostics), and
// a later request that names that id reads it, so every caller sharing detente's credential could read
// it by naming the id.
import { isRecord, stringOf, type Json } from "./slots.js";

/**
 * What a Messages request has the provider keep under its answer's id, and the earlier answers it
 * names; null for a request that has nothing kept:
 *
 * - `thread` (`{"type": "create"}`, or `{"type": "continue", "previous_message_id": ...}`,
 *   anthropic-sdk-typescript's `BetaMessageThreadParam`): the conversation is held under the answer's
 *   id, and `continues` is the answer it resumes from, if any;
 * - `diagnostics` (`{"previous_message_id": ... | null}`, `BetaDiagnosticsParam`): the provider compares
 *   the prompt with that of the request whose answer `compares` names, and tells how much of it matched
 *   (`cache_miss_reason`, with `cache_missed_input_tokens`): named with someone else's id, a way to guess
 *   their prompt. `null` (or no member) opts in without one (the first turn); anything else that is not
 *   an id (`""`, a number, an array, an object) is `compares: ""`, which is nobody's, so that it is left
 *   out like another user's id rather than sent for the provider to read as it may.
 *
 * @example anthropicThread({ thread: { type: "continue", previous_message_id: "msg_1" } }); // { continues: "msg_1", compares: null }
 * @example anthropicThread({ diagnostics: { previous_message_id: "msg_2" } }); // { continues: null, compares: "msg_2" }
 * @example anthropicThread({ diagnostics: { previous_message_id: ["msg_2"] } }); // { continues: null, compares: "" }
 */
export function anthropicThread(body: Json): { continues: string | null; compares: string | null } | null {
  const { thread, diagnostics } = body;
  const threaded = isRecord(thread);
  const diagnosed = isRecord(diagnostics);
  if (!threaded && !diagnosed) return null;
  return {
    continues: threaded ? nonEmpty(stringOf(thread.previous_message_id)) : null,
    compares: diagnosed ? comparedId(diagnostics.previous_message_id) : null,
  };
}

/** The answer cache diagnostics name: null for none, "" for a value that is no id. */
function comparedId(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : "";
}

function nonEmpty(id: string | undefined): string | null {
  return id !== undefined && id.length > 0 ? id : null;
}

// Anthropic's threads (beta): the provider holds a conversation's state under each answer's id, and a
// later request that names that id continues it, so every caller sharing detente's credential could
// read it by naming the id.
import { isRecord, stringOf, type Json } from "./slots.js";

/**
 * A Messages request's `thread` (`{"type": "create"}`, or `{"type": "continue", "previous_message_id":
 * ...}`, anthropic-sdk-typescript's `BetaMessageThreadParam`): the answer it continues from, if any, and
 * whether the provider holds the conversation under the new answer's id; null without one.
 *
 * @example anthropicThread({ thread: { type: "continue", previous_message_id: "msg_1" } }); // { continues: "msg_1" }
 */
export function anthropicThread(body: Json): { continues: string | null } | null {
  const { thread } = body;
  if (!isRecord(thread)) return null;
  const previous = stringOf(thread.previous_message_id);
  return { continues: previous !== undefined && previous.length > 0 ? previous : null };
}

import type { TextRole } from "../../inspect/types.js";
import { arrayOf, indexPath, isRecord, pushStream, pushString, type Json } from "./slots.js";
import type { StreamSlot, TextSlot } from "./types.js";

/**
 * What a reader sees of an answer's citations (OpenAI's `annotations`): a cited page's URL and title, a
 * cited file's name. A URL can carry a token or an address in its query; a title what the page holds.
 * Their offsets into the text (`start_index`, `end_index`) follow the text's edits: see citations.ts.
 */
const CITED = ["url", "title", "filename"] as const;
/** In Chat Completions' `url_citation`, also the page's excerpt some compatible servers send. */
const CITED_IN_URL_CITATION = [...CITED, "content"] as const;

/**
 * Each object of a citation with the keys read in it and its path: a Responses annotation is the
 * citation; Chat Completions wraps it in `url_citation` (both levels are read).
 */
function cited(annotation: Json, path: string): [Json, readonly string[], string][] {
  const out: [Json, readonly string[], string][] = [[annotation, CITED, path]];
  if (isRecord(annotation.url_citation))
    out.push([annotation.url_citation, CITED_IN_URL_CITATION, `${path}.url_citation`]);
  return out;
}

/**
 * Push the cited texts of `holder.annotations` (a Responses `output_text` part, a Chat Completions
 * message).
 *
 * @example pushAnnotations(out, part, "response", "output[0].content[0]"); // "output[0].content[0].annotations[0].url", ...
 */
export function pushAnnotations(out: TextSlot[], holder: Json, role: TextRole, path: string): void {
  arrayOf(holder.annotations).forEach((a, k) => {
    if (!isRecord(a)) return;
    for (const [c, keys, p] of cited(a, indexPath(`${path}.annotations`, k)))
      for (const key of keys) pushString(out, c, key, role, `${p}.${key}`);
  });
}

/**
 * Push the cited texts of one annotation of a stream (`stream`, the text it annotates) as whole texts,
 * each under a stream id of its own (`output:0:content:0:annotation:2:url`), so that every event that
 * repeats it sends the same.
 *
 * @example pushAnnotationSnapshot(out, event.data.annotation, 2, "output:0:content:0", "annotation");
 */
export function pushAnnotationSnapshot(
  out: StreamSlot[],
  annotation: unknown,
  index: number,
  stream: string,
  path: string,
): void {
  if (!isRecord(annotation)) return;
  for (const [c, keys, p] of cited(annotation, path)) {
    const within = p === path ? "" : "url_citation.";
    for (const key of keys)
      pushStream(out, c, key, `${stream}:annotation:${index}:${within}${key}`, `${p}.${key}`);
  }
}

/**
 * `pushAnnotationSnapshot` for each of `holder.annotations`.
 *
 * @example pushAnnotationSnapshots(out, part, "output:0:content:0", "part");
 */
export function pushAnnotationSnapshots(out: StreamSlot[], holder: Json, stream: string, path: string): void {
  arrayOf(holder.annotations).forEach((a, k) => {
    pushAnnotationSnapshot(out, a, k, stream, indexPath(`${path}.annotations`, k));
  });
}

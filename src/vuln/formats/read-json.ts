import type { Finding } from "../finding.js";
import { JsonStreamReader, type ElementHandler, type JsonObject } from "./json-stream.js";
import { NeedsContext, type JsonFormat, type ReadOptions } from "./types.js";

interface Deferred {
  readonly value: unknown;
  readonly parents: readonly JsonObject[];
  readonly path: string;
}

/**
 * Stream a JSON report through its format's element handlers, yielding findings in batches of about one
 * input chunk each.
 *
 * @example
 * for await (const batch of readJsonFindings(trivy, chunks, { name: "trivy.json" })) store(batch);
 */
export async function* readJsonFindings(
  format: JsonFormat,
  chunks: AsyncIterable<Uint8Array>,
  options: ReadOptions,
): AsyncGenerator<Finding[]> {
  let batch: Finding[] = [];
  const deferred: Deferred[] = [];
  const complete: ReadOptions = { ...options, contextComplete: true };

  const elements: Record<string, ElementHandler> = {};
  for (const [path, handler] of Object.entries(format.elements)) {
    elements[path] = (value, parents) => {
      try {
        for (const f of handler(value, parents, options)) batch.push(f);
      } catch (e) {
        if (!(e instanceof NeedsContext)) throw e;
        deferred.push({ value, parents: [...parents], path });
      }
    };
  }
  const onClose: Record<string, ElementHandler> = {};
  const onScanned = options.onScanned;
  if (onScanned) {
    for (const [path, handler] of Object.entries(format.scans ?? {})) {
      onClose[path] = (obj, parents) => {
        const target = handler(obj as JsonObject, parents, complete);
        if (target) onScanned(target);
      };
    }
  }
  for (const path of format.contextPaths ?? []) {
    const scanned = onClose[path];
    onClose[path] = (obj, parents) => {
      scanned?.(obj, parents);
      // Retry what waited for this object, now that all its fields are known.
      for (let i = 0; i < deferred.length;) {
        const d = deferred[i]!;
        if (d.parents.includes(obj as JsonObject)) {
          deferred.splice(i, 1);
          for (const f of format.elements[d.path]!(d.value, d.parents, complete)) batch.push(f);
        } else i++;
      }
    };
  }

  const reader = new JsonStreamReader(options.name, { elements, onClose });
  for await (const chunk of chunks) {
    reader.push(chunk);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  reader.end();
  for (const d of deferred)
    for (const f of format.elements[d.path]!(d.value, d.parents, complete)) batch.push(f);
  if (batch.length > 0) yield batch;
}

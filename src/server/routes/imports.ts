import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { DetenteError } from "../../errors.js";
import { policyAssetDefaults, storedAssetMatcher } from "../../services/assets/store-assets.js";
import { audit } from "../../services/auth/audit.js";
import { createDecider } from "../../services/findings/create-decider.js";
import { importReport } from "../../services/findings/import-report.js";
import { storeIntel } from "../../services/intel/store-lookup.js";
import { openReport } from "../../vuln/formats/read.js";
import { principalOf } from "../auth.js";
import type { ServerDeps } from "../deps.js";

interface ImportRow {
  id: number;
  source: string;
  format: string;
  fullScan: boolean;
  startedAt: string;
  finishedAt: string | null;
  findings: number;
  created: number;
  updated: number;
  closed: number;
  reopened: number;
  unmatched: number;
}

function toImport(r: Record<string, unknown>): ImportRow {
  return {
    id: Number(r.id),
    source: String(r.source),
    format: String(r.format),
    fullScan: r.full_scan === true,
    startedAt: new Date(r.started_at as string).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at as string).toISOString() : null,
    findings: Number(r.findings),
    created: Number(r.created),
    updated: Number(r.updated),
    closed: Number(r.closed),
    reopened: Number(r.reopened),
    unmatched: Number(r.unmatched),
  };
}

/**
 * Imports: the list, and uploading a report (multipart, field `file`, optional field `fullScan=true`).
 * The upload is spooled to a private temporary file as it arrives (format detection reads the head of a
 * file, and a failed import must leave nothing), then goes through exactly the CLI's import path:
 * detection, streaming parse, dedupe, decision, all-or-nothing transaction.
 */
export function importRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    "/api/imports",
    { config: { scope: "read" }, schema: { tags: ["imports"], summary: "Report imports, newest first" } },
    async () => {
      const rows = await deps.store.query(`SELECT * FROM imports ORDER BY id DESC LIMIT 200`);
      return { imports: rows.map(toImport) };
    },
  );

  r.post(
    "/api/imports",
    {
      config: { scope: "import" },
      schema: {
        tags: ["imports"],
        summary:
          "Upload a scanner report (multipart: file, optional fullScan=true, optional asset=KEY for reports that do not name their asset) and import it",
        consumes: ["multipart/form-data"],
      },
    },
    async (request, reply) => {
      if (!request.isMultipart())
        throw new DetenteError(
          "INVALID_INPUT",
          "send the report as multipart/form-data with a field named file",
        );
      await mkdir(deps.uploadDir, { recursive: true, mode: 0o700 });
      const dir = await mkdtemp(join(deps.uploadDir, "upload-"));
      try {
        let fullScan = false;
        let asset: string | undefined;
        let name: string | null = null;
        let path = "";
        for await (const part of request.parts({ limits: { fileSize: deps.maxUploadBytes, files: 1 } })) {
          if (part.type === "field") {
            if (part.fieldname === "fullScan") fullScan = String(part.value) === "true";
            if (part.fieldname === "asset") asset = assetField(part.value);
            continue;
          }
          if (part.fieldname !== "file" || name !== null) {
            part.file.resume();
            continue;
          }
          name = safeName(part.filename);
          path = join(dir, name);
          await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
          if (part.file.truncated)
            throw new DetenteError(
              "INVALID_INPUT",
              `${name}: larger than the ${Math.round(deps.maxUploadBytes / 2 ** 20)} MiB upload limit`,
            );
        }
        if (name === null)
          throw new DetenteError("INVALID_INPUT", "no file: send the report in a field named file");
        const now = deps.now();
        const store = deps.store;
        const decider = createDecider({
          intel: storeIntel(store),
          assets: await storedAssetMatcher(store, policyAssetDefaults(deps.config.triage)),
          policy: deps.config.triage,
          now,
        });
        let result;
        try {
          const opened = await openReport(path, { assetKey: asset });
          result = await importReport({
            ctx: { store, now },
            input: { report: { ...opened, name }, fullScan, decider },
          });
        } catch (e) {
          // Errors name the file the user uploaded, not where it was spooled.
          if (e instanceof DetenteError) throw new DetenteError(e.code, e.message.replaceAll(path, name));
          throw e;
        }
        deps.queue.invalidate();
        deps.assetKeys.invalidate();
        await audit(store, now, {
          action: "report.uploaded",
          actor: principalOf(request).username,
          target: name,
          ip: request.ip,
          details: { format: result.format, findings: result.read, created: result.created },
        });
        const [row] = await store.query(`SELECT * FROM imports WHERE id = $1`, [result.importId]);
        return await reply.code(201).send({ import: row ? toImport(row) : null, result });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
}

/** The uploaded file's own name, reduced to a safe base name. */
function safeName(filename: string): string {
  const base = basename(filename.replaceAll("\\", "/"))
    .replace(/[^\w.@+-]/g, "_")
    .slice(-120);
  return base === "" || base === "." || base === ".." ? "report" : base;
}

/** The upload's `asset` field: the asset key of every finding (as `--asset`), or none when empty. */
function assetField(value: unknown): string | undefined {
  const key = String(value).trim();
  if (key.length > MAX_ASSET_KEY)
    throw new DetenteError("INVALID_INPUT", `asset: longer than ${MAX_ASSET_KEY} characters`);
  return key === "" ? undefined : key;
}

const MAX_ASSET_KEY = 1000;

import { z } from "zod";
import { DetenteError } from "../../errors.js";
import type { Asset, AssetContext } from "../assets/types.js";
import { CRITICALITIES, EXPOSURES } from "../assets/types.js";
import { budgetOrProblem } from "./budget.js";
import {
  AUTOMATABLES,
  EXPLOITATIONS,
  HUMAN_IMPACTS,
  MISSION_PREVALENCES,
  PUBLIC_WELLBEINGS,
  SYSTEM_EXPOSURES,
  TECHNICAL_IMPACTS,
} from "./ssvc-tables.js";
import type { EscalationBudget } from "./types.js";

/**
 * The `triage:` section of detente.yaml: how findings are decided, scored, escalated and given SLAs.
 * Every field has a default, so an empty (or absent) section is valid; unknown fields are errors, so a
 * typo does not silently leave a default in force. See docs/triage.md for each field.
 *
 * @example
 * const policy = parseTriagePolicy(yaml.parse(text)?.triage, "detente.yaml");
 * policy.sla.act; // 7
 */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });
}

function enumOf<T extends string>(values: readonly T[]) {
  return oneOf(values as unknown as readonly [T, ...T[]]);
}

const fraction = (fallback: number) =>
  z
    .number({ error: "expected a number from 0 to 1" })
    .min(0, { error: "expected a number from 0 to 1" })
    .max(1, { error: "expected a number from 0 to 1" })
    .default(fallback);

const days = (fallback: number) =>
  z
    .number({ error: "expected a positive number of days" })
    .int({ error: "expected a whole number of days" })
    .positive({ error: "expected a positive number of days" })
    .max(36_500, { error: "expected at most 36500 days" })
    .default(fallback);

const weight = (fallback: number) =>
  z
    .number({ error: "expected a weight from 0 to 100" })
    .min(0, { error: "expected a weight from 0 to 100" })
    .max(100, { error: "expected a weight from 0 to 100" })
    .default(fallback);

const criticalityMap = <T extends string>(
  values: readonly T[],
  d: Record<(typeof CRITICALITIES)[number], T>,
) =>
  z
    .strictObject({
      "mission-critical": enumOf(values).default(d["mission-critical"]),
      high: enumOf(values).default(d.high),
      medium: enumOf(values).default(d.medium),
      low: enumOf(values).default(d.low),
    })
    .prefault({});

const budget = z
  .unknown()
  .optional()
  .transform((value, ctx): EscalationBudget => {
    if (value === undefined) return { percent: 5 };
    const b = budgetOrProblem(value);
    if (typeof b !== "string") return b;
    ctx.issues.push({ code: "custom", message: b, input: value });
    return z.NEVER;
  });

export const triagePolicySchema = z
  .strictObject({
    /** EPSS probability at or above which a vulnerability counts as having a public PoC. */
    epssThreshold: fraction(0.1),
    /** Default escalation budget: "5%" of escalatable findings, or a count such as 25. */
    budget,
    /** Lowest outcome that may fill the budget; Acts are always escalated. */
    escalateFrom: oneOf(["track", "track*", "attend", "act"]).default("attend"),
    /** Days to remediate, from first seen, per CISA outcome. */
    sla: z
      .strictObject({
        act: days(7),
        attend: days(30),
        "track*": days(90),
        track: days(180),
      })
      .prefault({}),
    /** Relative weights of the risk score's parts (normalised to 100). */
    weights: z
      .strictObject({
        exploit: weight(40),
        ransomware: weight(5),
        severity: weight(25),
        criticality: weight(15),
        exposure: weight(10),
        age: weight(5),
      })
      .prefault({})
      .refine((w) => Object.values(w).some((v) => v > 0), { error: "at least one weight must be above 0" }),
    /** Age in days at which the age part of the score is full. */
    ageFullDays: days(180),
    /** Values used when nothing is known about a decision point. */
    defaults: z
      .strictObject({
        exploitation: enumOf(EXPLOITATIONS).default("none"),
        // YAML 1.1 readers (and hand-written JSON) turn a bare yes/no into a boolean; accept both.
        automatable: z
          .preprocess((v) => (v === true ? "yes" : v === false ? "no" : v), enumOf(AUTOMATABLES))
          .default("no"),
        technicalImpact: enumOf(TECHNICAL_IMPACTS).default("partial"),
      })
      .prefault({}),
    /** Asset criticality -> CISA Mission Prevalence. */
    missionPrevalence: criticalityMap(MISSION_PREVALENCES, {
      "mission-critical": "essential",
      high: "support",
      medium: "support",
      low: "minimal",
    }),
    /** Data classification -> CISA Public Well-Being Impact; classes not listed are "minimal". */
    publicWellbeing: z
      .record(z.string().min(1).max(100), enumOf(PUBLIC_WELLBEINGS))
      .default({ restricted: "material", pci: "material", phi: "material", pii: "material" })
      .transform((m) => {
        // Null prototype: data classes are free text and must not find `constructor` and friends.
        const out = Object.create(null) as Record<string, (typeof PUBLIC_WELLBEINGS)[number]>;
        for (const [k, v] of Object.entries(m)) out[k.trim().toLowerCase()] = v;
        return out;
      }),
    /** Asset criticality -> SSVC Human Impact (deployer tree). */
    humanImpact: criticalityMap(HUMAN_IMPACTS, {
      "mission-critical": "very high",
      high: "high",
      medium: "medium",
      low: "low",
    }),
    /** Asset exposure -> SSVC System Exposure (deployer tree). */
    systemExposure: z
      .strictObject({
        internet: enumOf(SYSTEM_EXPOSURES).default("open"),
        internal: enumOf(SYSTEM_EXPOSURES).default("controlled"),
        isolated: enumOf(SYSTEM_EXPOSURES).default("small"),
      })
      .prefault({}),
    /** The context of findings that match no asset. */
    defaultAsset: z
      .strictObject({
        criticality: enumOf(CRITICALITIES).default("medium"),
        exposure: enumOf(EXPOSURES).default("internal"),
        dataClassification: z.string({ error: "expected text" }).max(100).default("internal"),
        owner: z.string({ error: "expected text" }).max(200).default(""),
        environment: z.string({ error: "expected text" }).max(100).default(""),
      })
      .prefault({}),
  })
  .prefault({});

export type TriagePolicy = z.output<typeof triagePolicySchema>;

/**
 * Validate the `triage:` section (`raw` is its parsed YAML value; undefined or null mean "all defaults").
 * Throws `INVALID_CONFIG` with one line per problem, each naming the file, the field path and what is
 * allowed: `detente.yaml: triage.sla.act: expected a positive number of days`.
 *
 * @example parseTriagePolicy({ sla: { act: 3 } }, "detente.yaml").sla // { act: 3, attend: 30, "track*": 90, track: 180 }
 */
export function parseTriagePolicy(raw: unknown, fileName: string): TriagePolicy {
  const result = triagePolicySchema.safeParse(raw ?? undefined);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = ["triage", ...issue.path.map(String)].join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(", ");
      return `${fileName}: ${path}: unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}${allowedHint(issue.path)}`;
    }
    if (issue.code === "invalid_type" && issue.path.length === 0) {
      return `${fileName}: triage: expected a mapping of settings`;
    }
    return `${fileName}: ${path}: ${issue.message}`;
  });
  throw new DetenteError("INVALID_CONFIG", lines.join("\n"), { file: fileName, issues: result.error.issues });
}

function allowedHint(path: readonly PropertyKey[]): string {
  let shape: z.ZodType = triagePolicySchema;
  for (const key of path) {
    const inner = unwrap(shape);
    if (!(inner instanceof z.ZodObject)) return "";
    const next = (inner.shape as Record<string, z.ZodType | undefined>)[String(key)];
    if (!next) return "";
    shape = next;
  }
  const inner = unwrap(shape);
  return inner instanceof z.ZodObject ? ` (allowed: ${Object.keys(inner.shape).join(", ")})` : "";
}

function unwrap(t: z.ZodType): z.ZodType {
  let cur: z.ZodType = t;
  for (let i = 0; i < 5; i++) {
    if (cur instanceof z.ZodPrefault || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else break;
  }
  return cur;
}

/**
 * The policy with every default, as an empty `triage:` section gives.
 *
 * @example DEFAULT_TRIAGE_POLICY.epssThreshold // 0.1
 */
export const DEFAULT_TRIAGE_POLICY: TriagePolicy = parseTriagePolicy(undefined, "defaults");

/**
 * The context of a finding that matched no asset: the policy's default asset, `matched: false`.
 *
 * @example defaultAssetContext(DEFAULT_TRIAGE_POLICY, "registry.example.com/app").asset.criticality // "medium"
 */
export function defaultAssetContext(policy: TriagePolicy, assetKey: string): AssetContext {
  const d = policy.defaultAsset;
  const asset: Asset = {
    key: assetKey,
    name: assetKey || "(unknown asset)",
    matchers: [],
    owner: d.owner,
    environment: d.environment,
    criticality: d.criticality,
    exposure: d.exposure,
    dataClassification: d.dataClassification,
    sloTarget: null,
    tags: [],
  };
  return { asset, matched: false };
}

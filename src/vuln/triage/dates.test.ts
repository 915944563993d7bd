import { describe, expect, it } from "vitest";
import { dayNumber, formatDay } from "./dates.js";

describe("day numbers", () => {
  it("match Date.UTC over four centuries, both ways", () => {
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2300, 0, 1); t += 86_400_000 * 13) {
      const iso = new Date(t).toISOString().slice(0, 10);
      const day = t / 86_400_000;
      expect(dayNumber(iso)).toBe(day);
      expect(formatDay(day)).toBe(iso);
    }
  });

  it("take the date of timestamps, in UTC when an offset is given", () => {
    expect(formatDay(dayNumber("2024-03-31T22:00:00Z"))).toBe("2024-03-31");
    expect(formatDay(dayNumber("2024-03-31T22:00:00-05:00"))).toBe("2024-04-01");
    expect(formatDay(dayNumber(new Date("2024-02-29T12:00:00Z")))).toBe("2024-02-29");
  });

  it("reject what is not a real date", () => {
    for (const bad of [
      "2023-02-29",
      "2024-13-01",
      "2024-00-10",
      "24-01-01",
      "2024/01/01",
      "2024-01-01X",
      "",
      "soon",
    ]) {
      expect(dayNumber(bad), bad).toBeNaN();
    }
    expect(dayNumber(new Date("nope"))).toBeNaN();
  });
});

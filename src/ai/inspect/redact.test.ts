import { describe, expect, it } from "vitest";
import { createRestoreStream, createVault, jsonStringContent } from "./redact.js";
import { withGitHubChecksum } from "./secrets/checksum.js";
import { testInspector } from "./testing.js";

const inspector = testInspector({ sourceCode: false });
const GH = "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";
const PROMPT = `Deploy with ${GH} and mail bob@acme.io or ann@acme.io; bob@acme.io owns card 4556 7375 8689 9855 at 10.1.2.3, IBAN DE89370400440532013000, SSN 536-22-8741, phone 415-555-2671. CONFIDENTIAL.`;

describe("createVault", () => {
  it("replaces values with typed, numbered placeholders, the same value with the same placeholder", () => {
    const vault = createVault();
    const redacted = vault.redact(PROMPT, inspector.inspect(PROMPT, "user"));
    expect(redacted).toBe(
      "Deploy with [SECRET_1] and mail [EMAIL_1] or [EMAIL_2]; [EMAIL_1] owns card [CARD_1] at [IP_1], IBAN [IBAN_1], SSN [SSN_1], phone [PHONE_1]. [CONFIDENTIAL_1].",
    );
    expect(vault.size).toBe(9);
    expect(vault.restore(redacted)).toBe(PROMPT);
  });

  it("keeps numbering and identity across messages of one request", () => {
    const vault = createVault();
    const a = vault.redact(`key ${GH}`, inspector.inspect(`key ${GH}`, "user"));
    const second = `again ${GH} and ${withGitHubChecksum("ghp_", "a3kf93kdLm29fjs0Qw8dkaPz1x0ek3")}`;
    const b = vault.redact(second, inspector.inspect(second, "user"));
    expect([a, b]).toEqual(["key [SECRET_1]", "again [SECRET_1] and [SECRET_2]"]);
  });

  it("restores what the model echoes back and leaves unknown placeholders alone", () => {
    const vault = createVault();
    vault.redact(PROMPT, inspector.inspect(PROMPT, "user"));
    expect(vault.restore("Use [SECRET_1] for [EMAIL_2], not [SECRET_9] or [EMAIL_]")).toBe(
      `Use ${GH} for ann@acme.io, not [SECRET_9] or [EMAIL_]`,
    );
  });

  it("replaces the outer one of overlapping detections and rejects detections of another text", () => {
    const vault = createVault();
    const d = (start: number, end: number) => ({
      dataClass: "secret" as const,
      type: "x",
      start,
      end,
      confidence: 1,
      hash: "",
    });
    expect(vault.redact("0123456789", [d(2, 8), d(3, 5)])).toBe("01[SECRET_1]89");
    expect(() => vault.redact("short", [d(2, 40)])).toThrow(/outside the text/);
  });

  it("is the identity with nothing to redact", () => {
    const vault = createVault();
    expect(vault.redact("plain text", [])).toBe("plain text");
    expect(vault.restore("[SECRET_1]")).toBe("[SECRET_1]");
  });
});

describe("createRestoreStream", () => {
  const vault = createVault();
  const redacted = vault.redact(PROMPT, inspector.inspect(PROMPT, "user"));

  it("restores a placeholder split across chunks at every position", () => {
    for (let cut = 0; cut <= redacted.length; cut++) {
      const stream = createRestoreStream(vault);
      const out = stream.push(redacted.slice(0, cut)) + stream.push(redacted.slice(cut)) + stream.end();
      expect(out, `cut at ${cut}`).toBe(PROMPT);
    }
  });

  it("restores a stream of one-character chunks", () => {
    const stream = createRestoreStream(vault);
    let out = "";
    for (const ch of redacted) out += stream.push(ch);
    expect(out + stream.end()).toBe(PROMPT);
  });

  it("holds back only a possible placeholder prefix", () => {
    const stream = createRestoreStream(vault);
    expect(stream.push("see [SEC")).toBe("see ");
    expect(stream.push("OND opinion")).toBe("[SECOND opinion");
    expect(stream.push("a [b]")).toBe("a [b]");
    expect(stream.push("x [EMAIL_1")).toBe("x ");
    expect(stream.push("] y")).toBe("bob@acme.io y");
    expect(stream.push("[")).toBe("");
    expect(stream.end()).toBe("[");
  });

  it("passes chunks through unchanged and holds nothing when the vault is empty", () => {
    const stream = createRestoreStream(createVault());
    expect(stream.push("text [SEC")).toBe("text [SEC");
    expect(stream.push("RET_1]")).toBe("RET_1]");
    expect(stream.end()).toBe("");
  });

  it("escapes restored values inside streamed JSON source, split anywhere, so the JSON stays valid", () => {
    const vault = createVault();
    const secret = 'pa"ss\\word\n';
    const redacted = vault.redact(`use ${secret}`, [
      { dataClass: "secret", type: "password", start: 4, end: 4 + secret.length, confidence: 0.9, hash: "h" },
    ]);
    expect(redacted).toBe("use [SECRET_1]");
    const source = JSON.stringify({ command: "login --password [SECRET_1]" });
    for (let cut = 1; cut < source.length; cut++) {
      const stream = createRestoreStream(vault, { encode: jsonStringContent });
      const out = stream.push(source.slice(0, cut)) + stream.push(source.slice(cut)) + stream.end();
      expect(JSON.parse(out), `cut at ${cut}`).toEqual({ command: `login --password ${secret}` });
    }
  });
});

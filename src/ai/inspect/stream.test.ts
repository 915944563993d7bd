import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { createStreamInspector } from "./stream.js";
import { B64, randomString, seeded, testInspector } from "./testing.js";
import type { Detection } from "./types.js";

const inspector = testInspector();
const GH = "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";
const TEXT = `Sure! Set the header with ${GH} and restart the service.`;
const AT = TEXT.indexOf(GH);

function run(chunks: readonly string[], options: Parameters<typeof createStreamInspector>[1] = {}) {
  const stream = createStreamInspector(inspector, options);
  let out = "";
  const detections: Detection[] = [];
  for (const c of chunks) {
    const r = stream.push(c);
    out += r.emit;
    detections.push(...r.detections);
  }
  const last = stream.end();
  return { out: out + last.emit, detections: [...detections, ...last.detections] };
}

describe("createStreamInspector without masking", () => {
  it("emits every chunk unchanged and at once", () => {
    const stream = createStreamInspector(inspector);
    for (const chunk of ["Sure! Set ", "the header with ghp_zQWB", "uTSOoRi4A9spHcVY5ncnsDkxkJ0mLq17 ok"]) {
      expect(stream.push(chunk).emit).toBe(chunk);
    }
    expect(stream.end().emit).toBe("");
  });

  it("finds a secret split at every position exactly once, with whole-stream offsets", () => {
    for (let cut = 1; cut < TEXT.length; cut++) {
      const { detections } = run([TEXT.slice(0, cut), TEXT.slice(cut)]);
      const secrets = detections.filter((d) => d.dataClass === "secret");
      expect(
        secrets.map((d) => [d.type, d.start, d.end]),
        `cut at ${cut}`,
      ).toEqual([["github-token", AT, AT + GH.length]]);
      expect(secrets[0]!.hash).toBe(inspector.inspect(TEXT, "response")[0]!.hash);
    }
  });

  it("finds hits in a long stream of small chunks with offsets relative to the whole stream", () => {
    const filler = "The deployment finished and all checks are green. ".repeat(400);
    const text = `${filler}mail bob@acme.io now. ${filler}${GH}\n${filler}`;
    const chunks = text.match(/[\s\S]{1,7}/g)!;
    const { out, detections } = run(chunks);
    expect(out).toBe(text);
    expect(detections.map((d) => [d.type, text.slice(d.start, d.end)])).toEqual([
      ["email", "bob@acme.io"],
      ["github-token", GH],
    ]);
  });

  it("reports a multi-line private key once, when its block is complete", () => {
    const r = seeded(4);
    const body = Array.from({ length: 30 }, () => randomString(r, 64, B64)).join("\n");
    const pem = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`;
    const text = `Here is the key:\n${pem}\nStore it safely.`;
    const { detections } = run(text.match(/[\s\S]{1,16}/g)!);
    expect(detections.map((d) => [d.type, d.start, d.end])).toEqual([["private-key", 17, 17 + pem.length]]);
  });
});

describe("createStreamInspector with masking", () => {
  it("masks a secret split at every position, leaking at most its first two characters", () => {
    for (let cut = 1; cut < TEXT.length; cut++) {
      const { out } = run([TEXT.slice(0, cut), TEXT.slice(cut)], { mask: ["secret"] });
      const leaked = cut > AT && cut <= AT + 2 ? GH.slice(0, cut - AT) : "";
      expect(out, `cut at ${cut}`).toBe(
        `${TEXT.slice(0, AT)}${leaked}[REDACTED_GITHUB_TOKEN]${TEXT.slice(AT + GH.length)}`,
      );
    }
  });

  it("does not hold back prose that ends in a short word", () => {
    const stream = createStreamInspector(inspector, { mask: ["secret", "pii"] });
    expect(stream.push("Restart the").emit).toBe("Restart the");
    expect(stream.push(" service and then").emit).toBe(" service and then");
    expect(stream.push(" wait, my key is gh").emit).toBe(" wait, my key is gh");
  });

  it("holds back a trailing token that starts like a credential, and releases it when it does not become one", () => {
    const stream = createStreamInspector(inspector, { mask: ["secret"] });
    expect(stream.push("token: sk-abc").emit).toBe("token: ");
    expect(stream.push("def is not a key.").emit).toBe("sk-abcdef is not a key.");
  });

  it("masks a private key streamed line by line without letting any of it through", () => {
    const r = seeded(8);
    const lines = Array.from({ length: 26 }, () => randomString(r, 64, B64));
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${lines.join("\n")}\n-----END RSA PRIVATE KEY-----`;
    const text = `Key:\n${pem}\nDone.`;
    const { out, detections } = run(text.split(/(?<=\n)/), { mask: ["secret"] });
    expect(out).toBe("Key:\n[REDACTED_PRIVATE_KEY]\nDone.");
    expect(detections.map((d) => d.type)).toEqual(["private-key"]);
  });

  it("masks PII split across chunks", () => {
    const text = "Call me at 415-555-2671 or write to jane.doe@gmail.com today.";
    for (const cut of [14, 16, 20, 45, 50]) {
      const { out } = run([text.slice(0, cut), text.slice(cut)], { mask: ["pii"] });
      expect(out, `cut at ${cut}`).toBe("Call me at [REDACTED_PHONE] or write to [REDACTED_EMAIL] today.");
    }
    // A chunk that ends before the "@" cannot know the word is a local part: it goes out (documented).
    const { out } = run([text.slice(0, 40), text.slice(40)], { mask: ["pii"] });
    expect(out).toBe("Call me at [REDACTED_PHONE] or write to jane[REDACTED_EMAIL] today.");
  });

  it("masks a whole text given to end() as streaming it would, each hit reported once", () => {
    const text = `Call me at 415-555-2671, and use ${GH} as the token.`;
    const whole = createStreamInspector(inspector, { mask: ["secret", "pii"] }).end(text);
    expect(whole.emit).toBe("Call me at [REDACTED_PHONE], and use [REDACTED_GITHUB_TOKEN] as the token.");
    expect(whole.emit).toBe(run([text], { mask: ["secret", "pii"] }).out);
    expect(whole.detections.map((d) => [d.type, text.slice(d.start, d.end)])).toEqual([
      ["phone", "415-555-2671"],
      ["github-token", GH],
    ]);
  });

  it("validates its options", () => {
    for (const options of [{ lookBack: 0 }, { lookBack: 1.5 }, { mask: ["secrets" as never] }]) {
      try {
        createStreamInspector(inspector, options);
        expect.unreachable();
      } catch (e) {
        expect(isDetenteError(e, "INVALID_CONFIG")).toBe(true);
      }
    }
  });
});

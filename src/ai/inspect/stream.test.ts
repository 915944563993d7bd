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

  it("holds a token that is already a hit but may still grow, wherever the stream is cut", () => {
    // `xoxb-<id>-<id>` is a Slack token already; its secret part comes after the next `-`.
    const slack = "xoxb-2384729384-2384729384723-aB3dE5fG7hJ9kL1mN3pQ5rS7";
    const text = `SLACK_BOT_TOKEN=${slack}\nREGION=eu-west-1`;
    const at = text.indexOf(slack);
    const whole = run([text], { mask: ["secret"] }).out;
    expect(whole).toBe("SLACK_BOT_TOKEN=[REDACTED_SLACK_TOKEN]\nREGION=eu-west-1");
    for (let cut = 1; cut < text.length; cut++) {
      const { out } = run([text.slice(0, cut), text.slice(cut)], { mask: ["secret"] });
      expect(out, `cut at ${cut}`).not.toContain("aB3dE5fG7hJ9kL1mN3pQ5rS7");
      if (cut <= at || cut > at + 5) expect(out, `cut at ${cut}`).toBe(whole);
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

  it("streams text without spaces (Chinese) as it comes instead of holding it to the end", () => {
    const stream = createStreamInspector(inspector, { mask: ["secret", "pii", "confidential"] });
    const text = "这是一个没有空格的很长的回答，模型会一个字一个字地输出它。".repeat(40);
    let sent = 0;
    let most = 0;
    for (let i = 0; i < text.length; i += 3) {
      sent += stream.push(text.slice(i, i + 3)).emit.length;
      most = Math.max(most, Math.min(i + 3, text.length) - sent);
    }
    expect(sent + stream.end().emit.length).toBe(text.length);
    expect(most).toBeLessThanOrEqual(3);
  });

  it("masks a secret in Chinese text split at every position, leaking at most its first two characters", () => {
    // No credential word before it (after one, `令牌是 `, the value is held whole: see below).
    const text = `部署时用的是 ${GH}，请勿外传，也不要写进代码里。`;
    const at = text.indexOf(GH);
    for (let cut = 1; cut < text.length; cut++) {
      const { out } = run([text.slice(0, cut), text.slice(cut)], { mask: ["secret"] });
      const leaked = cut > at && cut <= at + 2 ? GH.slice(0, cut - at) : "";
      expect(out, `cut at ${cut}`).toBe(
        `${text.slice(0, at)}${leaked}[REDACTED_GITHUB_TOKEN]${text.slice(at + GH.length)}`,
      );
    }
  });

  it("holds a password with Chinese letters after its key until it is whole", () => {
    for (const [text, value] of [
      ["数据库配置 password: 密码Zx9qLm2Vb7 ，完成。", "密码Zx9qLm2Vb7"],
      ["配置如下 <password>密码Zx9qLm2Vb7</password> 完成。", "密码Zx9qLm2Vb7"],
      ['配置如下 {"password":"密码Zx9qLm2Vb7"} 完成。', "密码Zx9qLm2Vb7"],
    ] as const) {
      const at = text.indexOf(value);
      const masked = `${text.slice(0, at)}[REDACTED_PASSWORD]${text.slice(at + value.length)}`;
      expect(run([text], { mask: ["secret"] }).out).toBe(masked);
      for (let cut = at; cut < at + value.length; cut++) {
        const { out } = run([text.slice(0, cut), text.slice(cut)], { mask: ["secret"] });
        expect(out, `${text} cut at ${cut}`).toBe(masked);
      }
    }
  });

  it("holds a value after a Chinese, Japanese or Korean credential word until it is whole", () => {
    const value = "Zx8kq2LmP9vTqR4w";
    for (const [text, type] of [
      [`数据库密码是${value}，请保密。`, "PASSWORD"],
      [`配置如下：\n数据库密码：${value}\n完成。`, "PASSWORD"],
      [`本番DBのパスワードは${value}です。`, "PASSWORD"],
      [`서버 비밀번호는 ${value} 입니다.`, "PASSWORD"],
      [`깃허브 토큰: ${value} 입니다.`, "GENERIC_SECRET"],
      [`我的API token是${value}，请保密。`, "GENERIC_SECRET"],
      [`我的password是${value}，请保密。`, "PASSWORD"],
      [`配置 password：${value}，完成。`, "PASSWORD"],
      [`密码是『${value}』，请保密。`, "PASSWORD"],
      [`密码是‘${value}’，请保密。`, "PASSWORD"],
      [`『パスワード』：${value}です。`, "PASSWORD"],
      [`密码 => ${value} 完成。`, "PASSWORD"],
      [`密码：     ${value} 完成。`, "PASSWORD"],
      [`本番DBのパスワード は ${value} です。`, "PASSWORD"],
      [`서버 비밀번호는${value}입니다.`, "PASSWORD"],
      [`서버 비밀번호를 ${value}로 바꿨어요.`, "PASSWORD"],
      [`깃허브 토큰을${value}로 교체했어요.`, "GENERIC_SECRET"],
      [`数据库密码${value}，请保密。`, "PASSWORD"],
      [`API密钥${value}，请保密。`, "GENERIC_SECRET"],
    ] as const) {
      const at = text.indexOf(value);
      const masked = `${text.slice(0, at)}[REDACTED_${type}]${text.slice(at + value.length)}`;
      expect(run([text], { mask: ["secret"] }).out, text).toBe(masked);
      for (let cut = at; cut < at + value.length; cut++) {
        const { out } = run([text.slice(0, cut), text.slice(cut)], { mask: ["secret"] });
        expect(out, `${text} cut at ${cut}`).toBe(masked);
      }
    }
  });

  it("never emits half of a surrogate pair", () => {
    const wellFormed = (s: string) =>
      !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
    const cases: (readonly string[])[] = [
      // An emoji cut in two by the chunks it came in: the high half waits for the low one.
      ["Well done \ud83c", "\udf89 see you", " tomorrow"],
      ["a long word ghp_zQWBuTSOoRi4\ud83c", "\udf89 after"],
      // A long run without spaces, letters and emoji in turn.
      "x\u{1f600}".repeat(2000).match(/[\s\S]{1,3}/g) ?? [],
    ];
    for (const chunks of cases) {
      const stream = createStreamInspector(inspector, { mask: ["secret", "pii"] });
      let out = "";
      for (const c of chunks) {
        const emit = stream.push(c).emit;
        expect(wellFormed(emit), JSON.stringify(emit.slice(-20))).toBe(true);
        out += emit;
      }
      expect(out + stream.end().emit).toBe(chunks.join(""));
    }
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

describe("createStreamInspector with many hits", () => {
  it("reports each hit once, at its offset and with its hash, however the stream is cut", () => {
    const parts: string[] = [];
    for (let i = 0; i < 2000; i++) parts.push(i % 50 === 0 ? GH : `user${i}@corp.io`);
    const text = parts.join(" \n, ");
    const whole = inspector.inspect(text, "response").map((d) => `${d.type}@${d.start}-${d.end}#${d.hash}`);
    for (const seed of [1, 2, 3]) {
      const rand = seeded(seed);
      const chunks: string[] = [];
      for (let i = 0; i < text.length;) {
        const n = 1 + Math.floor(rand() * 300);
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      for (const mask of [[], ["secret"]] as const) {
        const { detections } = run(chunks, { mask });
        const got = detections.map((d) => `${d.type}@${d.start}-${d.end}#${d.hash}`);
        expect(got, `seed ${seed}, mask ${mask.join()}`).toEqual(whole);
      }
    }
  });
});

describe("createStreamInspector when inspection fails", () => {
  // An inspector whose detector breaks on one word, as a bug would.
  const breaking = {
    inspect: (text: string, role: Parameters<typeof inspector.inspect>[1]) => {
      if (text.includes("BREAKS")) throw new Error("a detector failed");
      return inspector.inspect(text, role);
    },
  };

  it("leaves the stream as it was, and abandon() gives back exactly what was held", () => {
    for (const cut of [5, 30, AT + 8, AT + GH.length + 3]) {
      const stream = createStreamInspector(breaking, { mask: ["secret"] });
      const first = stream.push(TEXT.slice(0, cut));
      expect(() => stream.push(" then BREAKS here")).toThrow("a detector failed");
      const held = stream.abandon();
      // Nothing of the failed chunk, nothing sent twice, nothing lost (the masked token stays masked).
      const sent = first.emit + held;
      expect(sent).toBe(TEXT.slice(0, cut).replace(GH, "[REDACTED_GITHUB_TOKEN]"));
      expect(stream.abandon()).toBe("");
    }
  });

  it("loses and repeats nothing, wherever in the stream inspection starts failing", () => {
    // Words that look like the start of a credential (held back while masking), prose and code.
    const words = ["the", "token", "sk-", "ghp_", "AKIA", "key=", "deploy", "é", "\n", "{", "x1y2z3w4"];
    let checked = 0;
    let heldBack = 0; // failures that found text held back, the case that matters
    for (let seed = 1; seed <= 300; seed++) {
      const rand = seeded(seed);
      let text = "";
      while (text.length < 200) text += words[Math.floor(rand() * words.length)]! + (rand() < 0.7 ? " " : "");
      const chunks: string[] = [];
      for (let i = 0; i < text.length;) {
        const n = 1 + Math.floor(rand() * 12);
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      // Only texts in which nothing is masked: then what arrives must be the text itself.
      if (run(chunks, { mask: ["secret"] }).out !== text) continue;
      checked++;
      let calls = 0;
      const failAt = 1 + Math.floor(rand() * chunks.length);
      const failing = {
        inspect: (t: string, role: Parameters<typeof inspector.inspect>[1]) => {
          if (++calls >= failAt) throw new Error("a detector failed");
          return inspector.inspect(t, role);
        },
      };
      const stream = createStreamInspector(failing, { mask: ["secret"] });
      let out = "";
      let unchecked = false;
      for (const chunk of chunks) {
        if (!unchecked) {
          try {
            out += stream.push(chunk).emit;
            continue;
          } catch {
            unchecked = true;
            const held = stream.abandon();
            if (held) heldBack++;
            out += held;
          }
        }
        out += chunk;
      }
      if (!unchecked) {
        try {
          out += stream.end().emit;
        } catch {
          out += stream.abandon();
        }
      }
      expect(out, `seed ${seed}`).toBe(text);
    }
    expect(checked).toBeGreaterThan(200);
    expect(heldBack).toBeGreaterThan(20);
  });

  it("does the same when the end fails after a push that did not", () => {
    const stream = createStreamInspector(breaking, { mask: ["secret"] });
    const first = stream.push(TEXT.slice(0, AT + 8));
    expect(() => stream.end(" BREAKS")).toThrow("a detector failed");
    expect(first.emit + stream.abandon()).toBe(TEXT.slice(0, AT + 8));
  });
});

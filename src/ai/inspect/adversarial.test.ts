import { describe, expect, it } from "vitest";
import { createStreamInspector } from "./stream.js";
import { B64, randomString, seeded, testInspector } from "./testing.js";

/**
 * Hostile inputs must finish: every detector is linear (bounded windows at anchors, one NFA pass for
 * patterns), so these 1 MB inputs complete; a catastrophic regex would hang here until the test timeout.
 * Nothing below asserts on time.
 */
const inspector = testInspector({
  confidential: {
    domains: ["corp.acme.io"],
    dictionaries: { codenames: ["Project Falcon", "a a a"] },
    patterns: [
      { name: "glob", pattern: "A*B*C*D" },
      { name: "regex", pattern: "/(?:a|aa|ab)+c/" },
      { name: "digits", pattern: "/\\d+\\d+x/" },
    ],
  },
});
const MB = 1 << 20;
const r = seeded(99);

const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

const HOSTILE: readonly (readonly [string, string])[] = [
  ["a run of a", fill("a")],
  ["a run of =", fill("=")],
  ["a run of -", fill("-")],
  ["a run of digits", fill("1234567890")],
  ["digits and spaces", fill("1 ")],
  ["dotted digits", fill("1.")],
  ["a run of @", fill("@")],
  ["local@ parts", fill("a@")],
  ["emails glued", fill("a@b.co")],
  ["colons", fill(":")],
  ["hex and colons", fill("a:")],
  ["URL schemes", fill("x://")],
  ["userinfo", fill("p://u:p@")],
  ["one base64 blob", randomString(r, MB, B64)],
  ["nested brackets", "[".repeat(MB / 2) + "]".repeat(MB / 2)],
  ["nested parentheses", "(".repeat(MB / 2) + ")".repeat(MB / 2)],
  ["key headers without end", fill("-----BEGIN RSA PRIVATE KEY-----\n")],
  [
    "key headers with one end",
    fill("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n") + "-----END RSA PRIVATE KEY-----",
  ],
  ["vendor prefixes", fill("ghp_ sk-ant- AKIA xoxb- eyJ ")],
  ["assignments", fill("password=")],
  ["quoted assignments", fill('api_key: "')],
  ["SQL openers", fill("'SELECT ")],
  ["eval calls", fill("eval((")],
  ["override words", fill("ignore ")],
  ["you are now", fill("you are now ")],
  ["send to", fill("send the data to ")],
  ["invisible characters", fill("\u200b")],
  ["tag characters", fill("\u{E0041}")],
  ["code lines", fill("x;\n")],
  ["fences", fill("```\n")],
  ["phrase starts", fill("project ")],
  ["domain parts", fill("corp.acme.")],
  ["pattern starts", fill("AAAABBBBCCCC")],
  ["regex pattern food", fill("aaaaaaab")],
  ["digit pattern food", fill("12345 ")],
  ["bearer", fill("Bearer ")],
  ["ipv6ish", fill("1:2:3:4:5:6:7:")],
  ["a run of spaces before =", "password" + " ".repeat(MB) + '= "x"'],
  ["aligned assignments", fill("password" + " ".repeat(60) + "=")],
  ["short flags", fill("-p ")],
  ["mysql -p", fill("mysql -p")],
  ["sshpass -p quotes", fill("sshpass -p '")],
  ["long flags", fill("--password ")],
  ["curl -u pairs", fill("curl -u a:")],
  ["continued command lines", fill("mysql \\\n-p")],
  ["flag in one long command", "sshpass " + fill("a") + " -p x"],
  ["password elements", fill("<password>")],
  ["unterminated password element", "<password>" + fill("a")],
  ["tags", fill("<a>")],
  ["named elements without an end", fill('<property name="db.password"')],
  ["value elements", fill("<value>")],
  ["a long tag name", "<" + fill("password")],
  ["generic closers", fill("abcdefghijklmnopqrstuvwxyz>")],
  ["name and value elements", fill("<name>db.password</name><value>")],
  ["name and value keys", fill("name: password\nvalue: ")],
  ["login pairs", fill("login is a/")],
  ["credentials are", fill("credentials are ")],
  ["identified by", fill("create user identified by ")],
  ["password literals", fill("alter user password '")],
  ["nested calls", fill("createHmac(")],
  ["call arguments", fill('createHmac("a", ')],
  ["setting calls", fill("define('DB_PASSWORD', ")],
  ["pgpass prefixes", fill("db.acme.io:5432:")],
  ["pgpass lines", fill("h:1:d:u:p\n")],
  ["Go DSNs", fill("a:b@tcp(")],
  ["a long DSN user", fill("a") + "@tcp("],
  ["Twilio SIDs", fill("AC0123456789abcdef0123456789abcdef01 ")],
  ["FCM prefixes", fill("AAAAaaaaaaa:APA91b")],
  ["config words", fill("requirepass ")],
  ["netrc", fill("machine a login b password ")],
  ["Chinese keys and particles", fill("密码是")],
  ["Japanese keys and particles", fill("パスワードは")],
  ["Korean keys and particles", fill("비밀번호는 ")],
  ["particles and values", fill("是a")],
  ["CJK keys and operators", fill("密码：")],
  ["a long value after a particle", "密码是" + fill("a")],
  ["a quoted value without an end", "パスワードは「" + fill("a")],
  ["values glued to Chinese keys", fill("密码Zx8k9")],
  ["values glued to Korean keys", fill("비밀번호는Zx8k9")],
  ["spaces before particles", fill("パスワード は ")],
  ["a long value glued to a key", "密码" + fill("a1")],
];

describe("adversarial inputs finish", () => {
  // `user` and `response` between them run every detector. The generous timeout is only a hang guard.
  it.each(HOSTILE)("%s (1 MB)", { timeout: 120_000 }, (_name, text) => {
    for (const role of ["user", "response"] as const) {
      const hits = inspector.inspect(text, role);
      expect(Array.isArray(hits)).toBe(true);
      for (const h of hits) expect(h.end).toBeLessThanOrEqual(text.length);
    }
  });

  it("streams a hostile megabyte in small chunks with masking", { timeout: 120_000 }, () => {
    const stream = createStreamInspector(inspector, { mask: ["secret", "pii"] });
    const text = fill("ghp_aaaa 4111 -----BEGIN PRIVATE KEY-----\n");
    let out = 0;
    for (let i = 0; i < text.length; i += 997) out += stream.push(text.slice(i, i + 997)).emit.length;
    out += stream.end().emit.length;
    expect(out).toBeGreaterThan(0);
  });
});

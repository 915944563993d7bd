import { describe, expect, it } from "vitest";
import { hasGitHubChecksum, withGitHubChecksum } from "./secrets/checksum.js";
import { vendorTypes } from "./secrets/vendor-rules.js";
import {
  ALNUM,
  B64,
  HEX,
  found,
  randomString,
  seeded,
  syntheticSecrets,
  testInspector,
  typesIn,
} from "./testing.js";

const inspector = testInspector();

describe("vendor-prefixed credentials", () => {
  const secrets = syntheticSecrets(7);

  it.each(secrets)("finds %s in prose, code, .env and JSON", (type, token) => {
    for (const text of [
      `here is my key ${token} please keep it safe`,
      `const client = new Client("${token}");`,
      `SOME_VALUE=${token}\nOTHER=1`,
      `{"value": "${token}", "n": 1}`,
    ]) {
      const hits = found(inspector, text).filter(([t]) => t === type);
      expect(hits, text).toEqual([[type, token]]);
    }
  });

  it("covers at least 40 formats with stable type ids", () => {
    const types = new Set([...vendorTypes(), ...secrets.map(([t]) => t)]);
    expect(types.size).toBeGreaterThanOrEqual(40);
    for (const t of types) expect(t).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it("does not match a prefix glued to an identifier or a token that runs on", () => {
    const r = seeded(3);
    const token = withGitHubChecksum("ghp_", randomString(r, 30));
    expect(typesIn(inspector, `my${token}`)).toEqual([]);
    expect(typesIn(inspector, `${token}X`)).toEqual([]);
  });

  it("verifies the GitHub/npm CRC32 checksum and is surer of tokens that pass it", () => {
    expect(hasGitHubChecksum("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")).toBe(true);
    expect(hasGitHubChecksum("ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq18")).toBe(false);
    const [valid] = inspector.inspect("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", "user");
    const [invalid] = inspector.inspect("ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq18", "user");
    expect(valid!.confidence).toBe(0.99);
    expect(invalid!.confidence).toBeLessThan(0.9);
  });

  it("pairs an AWS secret access key with the access key id next to it", () => {
    const text =
      "Access key ID,Secret access key\nAKIAQ3EGRZ4NVWT7LKXB,q8Hs2k/Lp0Vw9ZtN3mXc+R7bYd5eFgJ1aU4iO6Tw";
    expect(found(inspector, text)).toEqual([
      ["aws-access-key-id", "AKIAQ3EGRZ4NVWT7LKXB"],
      ["aws-secret-access-key", "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"],
    ]);
    expect(found(inspector, "aws_secret_access_key = q8Hs2k/Lp0Vw9ZtN3mXc+R7bYd5eFgJ1aU4iO6Tw")).toEqual([
      ["aws-secret-access-key", "q8Hs2k/Lp0Vw9ZtN3mXc+R7bYd5eFgJ1aU4iO6Tw"],
    ]);
  });

  it("finds Azure storage keys and SAS signatures", () => {
    const r = seeded(11);
    const key = `${randomString(r, 86, B64)}==`;
    const conn = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${key};EndpointSuffix=core.windows.net`;
    expect(found(inspector, conn)).toContainEqual(["azure-storage-key", key]);
    const sig = "k3Xb9%2BqLm2vR8sT1uW4yZ7aC0dF6gH5jK2nP9rS3tV8%3D";
    const sas = `https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2025-01-01T00:00:00Z&sig=${sig}`;
    expect(found(inspector, sas)).toContainEqual(["azure-sas-token", sig]);
  });
});

describe("private keys and JWTs", () => {
  const r = seeded(5);
  const body = Array.from({ length: 12 }, () => randomString(r, 64, B64)).join("\n");

  it("finds a PEM private key block, terminated or cut off", () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(found(inspector, `key:\n${pem}\nthanks`)).toEqual([["private-key", pem]]);
    const cut = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}`;
    const [hit] = inspector.inspect(`${cut}\nand then it stopped`, "user");
    expect(hit).toMatchObject({ type: "private-key", start: 0, end: cut.length });
    expect(hit!.confidence).toBeLessThan(0.99);
  });

  it("finds a private key inside JSON with escaped newlines, typed as a GCP service-account key", () => {
    const escaped = `-----BEGIN PRIVATE KEY-----\\n${body.replaceAll("\n", "\\n")}\\n-----END PRIVATE KEY-----\\n`;
    const json = `{"type": "service_account", "project_id": "p", "private_key": "${escaped}", "client_email": "x@p.iam.gserviceaccount.com"}`;
    expect(typesIn(inspector, json)).toContain("gcp-service-account-key");
  });

  it("ignores placeholder key blocks and certificates", () => {
    expect(typesIn(inspector, "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----")).toEqual([]);
    expect(typesIn(inspector, `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`)).toEqual([]);
  });

  it("finds JWTs whose header decodes to JSON with alg, and skips jwt.io's sample", () => {
    const header = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString("base64url");
    const payload = Buffer.from('{"sub":"u-81623","exp":1767225600}').toString("base64url");
    const jwt = `${header}.${payload}.${randomString(r, 86, ALNUM + "-_")}`;
    expect(found(inspector, `Authorization: Bearer ${jwt}`)).toEqual([["jwt", jwt]]);
    const sample =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    expect(typesIn(inspector, `token = ${sample}`)).toEqual([]);
    const noAlg = `${Buffer.from('{"typ":"x"}').toString("base64url")}.${payload}.abc`;
    expect(typesIn(inspector, noAlg)).toEqual([]);
  });
});

describe("credentials in URLs", () => {
  it("reports the password of database URLs and basic-auth URLs", () => {
    expect(found(inspector, "DATABASE_URL=postgres://app:Tr0ub4dor-3x@db.acme.io:5432/app")).toEqual([
      ["connection-string", "Tr0ub4dor-3x"],
    ]);
    expect(found(inspector, 'mongo("mongodb+srv://svc:p%40ss9Word!@cluster0.ab1cd.mongodb.net/db")')).toEqual(
      [["connection-string", "p%40ss9Word!"]],
    );
    expect(found(inspector, "git clone https://deploy:Gh7xk2Lq9@git.acme.io/repo.git")).toEqual([
      ["basic-auth-url", "Gh7xk2Lq9"],
    ]);
    for (const scheme of ["mysql", "redis", "amqp"]) {
      expect(typesIn(inspector, `${scheme}://user:S3cretPass77@host:1/x`)).toEqual(["connection-string"]);
    }
  });

  it("skips URLs without a password or with a placeholder one", () => {
    for (const text of [
      "postgres://app@db:5432/app",
      "postgres://user:password@localhost/db",
      "postgres://user:${DB_PASSWORD}@db/app",
      "redis://:<password>@cache:6379",
      "https://example.com/a:b@c",
      "postgres://user:****@db/app",
    ]) {
      expect(typesIn(inspector, text), text).toEqual([]);
    }
  });
});

describe("generic credentials by context", () => {
  it.each([
    ['password = "S3cr3t!Passw0rd"', "password", "S3cr3t!Passw0rd"],
    ["DB_PASSWORD=Tr0ub4dor&3x", "password", "Tr0ub4dor&3x"],
    ['"api_key": "a8f5f167f44f4964e6c998dee827110c"', "generic-secret", "a8f5f167f44f4964e6c998dee827110c"],
    ["SECRET_TOKEN=9fQ2xLr7TmB4vZp1Kc8W", "generic-secret", "9fQ2xLr7TmB4vZp1Kc8W"],
    ["client_secret: Zm9vYmFyYmF6cXV4MTIzNDU2", "generic-secret", "Zm9vYmFyYmF6cXV4MTIzNDU2"],
    ["$config['db_pass'] = 'h4ck3r-pr00f-99';", "password", "h4ck3r-pr00f-99"],
    ['password: str = "Wint3r-is-c0ming"', "password", "Wint3r-is-c0ming"],
    ["stripeApiKey => 'p1Q9zX7vB3nM5kL8'", "generic-secret", "p1Q9zX7vB3nM5kL8"],
  ])("finds %s", (text, type, value) => {
    expect(found(inspector, text)).toEqual([[type, value]]);
  });

  it.each([
    'password = os.environ["DB_PASSWORD"]',
    "password = getpass()",
    "api_key = settings.OPENAI_API_KEY",
    'api_key = "<your-api-key>"',
    "API_KEY=${API_KEY}",
    'token: "your_token_here"',
    'password: "changeme"',
    "password = process.env.DB_PASSWORD",
    'secret: "xxxxxxxxxxxxxxxx"',
    "max_tokens = 4096",
    "password_min_length = 12",
    'token_url = "https://auth.acme.io/oauth/token"',
    '"type": "password"',
    'private_key_path = "/etc/ssl/private/key.pem"',
    "public_key = MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    'api_key: "sk-..."',
    "password == other_password",
    "if (token) return token;",
    'secret_name: "prod-db-credentials"',
    'password: "{{ .Values.db.password }}"',
    'commit: "3f786850e387550fdab836ed7e6dc881de23001b"',
  ])("ignores %s", (text) => {
    expect(typesIn(inspector, text)).toEqual([]);
  });

  it("finds bearer tokens and basic credentials in headers", () => {
    expect(found(inspector, "curl -H 'Authorization: Bearer 8fQ2xL7TmB4vZp1Kc8W3nR6y' https://api")).toEqual([
      ["bearer-token", "8fQ2xL7TmB4vZp1Kc8W3nR6y"],
    ]);
    const basic = Buffer.from("deploy:Gr8-p4ssw0rd").toString("base64");
    expect(found(inspector, `Authorization: Basic ${basic}`)).toEqual([["basic-auth-credentials", basic]]);
    expect(typesIn(inspector, "Authorization: Bearer $TOKEN")).toEqual([]);
    expect(typesIn(inspector, "the bearer of this letter is trusted")).toEqual([]);
  });
});

describe("allowlists", () => {
  it("ignores documentation examples and placeholders", () => {
    for (const text of [
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
      "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "token=ghp_1234567890abcdefghijklmnopqrstuvwxyz",
      "SLACK_TOKEN=xoxb-not-a-real-token-this-will-not-work",
    ]) {
      expect(typesIn(inspector, text), text).toEqual([]);
    }
  });

  it("leaves UUIDs, hashes and base64 blobs without a credential context alone", () => {
    const r = seeded(9);
    for (const text of [
      "request 550e8400-e29b-41d4-a716-446655440000 failed",
      `commit ${randomString(r, 40, HEX)}`,
      `sha256:${randomString(r, 64, HEX)}`,
      `data:image/png;base64,${randomString(r, 400, B64)}==`,
      "integrity sha512-" + randomString(r, 86, B64) + "==",
    ]) {
      expect(
        typesIn(inspector, text).filter((t) => t !== "source-code"),
        text,
      ).toEqual([]);
    }
  });

  it("honours the configured allowlist (exact values)", () => {
    const token = withGitHubChecksum("ghp_", "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ");
    const listed = testInspector({ allowlist: [token] });
    expect(typesIn(listed, `token ${token}`)).toEqual([]);
    expect(typesIn(inspector, `token ${token}`)).toEqual(["github-token"]);
  });
});

import { describe, expect, it } from "vitest";
import { hasGitHubChecksum, withGitHubChecksum } from "./secrets/checksum.js";
import { vendorTypes } from "./secrets/vendor-rules.js";
import {
  ALNUM,
  B64,
  B64URL,
  HEX,
  found,
  randomString,
  seeded,
  syntheticSecrets,
  testInspector,
  typesIn,
} from "./testing.js";

const inspector = testInspector();

/** Types of the secrets found (e-mail addresses and IP addresses in the same commands do not count). */
const secretsIn = (text: string) =>
  inspector
    .inspect(text, "user")
    .filter((d) => d.dataClass === "secret")
    .map((d) => d.type);

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

  it.each(secrets)(
    "finds %s written against Chinese or Japanese text, or after a fullwidth colon",
    (type, token) => {
      for (const text of [
        `令牌是${token}，请保密`,
        `キーは${token}です`,
        `token：${token}`,
        `密钥「${token}」`,
      ]) {
        const hits = found(inspector, text).filter(([t]) => t === type);
        expect(hits, text).toEqual([[type, token]]);
      }
    },
  );

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
    expect(typesIn(inspector, `是my${token}`)).toEqual([]);
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
    ["password：Tr0ub4dor-x9Qz-77aa", "password", "Tr0ub4dor-x9Qz-77aa"],
    ["数据库 DB_PASSWORD＝Tr0ub4dor-x9Qz-77aa", "password", "Tr0ub4dor-x9Qz-77aa"],
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
    // Pagination cursors, in every page a tool or MCP server returns.
    '"nextPageToken": "CAESBggDEIkBGgwIARIIY2hyb21pdW0"',
    '"pageToken": "CAESBggDEIkBGgwIARIIY2hyb21pdW0"',
    "NextToken=eyJ2IjoxLCJjIjoiQUJDREVGR0hJSktMTU5PUCJ9",
    '"continuationToken": "4!108!MDAwMDQ2IXJlc3VsdHMvcGFnZS8xMjM0"',
    '"sync_token": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"',
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

describe("credentials named in Chinese, Japanese and Korean", () => {
  const V = "Zx8kq2LmP9vTqR4w";

  /** `[type, start, end]` of the secrets found, to check the span of the value. */
  const spans = (text: string) =>
    inspector
      .inspect(text, "user")
      .filter((d) => d.dataClass === "secret")
      .map((d) => [d.type, d.start, d.end]);

  it.each([
    // After a particle, as "password is ..."; the value may follow it without a space.
    [`密码是${V}`, "password"],
    [`数据库密码为 ${V}`, "password"],
    [`我的密碼為${V}，請保密`, "password"],
    [`口令是 ${V}。`, "password"],
    [`API密钥是${V}`, "generic-secret"],
    [`パスワードは${V}です`, "password"],
    [`パスワードは「${V}」です`, "password"],
    [`アクセストークンは ${V} です`, "generic-secret"],
    [`비밀번호는 ${V}입니다`, "password"],
    [`비밀번호를 ${V}로 바꿨어요`, "password"],
    [`액세스 토큰은 ${V}`, "generic-secret"],
    [`API 키는 ${V}`, "generic-secret"],
    [`我的password是${V}。`, "password"],
    // After an operator, as "password: ..."; also after a particle and an operator.
    [`密码：${V}`, "password"],
    [`密码: ${V}`, "password"],
    [`密码是：${V}，请保密`, "password"],
    [`访问令牌=${V}`, "generic-secret"],
    [`{"密码": "${V}"}`, "password"],
    [`パスワード：${V}`, "password"],
    [`トークン=${V}`, "generic-secret"],
    [`APIキー: ${V}`, "generic-secret"],
    [`비밀번호: ${V}`, "password"],
    [`토큰: ${V}`, "generic-secret"],
    [`시크릿 키 = "${V}"`, "generic-secret"],
    // Spaces before the particle.
    [`パスワード は ${V} です`, "password"],
    [`密码 是 ${V}`, "password"],
    [`パスワード は：${V}`, "password"],
    // Glued to the word: after a Korean particle, or right after a word in Han characters.
    [`비밀번호는${V}`, "password"],
    [`서버 비밀번호는${V}입니다`, "password"],
    [`API키는${V}`, "generic-secret"],
    [`토큰이${V} 입니다`, "generic-secret"],
    [`토큰을${V}로 교체`, "generic-secret"],
    [`密码${V}`, "password"],
    [`数据库密码${V}，请保密`, "password"],
    [`API密钥${V}`, "generic-secret"],
  ])("finds %s", (text, type) => {
    const start = text.indexOf(V);
    expect(spans(text)).toEqual([[type, start, start + V.length]]);
  });

  it("gives the confidence the English forms get", () => {
    const conf = (text: string) => inspector.inspect(text, "user")[0]?.confidence;
    expect(conf(`密码是${V}`)).toBe(conf(`password is ${V}`));
    expect(conf(`密码：${V}`)).toBe(conf(`password：${V}`));
    expect(conf(`トークンは ${V}`)).toBe(conf(`token is ${V}`));
    expect(conf(`토큰: ${V}`)).toBe(conf(`token: ${V}`));
    expect(conf(`비밀번호는${V}`)).toBe(conf(`password is ${V}`));
    expect(conf(`密码${V}`)).toBe(conf(`password is ${V}`));
  });

  it("leaves a vendor token to its own type", () => {
    const token = withGitHubChecksum("ghp_", randomString(seeded(5), 30));
    expect(found(inspector, `令牌: ${token}`)).toEqual([["github-token", token]]);
    expect(found(inspector, `토큰은 ${token}`)).toEqual([["github-token", token]]);
    expect(found(inspector, `令牌${token}`)).toEqual([["github-token", token]]);
    expect(found(inspector, `토큰은${token}`)).toEqual([["github-token", token]]);
  });

  it.each([
    "密码学",
    "密码学是一门学科",
    "密码是什么？",
    "请输入密码",
    "密码: ********",
    "密码：<your-password>",
    "密码是123456",
    "密码为 password123",
    "密码是Password",
    "密码长度：12",
    "密码必须是8位以上",
    "最大令牌：4096",
    "令牌为Bearer类型",
    "密钥是AES-256",
    "API密钥：YOUR_API_KEY",
    "访问令牌：${GITHUB_TOKEN}",
    "下一页令牌：CAESBggDEIkBGgwIARIIY2hyb21pdW0",
    "这是React的组件，我们认为Vue也可以",
    "パスワードを忘れた場合",
    "パスワード: your_password_here",
    "パスワードは8文字以上で設定してください",
    "パスワードはDB_PASSWORDで設定します",
    "トークンはGITHUB_TOKENに保存",
    "ページトークン: CAESBggDEIkBGgwIARIIY2hyb21pdW0",
    "비밀번호를 입력하세요",
    "비밀번호를 8자 이상으로 설정하세요",
    "비밀번호를 SHA-256으로 해시합니다",
    "토큰을 GITHUB_TOKEN에 저장",
    "비밀번호는 8자 이상이어야 합니다",
    "토큰: 없음",
    "키는 180cm입니다",
    // What a password or key is hashed with, kept in or sent as: not its value.
    "パスワードをSHA-256でハッシュ化します",
    "パスワードをbcrypt.hashSync()でハッシュ化",
    "パスワードがuser.passwordと一致するか確認",
    "トークンがres.data.tokenに入っています",
    "トークンをX-CSRF-Tokenヘッダーで送ります",
    "トークンをAuthorization: Bearerヘッダーで送ります",
    "암호는 AES-256-GCM을 사용합니다",
    "암호는 RSA-2048입니다",
    "토큰은 req.headers.authorization에서 읽습니다",
    "비밀번호는 bcrypt.hash()로 저장합니다",
    "密钥为AES-256-GCM",
    "密钥是HMAC-SHA256",
    "私钥为SSH-Ed25519",
    "密码是config.db.password",
    "口令是v1.2.3",
    "密钥：HMAC-SHA256",
    // Glued to the word, or with spaces before the particle: the same checks, and a letter and a digit
    // when no particle is there. Kana and Hangul words need a particle.
    "비밀번호는8자 이상이어야 합니다",
    "비밀번호는password입니다",
    "비밀번호는bcrypt.hash()로 저장합니다",
    "암호화AES256",
    "パスワード は 必須です",
    "パスワード は password です",
    `パスワード${V}`,
    `비밀번호${V}`,
    "密码长度",
    "密码2024-01-01到期",
    "密码v1.2.3",
    "密码https://example.com/reset?id=abc123",
    "密码Password123",
    "密码DB_PASSWORD",
    "密码config.db.password",
    "密码MD5加密",
    "密钥SecretAccessKey",
    "密钥AES256GCM",
    "私钥id_ed25519.pub",
    "令牌2024Q1",
    "密码123456789",
  ])("ignores %s", (text) => {
    expect(secretsIn(text)).toEqual([]);
  });

  it.each([
    ["the encryption key is AES-256-GCM"],
    ["the token is res.data.token"],
    ["the password is hashed with bcrypt, so the password is bcrypt.hash() output"],
    ["the secret is X-Hub-Signature-256"],
    ["the api_key = AES-256"],
  ])("ignores, in English too, %s", (text) => {
    expect(secretsIn(text)).toEqual([]);
  });

  it.each([
    [`密码：Summer2024!，请保密`, "Summer2024!"],
    [`パスワードはWelcome2024?です`, "Welcome2024?"],
    [`密码是Zx8kq2LmP9vTqR4w. 请保密`, "Zx8kq2LmP9vTqR4w"],
  ])("keeps a value's own last punctuation, and leaves a sentence's: %s", (text, value) => {
    const start = text.indexOf(value);
    expect(spans(text)).toEqual([["password", start, start + value.length]]);
  });
});

describe("credentials on command lines", () => {
  it.each([
    ["mysql -h 10.0.3.22 -u root -p'c0rrect-battery-77' shop < dump.sql", "password", "c0rrect-battery-77"],
    ["mysqldump -u app -pHq7Zt9x2Lm orders > orders.sql", "password", "Hq7Zt9x2Lm"],
    ["sshpass -p 'E#d7qn*6+x7L' ssh deploy@10.0.3.14 uptime", "password", "E#d7qn*6+x7L"],
    ['subprocess.run(["sshpass", "-p", "Q8w!e7Rt", "ssh", "host"])', "password", "Q8w!e7Rt"],
    ["docker login -u bot -p 9fK2mQ7xLp registry.acme.io", "password", "9fK2mQ7xLp"],
    ["redis-cli -h cache -a 'R3d!s-Pw9' ping", "password", "R3d!s-Pw9"],
    ["ldapsearch -x -D cn=admin -w Ld4p!Secr3t -b dc=acme", "password", "Ld4p!Secr3t"],
    ["curl -u admin:Spring2020 https://jenkins.acme.io/job/x", "password", "Spring2020"],
    ["curl -X POST \\\n  --user 'deploy:Tr0ub4dor9' https://api.acme.io", "password", "Tr0ub4dor9"],
    ["smbclient //fs/share -U 'ACME\\svc%Sm8!pw-x9'", "password", "Sm8!pw-x9"],
    [
      "kubeadm join 10.0.0.10:6443 --token k3x9q2.8fj2a6b43t8ns8l0",
      "generic-secret",
      "k3x9q2.8fj2a6b43t8ns8l0",
    ],
    ["acme-cli deploy --api-key 8f3KzQ1x9Lm2Vb7Np4Rt --region eu", "generic-secret", "8f3KzQ1x9Lm2Vb7Np4Rt"],
    ["vault-sync --password 'Zx9!pQ2mK7' --dry-run", "password", "Zx9!pQ2mK7"],
    ["keytool -importkeystore -srcstorepass Ch4ng3d!x -srckeystore a.jks", "password", "Ch4ng3d!x"],
    ["openssl pkcs12 -export -passout pass:Hx7!kQ29zm -out a.p12", "password", "Hx7!kQ29zm"],
    ["lftp -u deploy,Hx7!k2mQ9z sftp://files.acme.io", "password", "Hx7!k2mQ9z"],
    [
      "aws configure set aws_secret_access_key q8Hs2k/Lp0Vw9ZtN3mXc+R7bYd5eFgJ1aU4iO6Tw",
      "aws-secret-access-key",
      "q8Hs2k/Lp0Vw9ZtN3mXc+R7bYd5eFgJ1aU4iO6Tw",
    ],
    ['redis-cli CONFIG SET requirepass "Rq9!x2Lm-Zt"', "password", "Rq9!x2Lm-Zt"],
  ])("finds %s", (text, type, value) => {
    expect(found(inspector, text)).toContainEqual([type, value]);
  });

  it.each([
    "mkdir -p build/output/dir2",
    "ssh -p 2222 deploy@bastion.acme.io",
    "docker run -d -p 8080:80 -p 5432:5432 nginx",
    "cp -p config.yaml config.yaml.bak",
    "mysql -u root -p shop",
    "mysql -u root -p secretdb2",
    "docker login -u bot --password-stdin registry.acme.io",
    "docker run --user 1000:1000 -u app:staff img",
    "docker build --secret id=npmrc,src=.npmrc .",
    "gh-cli --token $GITHUB_TOKEN",
    'gh-cli --token "${GITHUB_TOKEN}"',
    "gh-cli --token <token>",
    "gh-cli --token YOUR_TOKEN",
    "  --token string   Bearer token for the API",
    "curl -u deploy: https://x",
    'curl -u "$USER:$PASS" https://x',
    "curl -u elastic:changeme localhost:9200",
    "openssl rsa -passin env:KEY_PASS -in key.pem",
    "kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef",
    "aws configure set region eu-west-1",
    "the options were renamed to --http-password and --proxy-password respectively, and",
    "set token expiry to 1h, then set password policy strict",
  ])("ignores %s", (text) => {
    expect(secretsIn(text)).toEqual([]);
  });
});

describe("credentials in config files, SQL, XML and prose", () => {
  it.each([
    [
      'resource "x" "y" {\n  username          = "master"\n  password          = "6sf&!X*qbIK7mYP"\n}',
      "password",
      "6sf&!X*qbIK7mYP",
    ],
    ["bind 0.0.0.0\nrequirepass u7kj4g20@&L548xr\n", "password", "u7kj4g20@&L548xr"],
    [
      "machine api.acme.io\n  login ops\n  password 9f8e7d6c-41a2-4b3b-8ccc-5d2e9a17c4bf\n",
      "password",
      "9f8e7d6c-41a2-4b3b-8ccc-5d2e9a17c4bf",
    ],
    ["machine git.acme.io login bob password Hx7!k2mQ9z", "password", "Hx7!k2mQ9z"],
    ["db.prod.acme.io:5432:orders:app:Xq7!pL2zK9\n", "password", "Xq7!pL2zK9"],
    [
      'db, _ := sql.Open("mysql", "svc:Pq9!xLm2Zr@tcp(db.internal:3306)/app")',
      "connection-string",
      "Pq9!xLm2Zr",
    ],
    ["CREATE USER 'app'@'%' IDENTIFIED BY 'Zq8!mK2xL9';", "password", "Zq8!mK2xL9"],
    ["ALTER USER app IDENTIFIED WITH caching_sha2_password BY 'Zq8!mK2xL9';", "password", "Zq8!mK2xL9"],
    ["CREATE USER scott IDENTIFIED BY Welcome1;", "password", "Welcome1"],
    ["CREATE ROLE app_rw WITH LOGIN PASSWORD 'N3w!Pass-9x';", "password", "N3w!Pass-9x"],
    [
      "<server>\n  <id>r</id>\n  <password>t?4I==zrB-MNEdK</password>\n</server>",
      "password",
      "t?4I==zrB-MNEdK",
    ],
    ["<secret>Zx9pQ2mK7vB4nL8a</secret>", "generic-secret", "Zx9pQ2mK7vB4nL8a"],
    ['<property name="hibernate.connection.password">Hb8!nate-Pw</property>', "password", "Hb8!nate-Pw"],
    [
      "<property>\n  <name>fs.s3a.secret.key</name>\n  <value>Zx9pQ2mK7vB4nL8aYt3Wq</value>\n</property>",
      "generic-secret",
      "Zx9pQ2mK7vB4nL8aYt3Wq",
    ],
    ['<add key="LdapBindPassword" value="91?BXEplI^Nt1cE@" />', "password", "91?BXEplI^Nt1cE@"],
    ['env:\n  - name: DB_PASSWORD\n    value: "Sup3r-S3cret!"', "password", "Sup3r-S3cret!"],
    ["the login for the grafana box is admin / omar.1998! - keep it", "password", "omar.1998!"],
    ["creds are svc_backup:Wq9#kd82", "password", "Wq9#kd82"],
  ])("finds %s", (text, type, value) => {
    expect(found(inspector, text)).toContainEqual([type, value]);
  });

  it.each([
    'password                                                                   = "Hq7!zT9x-2Lm"', // past the alignment bound
    "requirepass foobared",
    "Password reset is broken since Friday",
    "password hashing\n",
    "localhost:5432:mydb:myuser:mypassword",
    "*:*:*:postgres:postgres",
    "10:15:22:431:connection reset",
    'sql.Open("mysql", "root:root@tcp(localhost:3306)/test")',
    'sql.Open("mysql", "user:${DB_PASS}@tcp(db:3306)/x")',
    "CREATE USER u IDENTIFIED BY :pwd",
    "CREATE USER u IDENTIFIED BY ?",
    "CREATE USER u IDENTIFIED BY PASSWORD '*94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29'",
    "ALTER ROLE x PASSWORD 'md5a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5'",
    "the bug was identified by `scan.previous_id` in the logs",
    "<password></password>",
    "<password>${db.password}</password>",
    "<password>@db.password@</password>",
    "Set it in the <password> element, see <token>.",
    "<ds:SignatureValue>fDKK0so/zFcmmq2X+BaVFmS0t8KB7tyW53YN6n221OArzGCs4OyWsAjj</ds:SignatureValue>",
    "<auth>DBUS_COOKIE_SHA1</auth>",
    '<add key="LdapBindPassword" value="${LDAP_PW}" />',
    '<input type="password" name="password" value="">',
    'env:\n  - name: LOG_LEVEL\n    value: "Sup3r-S3cret!"',
    "the login is at https://grafana.acme.io/login",
    "the login is admin / admin",
    "credentials are OAuth / OIDC-based",
    "credentials are in /etc/secrets.d/app",
  ])("ignores %s", (text) => {
    expect(secretsIn(text)).toEqual([]);
  });
});

describe("credentials as call arguments and vendor pairs", () => {
  const r = seeded(13);
  const fcm = `AAAA${randomString(r, 7, B64URL)}:APA91b${randomString(r, 134, B64URL)}`;

  it.each([
    ['var c = new NetworkCredential("svc_backup", "Summer2019!", "ACME");', "password", "Summer2019!"],
    [
      'DriverManager.getConnection(\n  "jdbc:oracle:thin:@//ora:1521/FIN", "fin_app", "R3dOtter48@");',
      "password",
      "R3dOtter48@",
    ],
    [
      'crypto.createHmac("sha256", "3f9a1c7e5b2d8f4a6c0e9b7d5f3a1c8e")',
      "generic-secret",
      "3f9a1c7e5b2d8f4a6c0e9b7d5f3a1c8e",
    ],
    ['jwt.sign(payload, "s3cr3t-Jwt-K3y!x", { expiresIn: "1h" })', "generic-secret", "s3cr3t-Jwt-K3y!x"],
    ['requests.get(u, auth=HTTPBasicAuth("bot", "Xk29!mq-77"))', "password", "Xk29!mq-77"],
    ["define( 'DB_PASSWORD', 'ms@GcCLT*A_Z*tbcRb_' );", "password", "ms@GcCLT*A_Z*tbcRb_"],
    ['System.setProperty("javax.net.ssl.keyStorePassword", "K3yst0r3!pw");', "password", "K3yst0r3!pw"],
    [
      'os.environ.setdefault("SECRET_KEY", "dj4ng0-s3cr3t-k3y-9x8y7z")',
      "generic-secret",
      "dj4ng0-s3cr3t-k3y-9x8y7z",
    ],
    [
      "define('NONCE_SALT', 'a|Q8]x:kP~3v&Zr!9m^T2w#Lq7@Yb5Nc*Hd(0Jf)Gs-Ue=Ri+Ok{Vp}W');",
      "generic-secret",
      "a|Q8]x:kP~3v&Zr!9m^T2w#Lq7@Yb5Nc*Hd(0Jf)Gs-Ue=Ri+Ok{Vp}W",
    ],
    [
      'client = Client("AC5e8a1c3b7d9f2e4a6c8b0d1f3e5a7c9b", "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e")',
      "twilio-auth-token",
      "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e",
    ],
    [`firebase.serverKey=${fcm}`, "fcm-server-key", fcm],
  ])("finds %s", (text, type, value) => {
    expect(found(inspector, text)).toContainEqual([type, value]);
  });

  it.each([
    "new NetworkCredential(user, password)",
    'new NetworkCredential("svc", "")',
    'DriverManager.getConnection("jdbc:h2:mem:test", "sa", "")',
    'crypto.createHmac("sha256", secret)',
    'crypto.createHmac("sha256", process.env.WEBHOOK_KEY)',
    'jwt.sign(payload, "secret")',
    "def login(self, user, password):",
    "define('DB_PASSWORD', 'password_here');",
    "define('AUTH_KEY', 'put your unique phrase here');",
    'System.setProperty("javax.net.ssl.trustStorePassword", "changeit");',
    'i18n.set("password", "Mot de passe")',
    'errors.put("password", "too_short")',
    'os.environ.get("DB_PASSWORD", "")',
    'twilio_client = Client(account_sid, "AC5e8a1c3b7d9f2e4a6c8b0d1f3e5a7c9b")',
    "const key = 'AAAA:APA91b...'",
  ])("ignores %s", (text) => {
    expect(secretsIn(text)).toEqual([]);
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
      "token: '%API_TOKEN%'",
      'apiKey: "YOUR_ANTHROPIC_API_KEY"',
      'api_key = "your-company-api-key-here"',
      'password: "my-top-secret"',
      'mapboxgl.accessToken = "pk.eyJ1IjoiYWNtZSIsImEiOiJjbHh5ejEyMzQifQ.abcDEF123ghiJKL456mno";',
      "AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;",
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

import { describe, expect, it } from "vitest";
import { found, testInspector, typesIn } from "./testing.js";

const inspector = testInspector({ secrets: false, pii: false, confidential: { labels: [] } });
const inResponse = (text: string) => typesIn(inspector, text, "response").filter((t) => t !== "source-code");

describe("TLS verification disabled", () => {
  it.each([
    "r = requests.get(url, verify=False)",
    "const agent = new https.Agent({ rejectUnauthorized: false });",
    "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';",
    "NODE_TLS_REJECT_UNAUTHORIZED=0 node app.js",
    "tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}",
    "curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);",
    "curl -sSk https://internal/api",
    "curl --insecure https://internal/api",
    "ctx = ssl._create_unverified_context()",
    "ctx.check_hostname = False",
    "ctx.verify_mode = ssl.CERT_NONE",
    "wget --no-check-certificate https://x/y",
    "git -c http.sslVerify=false clone https://x/y",
    "reqwest::Client::builder().danger_accept_invalid_certs(true)",
    "ServicePointManager.ServerCertificateValidationCallback = (a, b, c, d) => true;",
  ])("finds %s", (text) => {
    expect(inResponse(text)).toEqual(["tls-verification-disabled"]);
  });

  it.each([
    "r = requests.get(url, verify=True)",
    "rejectUnauthorized: true",
    "curl -sS https://api",
    "curl -H 'Accept: json' https://api",
    "please verify the result",
  ])("leaves %s alone", (text) => {
    expect(inResponse(text)).toEqual([]);
  });
});

describe("SQL built from strings", () => {
  it.each([
    'query = "SELECT * FROM users WHERE id = " + user_id',
    "cursor.execute(f\"SELECT name FROM users WHERE email = '{email}'\")",
    "const q = `DELETE FROM sessions WHERE token = '${token}'`;",
    'cursor.execute("UPDATE accounts SET balance = %s WHERE id = %s" % (amount, account_id))',
    "sql = \"INSERT INTO logs (msg) VALUES ('{}')\".format(message)",
    "q := fmt.Sprintf(\"SELECT * FROM t WHERE name = '%s'\", name)",
    '$sql = "SELECT * FROM users WHERE id = $id";',
    "var cmd = $\"SELECT * FROM Users WHERE Name = '{name}'\";",
  ])("finds %s", (text) => {
    expect(inResponse(text)).toEqual(["sql-string-building"]);
  });

  it.each([
    'cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))',
    "const rows = await sql`SELECT * FROM users WHERE id = ${id}`;",
    'db.query("SELECT * FROM users WHERE id = $1", [id])',
    "Select the file you want to upload.",
    '"SELECT * FROM users"',
  ])("leaves %s alone", (text) => {
    expect(inResponse(text)).toEqual([]);
  });
});

describe("eval of input", () => {
  it.each([
    "result = eval(input())",
    "eval(req.body.expression)",
    "const fn = new Function('a', 'return ' + userInput);",
    "exec(request.args.get('code'))",
    "os.system('ping ' + host)",
    "child_process.exec(`ls ${req.query.dir}`)",
  ])("finds %s", (text) => {
    expect(inResponse(text)).toEqual(["eval-of-input"]);
  });

  it.each(["model.eval()", "const m = pattern.exec(text)", "eval('1 + 2')", "function handler(data) {"])(
    "leaves %s alone",
    (text) => {
      expect(inResponse(text)).toEqual([]);
    },
  );
});

describe("role gating", () => {
  it("runs on responses and assistant turns only", () => {
    const text = "requests.get(url, verify=False)";
    expect(found(inspector, text, "response")).toEqual([["tls-verification-disabled", "verify=False"]]);
    expect(typesIn(inspector, text, "assistant")).toEqual(["tls-verification-disabled"]);
    for (const role of ["user", "system", "tool-result", "tool-definition"] as const) {
      expect(typesIn(inspector, text, role), role).toEqual([]);
    }
  });
});

/**
 * Values that look like credentials but are not: vendors' documentation examples, placeholders and
 * references to where the real value lives. Checked before a secret hit is recorded, so the common
 * "paste the README's example" case stays quiet.
 */

/** Published documentation examples (AWS, Stripe, jwt.io, Slack, GitHub docs...). */
const DOC_EXAMPLES = new Set([
  "AKIAIOSFODNN7EXAMPLE",
  "AKIAI44QH8DHBEXAMPLE",
  "ASIAIOSFODNN7EXAMPLE",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
  "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
  "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
  "sk_test_26PHem9AhJZvU623DfE1x4sd",
  "pk_test_TYooMQauvdEDq54NiTphI7jx",
  "rk_test_4eC39HqLyjWDarjtT1zdp7dc",
  "xoxb-not-a-real-token-this-will-not-work",
  "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
  // Published keys of local emulators: Azurite's devstoreaccount1 and the Azure Cosmos DB emulator.
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
  "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
]);

/** jwt.io's sample token: the payload of `{"sub":"1234567890","name":"John Doe","iat":1516239022}`. */
export const JWT_IO_PAYLOAD = "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";

/** Whole values (compared lower-case) that are placeholders, not secrets. */
const PLACEHOLDER_WORDS = new Set([
  "changeme",
  "change_me",
  "change-me",
  "changeit",
  "password",
  "passwd",
  "secret",
  "token",
  "apikey",
  "api_key",
  "api-key",
  "replaceme",
  "replace_me",
  "replace-me",
  "todo",
  "tbd",
  "none",
  "null",
  "nil",
  "undefined",
  "true",
  "false",
  "empty",
  "string",
  "test",
  "testing",
  "example",
  "sample",
  "dummy",
  "foo",
  "bar",
  "foobar",
  "admin",
  "root",
  "default",
  "redacted",
  "hidden",
  "masked",
  "required",
  "optional",
  "mysecretpassword",
  "mypassword",
  "yourpassword",
  "supersecret",
  "secret123",
  "password123",
  "p@ssw0rd",
  "letmein",
  "qwerty",
]);

/**
 * Fragments that mark a value as an example anywhere inside it. `your_` may name a vendor or product
 * first: `YOUR_ANTHROPIC_API_KEY`, `your-github-token`.
 */
const PLACEHOLDER_FRAGMENT =
  /example|sample|dummy|placeholder|redacted|your[_-]?(?:[a-z0-9]{1,20}[_-]){0,3}(?:api|app|access|secret|own|real|token|key|pass|pat|client|bot|auth)|fake|lorem|ipsum|insert[_-]?your|replace[_-]?(?:me|with|this)|xxxx|\*\*\*\*|<[^>]{0,60}>|\.\.\./i;

/**
 * Names standing for the value: words after "my"/"your" (`my-password`, `your_db_secret`), or a word
 * and what it is (`repopwd`, `proxypass`, `dbpassword`, `admin_secret`), as config templates have them.
 */
const MY_NAME =
  /^(?:my|your)[-_]?[a-z]{1,20}(?:[-_][a-z]{1,20}){0,4}$|^[a-z]{2,12}[-_]?(?:pass|pwd|passwd|password|secret|token)$/;

/** References to where a secret lives (environment, vault, template), not the secret itself. */
const REFERENCE =
  /^(?:%[A-Za-z_][A-Za-z0-9_]*%$|\$\{|\{\{|\$\(|%\(|%[sd]$|\$[A-Z_][A-Z0-9_]*$|\$env:|env\(|ENV\[|process\.env|os\.environ|os\.getenv|getenv\(|System\.getenv|secrets\.|vault:|ref\+|arn:aws:|projects\/[^/]+\/secrets\/|sm:\/\/|op:\/\/|keyvault:|@Microsoft\.KeyVault|<%=|\{%)/;

/** Scratch counts for isMonotone, reused: it runs for every candidate value (not reentrant). */
const COUNTS = new Uint16Array(128);

/** True when `value` is all one character, or mostly (60%) one character. */
function isMonotone(value: string): boolean {
  if (value.length === 0) return true;
  const counts = COUNTS.fill(0);
  let max = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128) {
      other++;
      continue;
    }
    const n = ++counts[c]!;
    if (n > max) max = n;
  }
  return Math.max(max, other) / value.length >= 0.6;
}

/** A run of 6+ identical characters, or 6+ consecutive ascending/descending characters (abcdef, 123456). */
function hasObviousRun(value: string): boolean {
  let same = 1;
  let up = 1;
  let down = 1;
  for (let i = 1; i < value.length; i++) {
    const d = value.charCodeAt(i) - value.charCodeAt(i - 1);
    same = d === 0 ? same + 1 : 1;
    up = d === 1 ? up + 1 : 1;
    down = d === -1 ? down + 1 : 1;
    if (same >= 6 || up >= 6 || down >= 6) return true;
  }
  return false;
}

/**
 * True when a matched secret value is a documentation example, a placeholder (`xxxx`, `<your-api-key>`,
 * `changeme`, `your_token_here`, one repeated character, a sequential run) or a reference (`${API_KEY}`,
 * `process.env.X`). `random` is the part after a vendor prefix, when there is one: the run checks look
 * only at it, so `ghp_` itself never counts.
 *
 * @example isPlaceholder("<your-api-key>") // true
 */
export function isPlaceholder(value: string, random: string = value): boolean {
  if (DOC_EXAMPLES.has(value)) return true;
  if (value.includes("EXAMPLE")) return true;
  const lower = value.toLowerCase();
  if (PLACEHOLDER_WORDS.has(lower) || PLACEHOLDER_WORDS.has(lower.replace(/[-_ ]/g, ""))) return true;
  if (MY_NAME.test(lower)) return true;
  if (PLACEHOLDER_FRAGMENT.test(value)) return true;
  if (REFERENCE.test(value)) return true;
  if (isMonotone(random) || hasObviousRun(random)) return true;
  return false;
}

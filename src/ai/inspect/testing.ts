import { createInspector, type Inspector } from "./engine.js";
import type { InspectorOptions } from "./options.js";
import { withGitHubChecksum } from "./secrets/checksum.js";
import type { Detection, TextRole } from "./types.js";

/**
 * Helpers for the inspection tests: synthetic credentials with the right shapes (never real ones), and a
 * compact way to look at what an inspector found.
 */

export const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWER = "abcdefghijklmnopqrstuvwxyz";
export const DIGITS = "0123456789";
export const ALNUM = UPPER + LOWER + DIGITS;
export const HEX = "0123456789abcdef";
export const B64URL = ALNUM + "-_";
export const B64 = ALNUM + "+/";

/**
 * A deterministic random source (mulberry32), so test data is the same on every run.
 *
 * @example const rand = seeded(1); rand() // the same number on every run
 */
export function seeded(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` random characters from `alphabet`.
 *
 * @example randomString(seeded(1), 8, HEX) // 8 hex characters
 */
export function randomString(rand: () => number, n: number, alphabet: string = ALNUM): string {
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(rand() * alphabet.length)]!;
  return out;
}

/**
 * One synthetic credential per vendor type, shaped as the vendor documents it.
 *
 * @example for (const [type, token] of syntheticSecrets()) expect(typesIn(inspector, token)).toContain(type);
 */
export function syntheticSecrets(seed = 1): readonly (readonly [string, string])[] {
  const r = seeded(seed);
  const s = (n: number, a = ALNUM) => randomString(r, n, a);
  return [
    ["aws-access-key-id", `AKIA${s(16, UPPER + "234567")}`],
    ["gcp-api-key", `AIza${s(35, B64URL)}`],
    ["gcp-oauth-client-secret", `GOCSPX-${s(28, B64URL)}`],
    ["google-oauth-access-token", `ya29.${s(60, B64URL)}`],
    ["digitalocean-token", `dop_v1_${s(64, HEX)}`],
    ["heroku-api-key", `HRKU-AA${s(58, B64URL)}`],
    ["alibaba-access-key-id", `LTAI${s(20)}`],
    ["github-token", withGitHubChecksum("ghp_", s(30))],
    ["github-token", `github_pat_${s(22)}_${s(59)}`],
    ["gitlab-token", `glpat-${s(20, B64URL)}`],
    ["bitbucket-app-password", `ATBB${s(32)}`],
    ["bitbucket-access-token", `ATCTT3xFfGN0${s(180, B64URL)}`],
    ["atlassian-api-token", `ATATT3xFfGF0${s(180, B64URL)}`],
    ["docker-hub-token", `dckr_pat_${s(27, B64URL)}`],
    ["npm-token", withGitHubChecksum("npm_", s(30))],
    ["pypi-token", `pypi-AgEIcHlwaS5vcmc${s(70, B64URL)}`],
    ["nuget-api-key", `oy2${s(43, LOWER + DIGITS)}`],
    ["rubygems-api-key", `rubygems_${s(48, HEX)}`],
    ["clojars-token", `CLOJARS_${s(60, LOWER + DIGITS)}`],
    ["circleci-token", `CCIPAT_${s(22)}_${s(40, HEX)}`],
    ["buildkite-token", `bkua_${s(40, HEX)}`],
    ["pulumi-token", `pul-${s(40, HEX)}`],
    ["vault-token", `hvs.${s(90, B64URL)}`],
    ["doppler-token", `dp.pt.${s(43)}`],
    ["databricks-token", `dapi${s(32, HEX)}`],
    ["sentry-token", `sntryu_${s(64, HEX)}`],
    ["grafana-token", `glsa_${s(32)}_${s(8, HEX)}`],
    ["new-relic-key", `NRAK-${s(27, UPPER + DIGITS)}`],
    ["dynatrace-token", `dt0c01.${s(24, UPPER + DIGITS)}.${s(64, UPPER + DIGITS)}`],
    ["netlify-token", `nfp_${s(36)}`],
    ["supabase-token", `sbp_${s(40, HEX)}`],
    ["planetscale-token", `pscale_tkn_${s(43)}`],
    ["tailscale-key", `tskey-auth-${s(12)}-${s(30)}`],
    ["age-secret-key", `AGE-SECRET-KEY-1${s(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")}`],
    ["sourcegraph-token", `sgp_${s(16, HEX)}_${s(40, HEX)}`],
    ["fly-token", `fm2_${s(120, B64)}`],
    ["linear-api-key", `lin_api_${s(40)}`],
    ["notion-token", `ntn_${s(11, DIGITS)}${s(35)}`],
    ["postman-api-key", `PMAK-${s(24, HEX)}-${s(34, HEX)}`],
    ["figma-token", `figd_${s(40, B64URL)}`],
    ["airtable-token", `pat${s(14)}.${s(64, HEX)}`],
    ["contentful-token", `CFPAT-${s(43, B64URL)}`],
    ["mapbox-secret-token", `sk.eyJ${s(80, B64URL)}`],
    ["readme-api-key", `rdme_${s(70, LOWER + DIGITS)}`],
    ["prefect-api-key", `pnu_${s(36)}`],
    ["slack-token", `xoxb-${s(12, DIGITS)}-${s(13, DIGITS)}-${s(24)}`],
    ["slack-app-token", `xapp-1-A${s(10, UPPER + DIGITS)}-${s(13, DIGITS)}-${s(64, HEX)}`],
    ["twilio-api-key", `SK${s(32, HEX)}`],
    ["sendgrid-api-key", `SG.${s(22, B64URL)}.${s(43, B64URL)}`],
    ["mailgun-api-key", `key-${s(32, HEX)}`],
    ["brevo-api-key", `xkeysib-${s(64, HEX)}-${s(16)}`],
    ["stripe-secret-key", `sk_live_${s(24)}`],
    ["stripe-restricted-key", `rk_live_${s(24)}`],
    ["stripe-webhook-secret", `whsec_${s(32)}`],
    ["square-access-token", `sq0atp-${s(22, B64URL)}`],
    ["square-oauth-secret", `sq0csp-${s(43, B64URL)}`],
    ["shopify-token", `shpat_${s(32, HEX)}`],
    ["shippo-api-token", `shippo_live_${s(40, HEX)}`],
    ["openai-api-key", `sk-proj-${s(60, B64URL)}T3BlbkFJ${s(60, B64URL)}`],
    ["anthropic-api-key", `sk-ant-api03-${s(93, B64URL)}AA`],
    ["openrouter-api-key", `sk-or-v1-${s(64, HEX)}`],
    ["openai-compatible-api-key", `sk-${s(48)}`],
    ["huggingface-token", `hf_${s(34, UPPER + LOWER)}`],
    ["groq-api-key", `gsk_${s(52)}`],
    ["replicate-api-token", `r8_${s(37)}`],
    ["perplexity-api-key", `pplx-${s(48)}`],
    ["xai-api-key", `xai-${s(80)}`],
    ["langsmith-api-key", `lsv2_pt_${s(32, HEX)}_${s(10, HEX)}`],
    ["pinecone-api-key", `pcsk_${s(6)}_${s(64)}`],
    ["tavily-api-key", `tvly-${s(32)}`],
    ["elevenlabs-api-key", `sk_${s(48, HEX)}`],
    ["mailchimp-api-key", `${s(32, HEX)}-us${s(2, DIGITS)}`],
    ["telegram-bot-token", `${s(9, DIGITS).replace(/^0/, "1")}:AA${s(33, B64URL)}`],
    ["discord-bot-token", `MT${s(24)}.${s(6, B64URL)}.${s(38, B64URL)}`],
    ["azure-client-secret", `${s(3)}8Q~${s(34)}`],
    [
      "slack-webhook-url",
      `hooks.slack.com/services/T${s(8, UPPER + DIGITS)}/B${s(10, UPPER + DIGITS)}/${s(24)}`,
    ],
    ["discord-webhook-url", `discord.com/api/webhooks/${s(18, DIGITS).replace(/^0/, "1")}/${s(68, B64URL)}`],
    ["braintree-access-token", `access_token$production$${s(16, LOWER + DIGITS)}$${s(32, HEX)}`],
    ["terraform-cloud-token", `${s(14)}.atlasv1.${s(67, B64URL)}`],
  ];
}

/**
 * An inspector with a fixed key and the given options.
 *
 * @example const inspector = testInspector({ pii: false });
 */
export function testInspector(options: Partial<InspectorOptions> = {}): Inspector {
  return createInspector({ hashKey: "test-key", ...options });
}

/**
 * `[type, matched text]` pairs of what `inspector` found in `text`, for readable assertions.
 *
 * @example found(inspector, "mail bob@acme.io") // [["email", "bob@acme.io"]]
 */
export function found(inspector: Inspector, text: string, role: TextRole = "user"): [string, string][] {
  return inspector.inspect(text, role).map((d: Detection) => [d.type, text.slice(d.start, d.end)]);
}

/**
 * Types found in `text`.
 *
 * @example typesIn(inspector, "mail bob@acme.io") // ["email"]
 */
export function typesIn(inspector: Inspector, text: string, role: TextRole = "user"): string[] {
  return inspector.inspect(text, role).map((d) => d.type);
}

import { hasGitHubChecksum } from "./checksum.js";

/**
 * Credential formats with a published prefix, as vendors document them (prefix, length, alphabet, and a
 * checksum where there is one). Each rule is anchored: the scan calls it only at a word start beginning
 * with the rule's first two characters, and its regex is sticky with bounded quantifiers, so it reads a
 * bounded window and cannot backtrack far.
 */
export interface VendorRule {
  /** Stable type id reported in detections. */
  readonly type: string;
  /** Literal prefix (case-sensitive). */
  readonly prefix: string;
  /** Regex source for the whole token, prefix included; compiled sticky. */
  readonly source: string;
  readonly confidence: number;
  /** Given the token, the confidence to report, or undefined to reject it (checksums). */
  readonly check?: (token: string) => number | undefined;
}

const github = (token: string): number => (hasGitHubChecksum(token) ? 0.99 : 0.8);

const rule = (
  type: string,
  prefixes: readonly string[],
  body: string,
  confidence: number,
  check?: (token: string) => number | undefined,
): VendorRule[] =>
  prefixes.map((prefix) => ({
    type,
    prefix,
    source: prefix.replace(/[.$]/g, "\\$&") + body,
    confidence,
    ...(check === undefined ? {} : { check }),
  }));

const B64URL = "[A-Za-z0-9_-]";

/** The vendor rules; `vendorTypes()` lists their ids. */
export const VENDOR_RULES: readonly VendorRule[] = [
  // Cloud providers
  ...rule("aws-access-key-id", ["AKIA", "ASIA", "ABIA", "ACCA"], "[A-Z2-7]{16}", 0.95),
  ...rule("gcp-api-key", ["AIza"], `${B64URL}{35}`, 0.95),
  ...rule("gcp-oauth-client-secret", ["GOCSPX-"], `${B64URL}{28}`, 0.95),
  ...rule("google-oauth-access-token", ["ya29."], `${B64URL}{30,400}`, 0.85),
  ...rule("digitalocean-token", ["dop_v1_", "doo_v1_", "dor_v1_"], "[a-f0-9]{64}", 0.97),
  ...rule("heroku-api-key", ["HRKU-"], `${B64URL}{36,80}`, 0.9),
  ...rule("alibaba-access-key-id", ["LTAI"], "[A-Za-z0-9]{12,20}", 0.8),
  // Firebase Cloud Messaging legacy server key: `AAAA` + 7, `:APA91b` + about 134 base64url characters.
  ...rule("fcm-server-key", ["AAAA"], `${B64URL}{7}:APA91b${B64URL}{100,180}`, 0.95),
  // Source hosting, registries, CI
  ...rule("github-token", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], "[A-Za-z0-9]{36}", 0.8, github),
  ...rule("github-token", ["github_pat_"], "[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", 0.97),
  ...rule(
    "gitlab-token",
    [
      "glpat-",
      "gldt-",
      "glrt-",
      "glptt-",
      "glcbt-",
      "glsoat-",
      "glffct-",
      "glimt-",
      "glagent-",
      "gloas-",
      "glft-",
    ],
    `${B64URL}{20,131}(?:\\.[0-9a-z]{2}\\.[0-9a-z]{7,10})?`,
    0.93,
  ),
  ...rule("gitlab-token", ["GR1348941"], `${B64URL}{20,40}`, 0.93),
  ...rule("bitbucket-app-password", ["ATBB"], "[A-Za-z0-9_=.-]{24,64}", 0.9),
  ...rule("bitbucket-access-token", ["ATCTT3"], "[A-Za-z0-9_=-]{100,300}", 0.95),
  ...rule("atlassian-api-token", ["ATATT3"], "[A-Za-z0-9_=-]{100,300}", 0.95),
  ...rule("docker-hub-token", ["dckr_pat_", "dckr_oat_"], `${B64URL}{20,40}`, 0.95),
  ...rule("npm-token", ["npm_"], "[A-Za-z0-9]{36}", 0.8, github),
  ...rule("pypi-token", ["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"], `${B64URL}{50,400}`, 0.98),
  ...rule("nuget-api-key", ["oy2"], "[a-z0-9]{43}", 0.85),
  ...rule("rubygems-api-key", ["rubygems_"], "[a-f0-9]{48}", 0.97),
  ...rule("clojars-token", ["CLOJARS_"], "[a-z0-9]{60}", 0.95),
  ...rule("circleci-token", ["CCIPAT_"], "[A-Za-z0-9]{22}_[a-f0-9]{40}", 0.95),
  ...rule("buildkite-token", ["bkua_"], "[a-f0-9]{40}", 0.95),
  ...rule("pulumi-token", ["pul-"], "[a-f0-9]{40}", 0.9),
  ...rule("vault-token", ["hvs.", "hvb.", "hvr."], `${B64URL}{24,400}`, 0.93),
  ...rule(
    "doppler-token",
    ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
    "(?:[a-z0-9_-]{2,35}\\.)?[A-Za-z0-9]{40,44}",
    0.95,
  ),
  ...rule("databricks-token", ["dapi"], "[a-f0-9]{32}(?:-[0-9])?", 0.9),
  ...rule("sentry-token", ["sntrys_eyJ"], "[A-Za-z0-9_=+/-]{50,600}", 0.95),
  ...rule("sentry-token", ["sntryu_"], "[a-f0-9]{64}", 0.95),
  ...rule("grafana-token", ["glsa_"], "[A-Za-z0-9]{32}_[a-f0-9]{8}", 0.95),
  ...rule("grafana-token", ["glc_eyJ"], "[A-Za-z0-9+/=_-]{32,600}", 0.93),
  ...rule("new-relic-key", ["NRAK-"], "[A-Z0-9]{27}", 0.95),
  ...rule("dynatrace-token", ["dt0c01."], "[A-Z0-9]{24}\\.[A-Z0-9]{64}", 0.97),
  ...rule("netlify-token", ["nfp_"], "[A-Za-z0-9]{36}", 0.93),
  ...rule("supabase-token", ["sbp_"], "[a-f0-9]{40}", 0.93),
  ...rule("supabase-token", ["sb_secret_"], `${B64URL}{20,80}`, 0.93),
  ...rule("planetscale-token", ["pscale_tkn_", "pscale_pw_", "pscale_oauth_"], "[A-Za-z0-9_.-]{32,64}", 0.95),
  ...rule(
    "tailscale-key",
    ["tskey-auth-", "tskey-api-", "tskey-client-", "tskey-scim-", "tskey-webhook-"],
    "[A-Za-z0-9]{6,20}-[A-Za-z0-9]{16,64}",
    0.95,
  ),
  ...rule("age-secret-key", ["AGE-SECRET-KEY-1"], "[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", 0.99),
  ...rule("sourcegraph-token", ["sgp_"], "(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40}", 0.93),
  ...rule("fly-token", ["fm2_", "fo1_"], "[A-Za-z0-9+/=_-]{40,1200}", 0.85),
  // Work tools
  ...rule("linear-api-key", ["lin_api_"], "[A-Za-z0-9]{40}", 0.97),
  ...rule("linear-api-key", ["lin_oauth_"], "[a-f0-9]{64}", 0.95),
  ...rule("notion-token", ["secret_"], "[A-Za-z0-9]{43}", 0.85),
  ...rule("notion-token", ["ntn_"], "[0-9]{11}[A-Za-z0-9]{35}", 0.95),
  ...rule("postman-api-key", ["PMAK-"], "[a-f0-9]{24}-[a-f0-9]{34}", 0.98),
  ...rule("figma-token", ["figd_"], `${B64URL}{40}`, 0.95),
  ...rule("airtable-token", ["pat"], "[A-Za-z0-9]{14}\\.[a-f0-9]{64}", 0.93),
  ...rule("contentful-token", ["CFPAT-"], `${B64URL}{43}`, 0.95),
  ...rule("mapbox-secret-token", ["sk.eyJ"], "[A-Za-z0-9_.-]{50,400}", 0.93),
  ...rule("readme-api-key", ["rdme_"], "[a-z0-9]{70}", 0.95),
  ...rule("prefect-api-key", ["pnu_"], "[A-Za-z0-9]{36}", 0.93),
  // Messaging and e-mail
  ...rule(
    "slack-token",
    ["xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-"],
    "(?:[0-9]{1,16}-){1,3}[A-Za-z0-9]{8,64}",
    0.95,
  ),
  ...rule("slack-token", ["xoxe.xoxp-1-", "xoxe.xoxb-1-"], "[A-Za-z0-9]{100,300}", 0.95),
  ...rule("slack-app-token", ["xapp-"], "[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[a-f0-9]{64}", 0.97),
  ...rule("twilio-api-key", ["SK"], "[0-9a-f]{32}", 0.85),
  ...rule("sendgrid-api-key", ["SG."], `${B64URL}{22}\\.${B64URL}{43}`, 0.98),
  ...rule("mailgun-api-key", ["key-"], "[0-9a-f]{32}", 0.8),
  ...rule("brevo-api-key", ["xkeysib-"], "[a-f0-9]{64}-[A-Za-z0-9]{16}", 0.97),
  // Payments and commerce
  ...rule("stripe-secret-key", ["sk_live_", "sk_test_"], "[0-9a-zA-Z]{24,247}", 0.95),
  ...rule("stripe-restricted-key", ["rk_live_", "rk_test_"], "[0-9a-zA-Z]{24,247}", 0.95),
  ...rule("stripe-webhook-secret", ["whsec_"], "[A-Za-z0-9+/=]{32,88}", 0.93),
  ...rule("square-access-token", ["sq0atp-"], `${B64URL}{22}`, 0.95),
  ...rule("square-access-token", ["EAAA"], `${B64URL}{60}`, 0.85),
  ...rule("square-oauth-secret", ["sq0csp-"], `${B64URL}{43}`, 0.95),
  ...rule("shopify-token", ["shpat_", "shpca_", "shppa_", "shpss_"], "[a-fA-F0-9]{32}", 0.97),
  ...rule("shippo-api-token", ["shippo_live_", "shippo_test_"], "[a-f0-9]{40}", 0.95),
  // AI providers
  ...rule(
    "openai-api-key",
    ["sk-proj-", "sk-svcacct-", "sk-admin-"],
    `${B64URL}{20,250}T3BlbkFJ${B64URL}{20,250}`,
    0.98,
  ),
  ...rule("openai-api-key", ["sk-proj-", "sk-svcacct-"], `${B64URL}{40,250}`, 0.9),
  ...rule("openai-api-key", ["sk-"], "[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", 0.98),
  ...rule(
    "anthropic-api-key",
    ["sk-ant-api", "sk-ant-admin", "sk-ant-oat", "sk-ant-ort", "sk-ant-sid"],
    `[0-9]{2}-${B64URL}{80,120}`,
    0.98,
  ),
  ...rule("openrouter-api-key", ["sk-or-v1-"], "[a-f0-9]{64}", 0.97),
  ...rule("openai-compatible-api-key", ["sk-"], "[A-Za-z0-9]{32,64}", 0.75),
  ...rule("huggingface-token", ["hf_", "api_org_"], "[A-Za-z0-9]{34}", 0.9),
  ...rule("groq-api-key", ["gsk_"], "[A-Za-z0-9]{52}", 0.95),
  ...rule("replicate-api-token", ["r8_"], "[A-Za-z0-9]{37}", 0.93),
  ...rule("perplexity-api-key", ["pplx-"], "[A-Za-z0-9]{48}", 0.93),
  ...rule("xai-api-key", ["xai-"], "[A-Za-z0-9]{80}", 0.95),
  ...rule("langsmith-api-key", ["lsv2_pt_", "lsv2_sk_"], "[a-f0-9]{32}_[a-f0-9]{10}", 0.97),
  ...rule("pinecone-api-key", ["pcsk_"], "[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80}", 0.95),
  ...rule("tavily-api-key", ["tvly-"], "(?:dev-|prod-)?[A-Za-z0-9]{32}", 0.93),
  ...rule("elevenlabs-api-key", ["sk_"], "[a-f0-9]{48}", 0.75),
];

/**
 * Every type id the vendor rules report.
 *
 * @example vendorTypes().includes("github-token") // true
 */
export function vendorTypes(): string[] {
  return [...new Set(VENDOR_RULES.map((r) => r.type))];
}

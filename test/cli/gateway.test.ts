import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../../src/ai/fake-upstream/index.js";
import { cliSandbox, NOW, parseJson, type CliSandbox } from "./helpers.js";

const BIN = join(resolve(fileURLToPath(new URL("../..", import.meta.url))), "bin", "detente.js");

let cli: CliSandbox;
let fake: FakeUpstream;

beforeAll(async () => {
  cli = await cliSandbox();
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake.close();
  await cli.dispose();
});

/** Start `detente gateway` and wait until it says where it listens. */
async function startGateway(
  ...args: string[]
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, "gateway", "--port", "0", ...args], {
    cwd: cli.cwd,
    env: {
      ...process.env,
      DATABASE_URL: "",
      DETENTE_HOME: cli.home,
      DETENTE_NOW: NOW,
      NO_COLOR: "1",
      FAKE_OPENAI_KEY: "sk-upstream-from-env-0123456789",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stdout?.resume();
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`the gateway did not start:\n${err}`));
    }, 60_000);
    child.stderr?.on("data", (b: Buffer) => {
      err += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the gateway exited with ${code}:\n${err}`));
    });
  });
  return { child, url, stderr: () => err };
}

/** A policy sending gpt-* to the fake upstream, and a new key for `user`. */
async function policyAndKey(user: string): Promise<string> {
  await cli.write(
    "detente.yaml",
    `ai:
  upstreams:
    openai: { type: openai, baseUrl: "${fake.url}/v1", apiKey: { env: FAKE_OPENAI_KEY } }
  models:
    - { name: "gpt-*", upstream: openai }
`,
  );
  const created = await cli.run(["keys", "create", "--user", user, "--team", "platform", "--json"]);
  expect(created.code, created.stderr).toBe(0);
  return (parseJson(created) as { key: string }).key;
}

describe("detente gateway", { timeout: 180_000 }, () => {
  it("serves requests with a key from `detente keys create`, and a SIGTERM drains and flushes the audit trail", async () => {
    const key = await policyAndKey("dana@example.com");
    const gw = await startGateway();
    expect(gw.stderr()).toContain("ANTHROPIC_BASE_URL=");
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hello from the CLI test" }],
    });
    expect(answer.choices[0]?.message.content).toBe("You said: hello from the CLI test");
    expect(fake.requests.at(-1)?.headers.authorization).toBe("Bearer sk-upstream-from-env-0123456789");

    gw.child.kill("SIGTERM");
    const [code] = (await once(gw.child, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(gw.stderr()).toContain("draining");

    const events = await cli.run(["ai", "events", "--json"]);
    expect(events.code, events.stderr).toBe(0);
    const list = parseJson(events) as { user: string; action: string; endpoint: string }[];
    expect(list).toContainEqual(
      expect.objectContaining({ user: "dana@example.com", action: "allow", endpoint: "chat.completions" }),
    );
  });

  it("with --workers 2, serves on one port from two processes: keys, blocks, metrics and audit trail as with one", async () => {
    const key = await policyAndKey("erin@example.com");
    const gw = await startGateway("--workers", "2");
    expect(gw.stderr()).toContain("2 workers");
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    // Side by side, so that the requests arrive on several connections and both workers answer.
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        client.chat.completions.create({
          model: "gpt-4o",
          messages: [{ role: "user", content: `request ${i} through the workers` }],
        }),
      ),
    );
    expect(answers.map((a) => a.choices[0]?.message.content)).toEqual(
      Array.from({ length: 24 }, (_, i) => `You said: request ${i} through the workers`),
    );
    // A credential in the prompt is blocked by the default policy, in OpenAI's error format.
    const blocked = await client.chat.completions
      .create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "deploy with AKIAZ7VRSQ4TLPXN3QKE please" }],
      })
      .catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(OpenAI.APIError);
    expect((blocked as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    // A made-up key is looked up through the primary's store, and refused.
    const stranger = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "dtk_" + "x".repeat(40), maxRetries: 0 });
    await expect(
      stranger.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    // /metrics on any worker counts every worker's requests.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const counted = [...metrics.matchAll(/^detente_gateway_decisions_total\{([^}]*)\} (\d+)$/gm)];
    const total = (action: string) =>
      counted.filter((m) => m[1]!.includes(`action="${action}"`)).reduce((n, m) => n + Number(m[2]), 0);
    expect(total("allow")).toBe(24);
    expect(total("block")).toBe(1);

    gw.child.kill("SIGTERM");
    const [code] = (await once(gw.child, "exit")) as [number | null];
    expect(code, gw.stderr()).toBe(0);

    // Every worker's events reached the store before the primary closed it.
    const events = await cli.run(["ai", "events", "--user", "erin@example.com", "--limit", "100", "--json"]);
    expect(events.code, events.stderr).toBe(0);
    const list = parseJson(events) as { action: string }[];
    expect(list.filter((e) => e.action === "allow")).toHaveLength(24);
    expect(list.filter((e) => e.action === "block")).toHaveLength(1);
  });

  it("stops with the error, one process or with workers, when an upstream's key file cannot be read", async () => {
    await cli.write(
      "missing-key.yaml",
      `ai:
  upstreams:
    openai: { type: openai, apiKey: { file: /nonexistent/detente-key } }
  models:
    - { name: "gpt-*", upstream: openai }
`,
    );
    for (const extra of [[], ["--workers", "2"]]) {
      const r = await cli.run(["gateway", "--config", "missing-key.yaml", "--port", "0", ...extra]);
      expect(r.timedOut, extra.join(" ")).toBe(false);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.stderr).toContain('upstream "openai": cannot read the key file /nonexistent/detente-key');
    }
  });

  it("refuses --workers that is not 1 to 64 or auto, naming the option", async () => {
    const r = await cli.run(["gateway", "--port", "0", "--workers", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--workers: expected 1 to 64 or "auto", got "0"');
  });

  it("refuses a policy that names an upstream that does not exist, naming the field and line", async () => {
    await cli.write(
      "bad.yaml",
      `ai:
  upstreams:
    openai: { type: openai, apiKey: { env: OPENAI_API_KEY } }
  models:
    - { name: "gpt-*", upstream: opena }
`,
    );
    const r = await cli.run(["gateway", "--config", "bad.yaml", "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: line 5: ai\.models\[0\]\.upstream/);
  });
});

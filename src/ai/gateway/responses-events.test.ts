import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";
import {
  sseEvents,
  startScriptedGateways,
  type ScriptedGateways,
  type ScriptedUpstream,
} from "../../../test/helpers/scripted-upstream.js";

/**
 * The Responses API numbers its stream events (`sequence_number`), and clients that resume a stream
 * (`starting_after`) or check the order rely on the numbers rising. The gateway adds events of its own:
 * text it held back to inspect, let out when the text ends, and the events that end a stream it stops.
 */

const TOKEN = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";

let upstream: ScriptedUpstream;
let gw: TestGateway;
let blocking: TestGateway;
let scripted: ScriptedGateways;

beforeAll(async () => {
  scripted = await startScriptedGateways();
  ({ upstream, gw, blocking } = scripted);
});

afterAll(async () => {
  await scripted.close();
});

const response = (status: string) => ({
  id: "resp_1",
  object: "response",
  created_at: 1,
  status,
  model: "gpt-4o",
  output: [],
  usage: null,
});
const item = { id: "msg_1", type: "message", role: "assistant", status: "in_progress", content: [] };
const part = { type: "output_text", text: "", annotations: [] };
const where = { item_id: "msg_1", output_index: 0, content_index: 0 };

/** A numbered Responses stream of one message whose text ends with `text`'s last delta. */
function script(deltas: readonly string[]): string[] {
  const text = deltas.join("");
  return sseEvents(
    [
      { type: "response.created", response: response("in_progress") },
      { type: "response.output_item.added", output_index: 0, item },
      { type: "response.content_part.added", ...where, part },
      ...deltas.map((delta) => ({ type: "response.output_text.delta", ...where, delta, logprobs: [] })),
      { type: "response.output_text.done", ...where, text, logprobs: [] },
      { type: "response.content_part.done", ...where, part: { ...part, text } },
      {
        type: "response.output_item.done",
        output_index: 0,
        item: { ...item, status: "completed", content: [{ ...part, text }] },
      },
      { type: "response.completed", response: response("completed") },
    ].map((e, i) => ({ ...e, sequence_number: i })),
  );
}

/** The events of a Responses stream through `g`, as the client receives them. */
async function events(g: TestGateway): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${g.url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${g.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", input: "deploy", stream: true }),
  });
  return (await res.text())
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}

function rising(numbers: readonly unknown[]): boolean {
  return numbers.every((n, i) => typeof n === "number" && (i === 0 || n > (numbers[i - 1] as number)));
}

describe("Responses stream event numbers", () => {
  it("keep rising when the gateway lets out held text in an event of its own", async () => {
    // The text ends with the token: held back until the text is done, then sent masked, in an added event.
    upstream.answer(script(["Deploy with ", TOKEN.slice(0, 12), TOKEN.slice(12)]));
    const got = await events(gw);
    const deltas = got.filter((e) => e.type === "response.output_text.delta");
    expect(deltas.map((e) => e.delta).join("")).toBe("Deploy with [REDACTED_GITHUB_TOKEN]");
    expect(got.map((e) => e.sequence_number)).toEqual([...got.keys()]);
    expect(got.at(-1)?.type).toBe("response.completed");
  });

  it("go on in the events that end a stream the policy stops", async () => {
    upstream.answer(script(["Deploy with ", TOKEN, " today."]));
    const got = await events(blocking);
    expect(got.at(-1)?.type).toBe("error");
    expect(JSON.stringify(got)).not.toContain(TOKEN.slice(4, 12));
    expect(rising(got.map((e) => e.sequence_number))).toBe(true);
    // Once response.created went out, a response.failed says why before the error.
    if (got[0]?.type === "response.created") expect(got.at(-2)?.type).toBe("response.failed");
  });
});

describe("event streams sent where the API answers whole", () => {
  it("inspects a streamed compaction as a Responses stream: secrets masked, placeholders restored", async () => {
    const email = "jane.doe@customer-mail.com";
    upstream.answer(script([`Keep ${TOKEN} for `, "[EMAIL_1]."]));
    const res = await fetch(`${gw.url}/v1/responses/compact`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", input: `mail ${email}`, stream: true }),
    });
    const body = await res.text();
    expect(upstream.requests.at(-1)?.body).not.toContain(email);
    expect(body).not.toContain(TOKEN.slice(4, 12));
    const deltas = body
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>)
      .filter((e) => e.type === "response.output_text.delta")
      .map((e) => e.delta);
    expect(deltas.join("")).toBe(`Keep [REDACTED_GITHUB_TOKEN] for ${email}.`);
  });

  it("inspects an event stream sent for embeddings as the text it is", async () => {
    upstream.answer([`data: {"object":"list","note":"token ${TOKEN}"}\n\n`]);
    const res = await fetch(`${gw.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "text-embedding-3-small", input: "hello" }),
    });
    const body = await res.text();
    expect(body).not.toContain(TOKEN.slice(4, 12));
    expect(body).toContain("[REDACTED_GITHUB_TOKEN]");
  });
});

describe("Responses tool items sent whole in a stream", () => {
  it("masks a secret in a shell call's action, under its key, in every event that repeats it", async () => {
    const call = {
      id: "lsh_1",
      type: "local_shell_call",
      call_id: "call_1",
      status: "completed",
      action: {
        type: "exec",
        command: ["./deploy.sh"],
        env: { GITHUB_TOKEN: TOKEN },
        working_directory: "/srv",
      },
    };
    upstream.answer(
      sseEvents(
        [
          { type: "response.created", response: response("in_progress") },
          { type: "response.output_item.done", output_index: 0, item: call },
          { type: "response.completed", response: { ...response("completed"), output: [call] } },
        ].map((e, i) => ({ ...e, sequence_number: i })),
      ),
    );
    const got = await events(gw);
    expect(JSON.stringify(got)).not.toContain(TOKEN.slice(4, 12));
    const actions = got.flatMap((e) => {
      const items =
        e.type === "response.output_item.done"
          ? [e.item]
          : ((e.response as { output?: unknown[] })?.output ?? []);
      return items.map((i) => (i as { action?: unknown }).action);
    });
    const masked = { ...call.action, env: { GITHUB_TOKEN: "[REDACTED_GITHUB_TOKEN]" } };
    expect(actions.filter((a) => a !== undefined)).toEqual([masked, masked]);
  });
});

describe("Responses tool items streamed in pieces", () => {
  it("masks a secret in a shell command, a patch and a shell's output, in their deltas and every repeat", async () => {
    const command = `curl -H 'Authorization: token ${TOKEN}' https://api.github.com/user`;
    const diff = `+GITHUB_TOKEN=${TOKEN}\n`;
    const stdout = `export GITHUB_TOKEN=${TOKEN}\n`;
    const shell = {
      id: "sh_1",
      type: "shell_call",
      call_id: "call_1",
      status: "completed",
      action: { commands: [command], timeout_ms: null, max_output_length: null },
    };
    const patch = {
      id: "ap_1",
      type: "apply_patch_call",
      call_id: "call_2",
      status: "completed",
      operation: { type: "update_file", path: ".env", diff },
    };
    const output = {
      id: "sho_1",
      type: "shell_call_output",
      call_id: "call_1",
      status: "completed",
      max_output_length: null,
      output: [{ stdout, stderr: "", outcome: { type: "exit", exit_code: 0 } }],
    };
    const cut = (s: string) => [s.slice(0, 20), s.slice(20)];
    upstream.answer(
      sseEvents(
        [
          { type: "response.created", response: response("in_progress") },
          {
            type: "response.output_item.added",
            output_index: 0,
            item: { ...shell, action: { commands: [] } },
          },
          { type: "response.shell_call_command.added", output_index: 0, command_index: 0, command: "" },
          ...cut(command).map((delta) => ({
            type: "response.shell_call_command.delta",
            output_index: 0,
            command_index: 0,
            delta,
          })),
          { type: "response.shell_call_command.done", output_index: 0, command_index: 0, command },
          { type: "response.output_item.done", output_index: 0, item: shell },
          ...cut(diff).map((delta) => ({
            type: "response.apply_patch_call_operation_diff.delta",
            output_index: 1,
            item_id: "ap_1",
            delta,
          })),
          { type: "response.apply_patch_call_operation_diff.done", output_index: 1, item_id: "ap_1", diff },
          { type: "response.output_item.done", output_index: 1, item: patch },
          ...cut(stdout).map((s) => ({
            type: "response.shell_call_output_content.delta",
            output_index: 2,
            item_id: "sho_1",
            command_index: 0,
            delta: { stdout: s },
          })),
          { type: "response.output_item.done", output_index: 2, item: output },
          {
            type: "response.completed",
            response: { ...response("completed"), output: [shell, patch, output] },
          },
        ].map((e, i) => ({ ...e, sequence_number: i })),
      ),
    );
    const got = await events(gw);
    expect(JSON.stringify(got)).not.toContain(TOKEN.slice(4, 12));
    const joined = (type: string, pick: (e: Record<string, unknown>) => string) =>
      got
        .filter((e) => e.type === type)
        .map(pick)
        .join("");
    const mask = "[REDACTED_GITHUB_TOKEN]";
    expect(joined("response.shell_call_command.delta", (e) => e.delta as string)).toBe(
      command.replace(TOKEN, mask),
    );
    expect(joined("response.apply_patch_call_operation_diff.delta", (e) => e.delta as string)).toBe(
      diff.replace(TOKEN, mask),
    );
    expect(
      joined("response.shell_call_output_content.delta", (e) => (e.delta as { stdout: string }).stdout),
    ).toBe(stdout.replace(TOKEN, mask));
    const completed = got.at(-1)?.response as { output: Record<string, unknown>[] };
    expect(completed.output[0]!.action).toMatchObject({ commands: [command.replace(TOKEN, mask)] });
    expect(completed.output[1]!.operation).toMatchObject({ diff: diff.replace(TOKEN, mask) });
    expect(completed.output[2]!.output).toMatchObject([{ stdout: stdout.replace(TOKEN, mask) }]);
  });
});

describe("a placeholder put back in an answer read as text", () => {
  it("is JSON-escaped in an event stream, so each event stays valid JSON", async () => {
    const redacting = await startTestGateway({
      upstreamUrl: upstream.url,
      extraYaml: "  rules:\n    - { data: secret, action: redact }\n",
    });
    try {
      const password = 'Tr0"ub4dor\\x9Qz7w';
      upstream.answer(['data: {"object":"list","note":"[SECRET_1]"}\n\n']);
      const res = await fetch(`${redacting.url}/v1/embeddings`, {
        method: "POST",
        headers: { authorization: `Bearer ${redacting.key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "text-embedding-3-small", input: `DB_PASSWORD=${password}` }),
      });
      expect(upstream.requests.at(-1)?.body).toContain("[SECRET_1]");
      const line = (await res.text()).split("\n").find((l) => l.startsWith("data: "))!;
      expect(JSON.parse(line.slice(6))).toEqual({ object: "list", note: password });
    } finally {
      await redacting.close();
    }
  });
});

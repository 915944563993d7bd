import { describe, expect, it } from "vitest";
import { createVault } from "../../inspect/index.js";
import { testInspector } from "../../inspect/testing.js";
import { createSseParser } from "../sse.js";
import { endsStream, wireFormat } from "./index.js";
import { aCodexRequest, diffPaths, markAll, TINY_PNG_BASE64 } from "./testing.js";
import type { WireEvent } from "./types.js";

const responses = wireFormat("openai-responses");
const inspector = testInspector();

describe("openai-responses requests (a Codex CLI turn)", () => {
  it("finds instructions, input items of every kind with their roles, and tool definitions", () => {
    const slots = responses.requestTexts(aCodexRequest());
    expect(slots.map((s) => [s.path, s.role])).toEqual([
      ["instructions", "system"],
      ["input[0].content[0].text", "system"],
      ["input[1].content[0].text", "user"],
      ["input[2].content[0].text", "user"],
      ["input[3].summary[0].text", "assistant"],
      ["input[4].arguments", "assistant"], // the keys "command" and "timeout_ms"
      ["input[4].arguments.command[0]", "assistant"],
      ["input[4].arguments.command[1]", "assistant"],
      ["input[4].arguments.command[2]", "assistant"],
      ["input[4].arguments.workdir", "assistant"],
      ["input[5].output.output", "tool-result"],
      ["input[5].output", "tool-result"], // the keys "metadata" and "exit_code"...
      ["input[6].input", "assistant"],
      ["input[7].output", "tool-result"],
      ["input[8].content[0].text", "assistant"],
      ["input[9].content[0].text", "user"],
      ["tools[0].name", "tool-definition"],
      ["tools[0].description", "tool-definition"],
      ["tools[0].parameters.properties.command.description", "tool-definition"],
      ["tools[0].parameters.properties.workdir.description", "tool-definition"],
      ["tools[0].parameters.properties.timeout_ms.description", "tool-definition"],
      ["tools[1].name", "tool-definition"],
      ["tools[1].description", "tool-definition"],
      ["tools[1].format.definition", "tool-definition"], // the custom tool's grammar
    ]);
    expect(slots[3]!.text).toContain("sk-proj-abc123");
  });

  it("rewrites every slot and leaves the rest (encrypted reasoning, the image) untouched", () => {
    const original = aCodexRequest();
    const body = aCodexRequest();
    const slots = responses.requestTexts(body);
    const markers = markAll(slots);
    const sent = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    expect(responses.requestTexts(sent).map((s) => s.text)).toEqual(markers);
    // JSON strings (call arguments, a JSON tool output) change as a whole.
    const whole = (path: string) => path.replace(/^(input\[4\]\.arguments|input\[5\]\.output).*$/, "$1");
    const expected = [...new Set(slots.map((s) => whole(s.path)))];
    expect(diffPaths(original, sent)).toEqual(expected);
    const json = JSON.stringify(sent);
    expect(json).toContain(`"image_url":"data:image/png;base64,${TINY_PNG_BASE64}"`);
    expect(json).toContain('"encrypted_content":"gAAAAABo3fakeEncryptedBlob=="');
  });

  it("reads a plain string input, shell outputs, MCP calls and prompt variables", () => {
    expect(responses.requestTexts({ input: "hello" }).map((s) => [s.path, s.role])).toEqual([
      ["input", "user"],
    ]);
    const body = {
      input: [
        {
          type: "shell_call_output",
          call_id: "c",
          output: [{ stdout: "ok", stderr: "warn", outcome: { type: "exit", exit_code: 0 } }],
        },
        {
          type: "mcp_call",
          id: "m",
          name: "search",
          server_label: "docs",
          arguments: '{"q":"x"}',
          output: "result",
        },
        {
          type: "function_call_output",
          call_id: "f",
          output: [
            { type: "input_text", text: "t" },
            { type: "input_image", image_url: "https://x/y.png" },
          ],
        },
      ],
      prompt: {
        id: "pmpt_1",
        variables: {
          customer: "Jane",
          doc: { type: "input_text", text: "body" },
          pic: { type: "input_image", image_url: "u" },
        },
      },
    };
    expect(responses.requestTexts(body).map((s) => [s.path, s.role, s.text])).toEqual([
      ["input[0].output[0].stdout", "tool-result", "ok"],
      ["input[0].output[0].stderr", "tool-result", "warn"],
      ["input[1].arguments.q", "assistant", '"q": "x"'],
      ["input[1].output", "tool-result", "result"],
      ["input[2].output[0].text", "tool-result", "t"],
      ['prompt.variables["customer"]', "user", "Jane"],
      ['prompt.variables["doc"].text', "user", "body"],
    ]);
  });
});

describe("openai-responses MCP servers", () => {
  const GITHUB = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";
  const OAUTH = "k3Jd9QwXz7LmNp2Rt5Vb8Yc4Hf6Gs1Ae0Uo"; // opaque: a token only under its name
  const mcpRequest = () => ({
    input: "Open an issue.",
    tools: [
      {
        type: "mcp",
        server_label: "github",
        server_description: "GitHub's MCP server.",
        server_url: "https://deploy:Zq7-Lm2x-Rt9w@mcp.example.com/sse",
        authorization: OAUTH,
        headers: { Authorization: `Bearer ${GITHUB}`, "X-Client": "codex" },
        require_approval: "never",
      },
    ],
  });

  it("reads the label, description, URL, OAuth token and each header, those last under their names", () => {
    const slots = responses.requestTexts(mcpRequest());
    expect(slots.map((s) => [s.path, s.role, s.text, s.contextLength])).toEqual([
      ["input", "user", "Open an issue.", undefined],
      ["tools[0].server_label", "tool-definition", "github", undefined],
      ["tools[0].server_description", "tool-definition", "GitHub's MCP server.", undefined],
      [
        "tools[0].server_url",
        "tool-definition",
        '"server_url": "https://deploy:Zq7-Lm2x-Rt9w@mcp.example.com/sse"',
        '"server_url": '.length,
      ],
      [
        "tools[0].authorization",
        "tool-definition",
        `"authorization_token": "${OAUTH}"`,
        '"authorization_token": '.length,
      ],
      [
        "tools[0].headers.Authorization",
        "tool-definition",
        `"Authorization": "Bearer ${GITHUB}"`,
        '"Authorization": '.length,
      ],
      ['tools[0].headers["X-Client"]', "tool-definition", '"X-Client": "codex"', '"X-Client": '.length],
    ]);
    // MCP tools given back by tool search are read the same way.
    const searched = responses.requestTexts({
      input: [{ type: "tool_search_output", tools: mcpRequest().tools }],
    });
    expect(searched.map((s) => s.path)).toContain("input[0].tools[0].headers.Authorization");
  });

  it("finds the credentials, and redaction rewrites the values but never a name", () => {
    const body = mcpRequest();
    const vault = createVault();
    const types: string[] = [];
    for (const slot of responses.requestTexts(body)) {
      const found = inspector.inspect(slot.text, slot.role);
      types.push(...found.map((d) => d.type));
      if (found.length > 0) slot.replace(vault.redact(slot.text, found));
    }
    // The OAuth token says nothing alone; under its name it is a secret.
    expect(inspector.inspect(OAUTH, "tool-definition")).toEqual([]);
    expect(types).toEqual(["basic-auth-url", "generic-secret", "github-token"]);
    const tool = body.tools[0]!;
    expect(tool.server_url).toBe("https://deploy:[SECRET_1]@mcp.example.com/sse");
    expect(tool.authorization).toBe("[SECRET_2]");
    expect(tool.headers).toEqual({ Authorization: "Bearer [SECRET_3]", "X-Client": "codex" });
  });
});

describe("openai-responses MCP headers whose value is a credential whatever its form", () => {
  const CRED = "Zx8kq2LmP9vTqR4wYb7Nc3Hd"; // opaque: a credential only where a header puts it
  const withHeaders = (headers: Record<string, string>) => ({
    input: "Open an issue.",
    tools: [{ type: "mcp", server_label: "tracker", server_url: "https://mcp.example.com", headers }],
  });
  /** Inspect each header, redact what is found: the types found, and the headers sent. */
  const redacted = (headers: Record<string, string>) => {
    const body = withHeaders(headers);
    const vault = createVault();
    const types: string[] = [];
    for (const slot of responses.requestTexts(body)) {
      const found = inspector.inspect(slot.text, slot.role).filter((d) => d.end > (slot.contextLength ?? 0));
      types.push(...found.map((d) => d.type));
      if (found.length > 0) slot.replace(vault.redact(slot.text, found));
    }
    return { types, sent: body.tools[0]!.headers };
  };

  it.each([
    ["authorization", `Token ${CRED}`, "Token [SECRET_1]"],
    ["X-Authorization", `ApiKey ${CRED}`, "ApiKey [SECRET_1]"],
    ["Proxy-Authorization", `token ${CRED}`, "token [SECRET_1]"],
    ["X-Vault-Token", `Custom-Scheme_2  ${CRED}`, "Custom-Scheme_2  [SECRET_1]"],
    ["Cookie", `session=${CRED}`, "session=[SECRET_1]"],
    ["Cookie", `theme=dark; session=${CRED}; lang=en`, "theme=dark; session=[SECRET_1]; lang=en"],
    ["Cookie", CRED, "[SECRET_1]"],
    // A bare token, as before.
    ["Authorization", CRED, "[SECRET_1]"],
    ["X-Api-Key", CRED, "[SECRET_1]"],
    // Named by a word or a compound's ending, in any case and any separator.
    ["PRIVATE-TOKEN", CRED, "[SECRET_1]"],
    ["X-AuthToken", `Token ${CRED}`, "Token [SECRET_1]"],
    ["Ocp-Apim-Subscription-Key", CRED, "[SECRET_1]"],
    ["apikey", CRED, "[SECRET_1]"],
    // ...also in the plural or numbered, and in compounds that end like one.
    ["X-Api-Keys", CRED, "[SECRET_1]"],
    ["X-Token2", CRED, "[SECRET_1]"],
    ["X-Masterkey", CRED, "[SECRET_1]"],
    ["X-OAuth", `Token ${CRED}`, "Token [SECRET_1]"],
    ["X-JWTAuth", CRED, "[SECRET_1]"],
  ])("finds %s: %s, and redaction keeps the scheme and the cookie names", (name, value, after) => {
    const { types, sent } = redacted({ [name]: value, "X-Client": "codex" });
    expect(types).toEqual(["generic-secret"]);
    expect(sent).toEqual({ [name]: after, "X-Client": "codex" });
  });

  it.each([
    "X-Monkey-Id",
    "X-Author",
    "Keep-Alive",
    "X-Hotkey",
    "X-Passport-Ref",
    "WWW-Authenticate",
    "X-Authenticated-User",
  ])("reads %s, whose name only has the letters of a credential word, as the header it is", (name) => {
    const { types, sent } = redacted({ [name]: CRED });
    expect(types).toEqual([]);
    expect(sent).toEqual({ [name]: CRED });
  });

  it.each(["X-Api-Password", "X-Passwd"])("finds a %s header's credential as a password", (name) => {
    const { types, sent } = redacted({ [name]: `Plain ${CRED}` });
    expect(types).toEqual(["password"]);
    expect(sent[name]).toBe("Plain [SECRET_1]");
  });

  it("reads the credential alone under a credential's name, and every cookie's value in a slot of its own", () => {
    const slots = responses.requestTexts(
      withHeaders({ "X-Authorization": `ApiKey ${CRED}`, Cookie: `a=1; b=${CRED}`, "X-Client": "codex" }),
    );
    const lead = '"authorization_token": ';
    expect(slots.slice(3).map((s) => [s.path, s.text, s.contextLength])).toEqual([
      ['tools[0].headers["X-Authorization"]', `${lead}"${CRED}"`, lead.length],
      ["tools[0].headers.Cookie", `${lead}"1"`, lead.length],
      ["tools[0].headers.Cookie", `${lead}"${CRED}"`, lead.length],
      ['tools[0].headers["X-Client"]', '"X-Client": "codex"', '"X-Client": '.length],
    ]);
  });

  it("keeps reading Bearer and Basic as they are, and finds nothing in a cookie without a credential", () => {
    const basic = Buffer.from("deploy:Zq7-Lm2x-Rt9w").toString("base64");
    const found = redacted({ Authorization: `Bearer ${CRED}`, "Proxy-Authorization": `Basic ${basic}` });
    expect(found.types).toEqual(["bearer-token", "basic-auth-credentials"]);
    expect(found.sent).toEqual({
      Authorization: "Bearer [SECRET_1]",
      "Proxy-Authorization": "Basic [SECRET_2]",
    });
    expect(redacted({ Cookie: "theme=dark; lang=en-US", "X-Api-Key": "none" }).types).toEqual([]);
  });

  it("writes a replacement that reached into the name as the credential, keeping the scheme", () => {
    const body = withHeaders({ Authorization: `Token ${CRED}`, Cookie: `a=1; b=${CRED}` });
    const slots = responses.requestTexts(body).slice(3);
    for (const slot of slots) slot.replace("[REDACTED]");
    expect(body.tools[0]!.headers).toEqual({
      Authorization: "Token [REDACTED]",
      Cookie: "a=[REDACTED]; b=[REDACTED]",
    });
    expect(slots.map((s) => s.text)).toEqual(Array(3).fill('"authorization_token": "[REDACTED]"'));
  });
});

describe("openai-responses responses", () => {
  it("exposes output text, refusals, reasoning summaries and function-call arguments with their keys", () => {
    const body = {
      id: "resp_1",
      object: "response",
      output: [
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Thinking" }] },
        {
          type: "message",
          id: "msg_1",
          role: "assistant",
          status: "completed",
          content: [
            { type: "output_text", text: "Done.", annotations: [] },
            { type: "refusal", refusal: "Not that." },
          ],
        },
        {
          type: "function_call",
          id: "fc_1",
          call_id: "call_1",
          name: "shell",
          arguments: '{"command":["ls"]}',
        },
      ],
      usage: { input_tokens: 50, output_tokens: 9, total_tokens: 59 },
    };
    expect(responses.responseTexts(body).map((s) => [s.path, s.role, s.text])).toEqual([
      ["output[0].summary[0].text", "response", "Thinking"],
      ["output[1].content[0].text", "response", "Done."],
      ["output[1].content[1].refusal", "response", "Not that."],
      ["output[2].arguments", "response", '"command"'],
      ["output[2].arguments.command[0]", "response", "ls"],
    ]);
    expect(responses.usage(body)).toEqual({ input: 50, output: 9 });
  });

  it("exposes the texts of tool items the model ran or asks to run: logs, MCP errors and approvals, shell actions, patches", () => {
    const body = {
      output: [
        {
          type: "code_interpreter_call",
          code: "print(1)",
          outputs: [
            { type: "logs", logs: "1" },
            { type: "image", url: "https://x" },
          ],
        },
        { type: "mcp_call", arguments: "{}", output: null, error: "denied" },
        { type: "mcp_approval_request", name: "deploy", arguments: '{"env":"prod"}' },
        { type: "local_shell_call", action: { type: "exec", command: ["cat", "key.pem"] } },
        { type: "apply_patch_call", operation: { type: "update_file", path: "a.py", diff: "+eval(x)" } },
      ],
    };
    expect(responses.responseTexts(body).map((s) => [s.path, s.text])).toEqual([
      ["output[0].code", "print(1)"],
      ["output[0].outputs[0].logs", "1"],
      ["output[1].error", "denied"],
      ["output[2].arguments.env", '"env": "prod"'],
      ["output[3].action.type", '"type": "exec"'],
      ["output[3].action", '"command"'],
      ["output[3].action.command[0]", "cat"],
      ["output[3].action.command[1]", "key.pem"],
      ["output[4].operation.diff", "+eval(x)"],
    ]);
  });
});

describe("openai-responses streams", () => {
  const item = '{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}';
  const done =
    '{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi there","annotations":[]}]}';
  const transcript = [
    `event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}}`,
    `event: response.output_item.added\ndata: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":${item}}`,
    `event: response.content_part.added\ndata: {"type":"response.content_part.added","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`,
    `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi ","logprobs":[]}`,
    `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"there","logprobs":[]}`,
    `event: response.output_text.done\ndata: {"type":"response.output_text.done","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hi there","logprobs":[]}`,
    `event: response.content_part.done\ndata: {"type":"response.content_part.done","sequence_number":6,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hi there","annotations":[]}}`,
    `event: response.output_item.done\ndata: {"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":${done}}`,
    `event: response.output_item.added\ndata: {"type":"response.output_item.added","sequence_number":8,"output_index":1,"item":{"id":"fc_1","type":"function_call","status":"in_progress","arguments":"","call_id":"call_1","name":"shell"}}`,
    `event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","sequence_number":9,"item_id":"fc_1","output_index":1,"delta":"{\\"command\\":"}`,
    `event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","sequence_number":10,"item_id":"fc_1","output_index":1,"delta":"[\\"ls\\"]}"}`,
    `event: response.function_call_arguments.done\ndata: {"type":"response.function_call_arguments.done","sequence_number":11,"item_id":"fc_1","output_index":1,"name":"shell","arguments":"{\\"command\\":[\\"ls\\"]}"}`,
    `event: response.completed\ndata: {"type":"response.completed","sequence_number":12,"response":{"id":"resp_1","object":"response","status":"completed","output":[${done},{"id":"fc_1","type":"function_call","status":"completed","arguments":"{\\"command\\":[\\"ls\\"]}","call_id":"call_1","name":"shell"}],"usage":{"input_tokens":31,"output_tokens":12,"total_tokens":43}}}`,
    "",
  ].join("\n\n");

  const events = (): WireEvent[] =>
    createSseParser()
      .push(transcript)
      .map((e) => ({ event: e.event!, data: JSON.parse(e.data) as Record<string, unknown> }));

  it("concatenates output text and argument deltas per output item", () => {
    const out: Record<string, string> = {};
    for (const ev of events())
      for (const s of responses.streamTexts(ev)) out[s.stream] = (out[s.stream] ?? "") + s.text;
    expect(out).toEqual({ "output:0:content:0": "Hi there", "output:1:arguments": '{"command":["ls"]}' });
  });

  it("ends each stream on its done event, and all of them on response.completed", () => {
    const ends = events().map((e) => responses.streamEnds(e));
    expect(ends).toEqual([
      [],
      [],
      [],
      [],
      [],
      ["output:0:content:0"],
      ["output:0:content:0"],
      ["output:0"],
      [],
      [],
      [],
      ["output:1:arguments"],
      ["output"],
    ]);
    expect(endsStream("output", "output:1:arguments")).toBe(true);
    expect(endsStream("output:0", "output:0:content:0")).toBe(true);
    expect(endsStream("output:1", "output:10:content:0")).toBe(false);
  });

  it("names the whole-text copies in done, part, item and response events", () => {
    const snaps = events().map((e) => responses.streamSnapshots(e).map((s) => [s.stream, s.path, s.text]));
    expect(snaps[5]).toEqual([["output:0:content:0", "text", "Hi there"]]);
    expect(snaps[6]).toEqual([["output:0:content:0", "part.text", "Hi there"]]);
    expect(snaps[7]).toEqual([["output:0:content:0", "item.content[0].text", "Hi there"]]);
    expect(snaps[11]).toEqual([["output:1:arguments", "arguments", '{"command":["ls"]}']]);
    expect(snaps[12]).toEqual([
      ["output:0:content:0", "response.output[0].content[0].text", "Hi there"],
      ["output:1:arguments", "response.output[1].arguments", '{"command":["ls"]}'],
    ]);
    // Rewriting a snapshot writes into the event.
    const ev = events()[12]!;
    responses.streamSnapshots(ev)[0]!.replace("Hi [REDACTED]");
    expect(JSON.stringify(ev.data)).toContain('"text":"Hi [REDACTED]"');
    expect(responses.streamUsage(ev)).toEqual({ input: 31, output: 12 });
  });

  it("writes flush events as copies of the delta event", () => {
    const evs = events();
    for (const i of [3, 9]) {
      const slot = responses.streamTexts(evs[i]!)[0]!;
      const flush = responses.flushEvent(slot.stream, "tail", evs[i]!);
      expect(flush.event).toBe(evs[i]!.event);
      const data = JSON.parse(flush.data) as Record<string, unknown>;
      expect(data.sequence_number).toBe(evs[i]!.data.sequence_number);
      expect(responses.streamTexts({ event: flush.event!, data }).map((s) => [s.stream, s.text])).toEqual([
        [slot.stream, "tail"],
      ]);
    }
    expect(() => responses.flushEvent("output:3:content:0", "x", evs[3]!)).toThrow();
  });

  it("reads reasoning summary, reasoning text, refusal and custom tool input deltas", () => {
    const mk = (type: string, extra: Record<string, unknown>) => ({
      event: type,
      data: { type, output_index: 2, delta: "d", ...extra },
    });
    expect(
      responses.streamTexts(mk("response.reasoning_summary_text.delta", { summary_index: 1 }))[0]!.stream,
    ).toBe("output:2:summary:1");
    expect(responses.streamTexts(mk("response.reasoning_text.delta", { content_index: 0 }))[0]!.stream).toBe(
      "output:2:reasoning:0",
    );
    expect(responses.streamTexts(mk("response.refusal.delta", { content_index: 1 }))[0]!.stream).toBe(
      "output:2:content:1",
    );
    expect(responses.streamTexts(mk("response.custom_tool_call_input.delta", {}))[0]!.stream).toBe(
      "output:2:input",
    );
    expect(responses.streamTexts(mk("response.audio.delta", {}))).toEqual([]);
  });
});

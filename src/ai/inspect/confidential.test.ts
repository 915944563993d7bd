import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { PatternSet } from "./confidential/nfa.js";
import { parsePattern } from "./confidential/safe-pattern.js";
import { found, testInspector, typesIn } from "./testing.js";

const inspector = testInspector({
  secrets: false,
  pii: false,
  confidential: {
    labels: ["CONFIDENTIAL", "INTERNAL ONLY", "ATTORNEY-CLIENT PRIVILEGED"],
    domains: ["corp.acme.io"],
    dictionaries: { codenames: ["Project Falcon", "Bluebird", "C++ Next"] },
    patterns: [
      { name: "ticket", pattern: "SEC-####" },
      { name: "doc-id", pattern: "/DOC-[A-Z]{2}-\\d{3,5}/" },
      { name: "build", pattern: "acme-*-internal" },
    ],
  },
});

function matches(pattern: string, text: string): string[] {
  const out: string[] = [];
  new PatternSet([parsePattern(pattern)]).scan(text, (_p, s, e) => out.push(text.slice(s, e)));
  return out;
}

describe("labels and dictionaries", () => {
  it("matches labels case-insensitively on word boundaries, surer when written in capitals", () => {
    const hits = inspector.inspect("CONFIDENTIAL: draft. Keep this confidential. Internal-Only.", "user");
    expect(hits.map((h) => [h.type, h.confidence])).toEqual([
      ["confidential-label", 0.9],
      ["confidential-label", 0.5],
      ["confidential-label", 0.5],
    ]);
    expect(found(inspector, "INTERNAL\nONLY and ATTORNEY-CLIENT PRIVILEGED")).toEqual([
      ["confidential-label", "INTERNAL\nONLY"],
      ["confidential-label", "ATTORNEY-CLIENT PRIVILEGED"],
    ]);
  });

  it("does not match labels inside identifiers or longer words", () => {
    for (const text of [
      "is_confidential = True",
      "confidentiality agreement",
      "nonconfidential",
      "INTERNAL ONLYX",
    ]) {
      expect(typesIn(inspector, text), text).toEqual([]);
    }
  });

  it("matches dictionary terms with flexible separators and literal punctuation", () => {
    expect(found(inspector, "status of project falcon and BLUEBIRD, then c++ next")).toEqual([
      ["dictionary:codenames", "project falcon"],
      ["dictionary:codenames", "BLUEBIRD"],
      ["dictionary:codenames", "c++ next"],
    ]);
    expect(typesIn(inspector, "bluebirds falcon project")).toEqual([]);
  });

  it("uses the default labels unless told otherwise", () => {
    expect(typesIn(testInspector(), "STRICTLY CONFIDENTIAL - do not distribute")).toEqual([
      "confidential-label",
      "confidential-label",
    ]);
    expect(typesIn(testInspector({ confidential: { labels: [] } }), "CONFIDENTIAL")).toEqual([]);
  });
});

describe("internal domains", () => {
  it("matches the domain and its subdomains as hosts, in URLs and in e-mail addresses", () => {
    expect(found(inspector, "see https://wiki.corp.acme.io/page and corp.acme.io.")).toEqual([
      ["internal-domain", "wiki.corp.acme.io"],
      ["internal-domain", "corp.acme.io"],
    ]);
    expect(found(inspector, "mail ops@git.corp.acme.io")).toEqual([["internal-domain", "git.corp.acme.io"]]);
  });

  it("does not match look-alikes", () => {
    for (const text of ["xcorp.acme.io", "corp.acme.io.evil.net", "corp.acme.iox", "my-corp.acme.io"]) {
      expect(typesIn(inspector, text), text).toEqual([]);
    }
  });

  it("lets an e-mail address win over the internal domain inside it", () => {
    const withPii = testInspector({ confidential: { domains: ["corp.acme.io"] } });
    expect(found(withPii, "ops@corp.acme.io")).toEqual([["email", "ops@corp.acme.io"]]);
  });
});

describe("safe patterns", () => {
  it("matches globs with # for digits and * for a run of non-space characters, on word boundaries", () => {
    expect(found(inspector, "fixed in SEC-1234 and SEC-12345, see acme-build7-internal")).toEqual([
      ["pattern:ticket", "SEC-1234"],
      ["pattern:build", "acme-build7-internal"],
    ]);
    expect(matches("SEC-####", "XSEC-1234")).toEqual([]);
  });

  it("matches restricted regexes, leftmost-longest", () => {
    expect(found(inspector, "ref DOC-AB-12345 and DOC-xy-123")).toEqual([["pattern:doc-id", "DOC-AB-12345"]]);
    expect(matches("/a(bc|b)c?/", "xabcx")).toEqual(["abc"]);
    expect(matches("/colou?r/i", "COLOR colour")).toEqual(["COLOR", "colour"]);
    expect(matches("/\\bid-[^\\s,]{2,4}\\b/", "id-ab12, xid-ab, id-a")).toEqual(["id-ab12"]);
    expect(matches("/[\\x41-\\x43]{3}/", "xxABCxx")).toEqual(["ABC"]);
  });

  it.each([
    ["/(a+)+b/", "nested quantifier"],
    ["/(\\w*)*x/", "nested quantifier"],
    ["/(a)\\1/", "backreference"],
    ["/(?=a)b/", "lookaround"],
    ["/(?<!a)b/", "lookaround"],
    ["/^abc$/", "anchor"],
    ["/a{1,500}/", "repeat count"],
    ["/a*/", "empty text"],
    ["/a**/", "nested quantifier"],
    ["/[b-a]/", "reversed class range"],
    ["/(abc/", "unclosed group"],
    ["/abc/g", "unsupported flags"],
    ["***", "at least one literal"],
  ])("rejects %s (%s) with INVALID_CONFIG naming the pattern", (pattern, why) => {
    try {
      testInspector({ confidential: { patterns: [{ name: "bad-one", pattern }] } });
      expect.unreachable();
    } catch (e) {
      expect(isDetenteError(e, "INVALID_CONFIG")).toBe(true);
      expect((e as Error).message).toContain('"bad-one"');
      expect((e as Error).message).toContain(why);
    }
  });
});

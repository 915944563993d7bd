import { describe, expect, it } from "vitest";
import { normalizeRepoUrl } from "./repo-url.js";

describe("normalizeRepoUrl", () => {
  it("gives every spelling of one repository the same form", () => {
    const spellings = [
      "https://github.com/example/payments-api",
      "https://github.com/example/payments-api.git",
      "https://github.com/example/payments-api/",
      "http://github.com/Example/Payments-API",
      "git@github.com:example/payments-api.git",
      "git@github.com:example/payments-api",
      "ssh://git@github.com/example/payments-api",
      "ssh://git@github.com:22/example/payments-api.git",
      "git://github.com/example/payments-api.git",
      "git+https://github.com/example/payments-api.git",
      "git+ssh://git@github.com/example/payments-api.git",
      "github.com/example/payments-api",
      "https://x-access-token:secret@github.com/example/payments-api.git",
    ];
    for (const s of spellings) expect(normalizeRepoUrl(s), s).toBe("github.com/example/payments-api");
  });

  it("keeps nested groups and drops ports and credentials", () => {
    expect(normalizeRepoUrl("https://gitlab.example.com:8443/platform/infra/terraform.git")).toBe(
      "gitlab.example.com/platform/infra/terraform",
    );
    expect(normalizeRepoUrl("ssh://git@gitlab.example.com:2222/platform/infra/terraform.git")).toBe(
      "gitlab.example.com/platform/infra/terraform",
    );
    expect(normalizeRepoUrl("gitlab.example.com:2222/platform/infra")).toBe(
      "gitlab.example.com/platform/infra",
    );
    expect(normalizeRepoUrl("https://token@github.com/a/b")).not.toContain("token");
  });

  it("returns undefined for what is not a repository", () => {
    for (const bad of [
      "",
      "payments-api",
      "api.example.com",
      "host:8080",
      "https://github.com",
      "ftp://x.com/a/b",
      "a b/c",
      "docker://nginx",
    ]) {
      expect(normalizeRepoUrl(bad), bad).toBeUndefined();
    }
  });
});

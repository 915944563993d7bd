import { describe, expect, it } from "vitest";
import { parseImageReference } from "./image-ref.js";

const name = (text: string): string | undefined => parseImageReference(text)?.name;
const DIGEST = `sha256:${"ab12".repeat(16)}`;

describe("parseImageReference", () => {
  it("normalizes Docker Hub names to docker.io/library/...", () => {
    expect(name("nginx")).toBe("docker.io/library/nginx");
    expect(name("nginx:1.25")).toBe("docker.io/library/nginx");
    expect(name("library/nginx")).toBe("docker.io/library/nginx");
    expect(name("docker.io/nginx")).toBe("docker.io/library/nginx");
    expect(name("index.docker.io/library/nginx:latest")).toBe("docker.io/library/nginx");
    expect(name("docker://nginx:1.25")).toBe("docker.io/library/nginx");
    expect(name("bitnami/redis:7.2")).toBe("docker.io/bitnami/redis");
  });

  it("splits registry, repository, tag and digest", () => {
    expect(parseImageReference("registry.example.com/payments/api:1.4.2")).toEqual({
      registry: "registry.example.com",
      repository: "payments/api",
      name: "registry.example.com/payments/api",
      tag: "1.4.2",
      digest: null,
    });
    expect(parseImageReference(`registry.example.com/payments/api@${DIGEST}`)).toMatchObject({
      name: "registry.example.com/payments/api",
      tag: null,
      digest: DIGEST,
    });
    expect(parseImageReference(`nginx:1.25@${DIGEST}`)).toMatchObject({ tag: "1.25", digest: DIGEST });
  });

  it("keeps a registry port apart from a tag", () => {
    expect(parseImageReference("registry.example.com:5000/tools/wiki:2.1")).toMatchObject({
      registry: "registry.example.com:5000",
      repository: "tools/wiki",
      tag: "2.1",
    });
    expect(parseImageReference("localhost:5000/app")).toMatchObject({
      registry: "localhost:5000",
      tag: null,
    });
    expect(parseImageReference("localhost/app:dev")).toMatchObject({ registry: "localhost", tag: "dev" });
  });

  it("lower-cases the registry host but refuses upper case in the repository", () => {
    expect(name("Registry.Example.com/payments/api")).toBe("registry.example.com/payments/api");
    expect(name("payments/Deployment/api")).toBeUndefined(); // a Kubernetes key, not an image
  });

  it("returns undefined for things that are not image references", () => {
    for (const bad of [
      "",
      "nginx:",
      "nginx@",
      "nginx@sha256",
      "a//b",
      "-a/b",
      "a b",
      "nginx:-bad",
      "x".repeat(600),
    ]) {
      expect(parseImageReference(bad), bad).toBeUndefined();
    }
  });
});

import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Time limits only catch a hang (no test asserts on time): generous, as two forks on two slow cores
    // stretched a 12 s test to 30 s.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Vitest's default is one fewer than the cores: one fork on the 2-core CI machines, where most test
    // files wait on child processes, servers and PostgreSQL. Two forks overlap those waits: CI's tests
    // took 717 s instead of 976 s on 2026-12-04 (the whole of `.ci/run` 15m40s instead of 19m55s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});

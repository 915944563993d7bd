#!/usr/bin/env node
// Entry point of the `detente` command: runs the compiled CLI from dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("detente is not built yet: run `npm run build` in " + fileURLToPath(new URL("..", import.meta.url)) + "\n");
  process.exit(3);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);

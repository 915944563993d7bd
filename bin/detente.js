#!/usr/bin/env -S node --max-semi-space-size=64
// The larger young generation lets a batch of findings die young instead of being copied around: a
// third less time in garbage collection on big reports. (`node bin/detente.js` works too, without it.)
// Entry point of the `detente` command: runs the compiled CLI from dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    "detente is not built yet: run `npm run build` in " +
      fileURLToPath(new URL("..", import.meta.url)) +
      "\n",
  );
  process.exit(3);
}
let finished = false;
process.on("exit", (code) => {
  // A command whose work stalled (nothing left to wait on) must not look like a success.
  if (!finished && code === 0) {
    process.stderr.write("detente: internal error: the command stopped before it finished\n");
    process.exitCode = 70;
  }
});
// A reader that stops early (`detente findings | head`) is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e && e.code === "EPIPE") {
      finished = true;
      process.exit(0);
    }
    throw e;
  });
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
finished = true;

/**
 * `npm run build`'s last step: the template new embedded databases are copied from (see
 * `embedded-template.ts`). Does nothing when the one in `dist/` is current.
 */
import { buildTemplate, TEMPLATE_DIR } from "./embedded-template.js";

const result = await buildTemplate();
process.stdout.write(
  `embedded database template ${result === "built" ? "built in" : "current:"} ${TEMPLATE_DIR}\n`,
);

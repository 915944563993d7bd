import type { TextRole } from "../../inspect/types.js";
import { keyedText, unquote } from "./json-slots.js";
import { writeEntry, type Json } from "./slots.js";
import { OwnSlot } from "./slot-kinds.js";
import type { TextSlot } from "./types.js";

/**
 * `Cookie`, and the words of a header name that say it carries a credential whatever its form: a
 * credential word (`X-Api-Key`, `PRIVATE-TOKEN`, `Proxy-Authorization`, `X-AuthToken`, `X-OAuth`) or a
 * one-word compound ending in one (`Apikey`, `X-Masterkey`, `X-JWTAuth`), also in the plural or numbered
 * (`X-Api-Keys`, `X-Token2`). Whole words and endings, not letters anywhere: `X-Monkey-Id`, `X-Author`,
 * `Keep-Alive`, `X-Hotkey` and `WWW-Authenticate` carry ids, settings and challenges, and read as
 * credentials a random id there would be reported.
 */
const CREDENTIAL_WORD =
  /^(?:pwd|auth[nz]?|authentication|authori[sz]ation|credentials?)$|(?:token|key|secret|password|passwd|auth)$/;
/** English words that end like a credential word but are not one. */
const NOT_CREDENTIAL = new Set(["monkey", "donkey", "turkey", "hockey", "jockey", "whiskey", "hotkey"]);
/** A scheme word before the credential (`Token `, `ApiKey `): kept as it is, not shown as the credential. */
const SCHEME = /^[A-Za-z][A-Za-z0-9_-]{0,20} +(?=\S)/;
/** Schemes the detectors read in the header as it is (`Bearer <token>`, `Basic <base64 of user:pass>`). */
const READ_AS_IS = /^(?:bearer|basic) /i;

/**
 * Push the slots of one HTTP header that the provider sends to a server (an MCP tool's `headers`). Most
 * are one slot, `"Name": "value"` (see `pushField`). A credential header (see `isCredentialHeader`) shows
 * the detectors the credential alone under a name they know as a credential's, `"authorization_token":
 * "..."` (`"password": "..."` for a password header), since no detector reads `Token <credential>`,
 * `ApiKey <credential>` or `session=<credential>` as one: without a scheme word before it (which is kept),
 * or, for `Cookie`, each cookie's value in a slot of its own (names and separators kept). Bearer and Basic
 * values are read as they are: their detectors know them. A replacement changes the credential only
 * (what follows `"authorization_token": `, without its quotes; the whole replacement when a finding
 * reached into the name), and the header is written back with its scheme word and cookie names.
 *
 * @example
 * pushHeader(out, tool.headers, "Authorization", "tool-definition", "tools[0].headers.Authorization");
 * // headers.Authorization === "Token Zx8k...": out[0].text === '"authorization_token": "Zx8k..."'
 */
export function pushHeader(out: TextSlot[], headers: Json, name: string, role: TextRole, path: string): void {
  const value = headers[name];
  if (typeof value !== "string" || value.length === 0) return;
  const parts = isCredentialHeader(name) && !READ_AS_IS.test(value) ? credentialParts(name, value) : [];
  const key = /passw(?:or)?d/i.test(name) ? "password" : "authorization_token";
  let pushed = false;
  // Each credential in a slot of its own, written back into the shared parts, the header rejoined.
  for (let i = 1; i < parts.length; i += 2)
    if (parts[i] !== "") {
      const write = (credential: string): void => {
        parts[i] = credential;
        writeEntry(headers, name, parts.join(""));
      };
      out.push(fieldSlot(key, parts[i]!, role, path, write));
      pushed = true;
    }
  // Not a credential header, or nothing in it to show alone (`Cookie: a=`): the header as it is.
  if (!pushed) pushField(out, headers, name, role, path);
}

/**
 * True when a header's name says it carries a credential (see `CREDENTIAL_WORD`): one of its words
 * (split at `-`, `_`, `.`, spaces and lower-to-upper case changes), without a plural `s` or a number at
 * its end, is a credential word or ends like one.
 *
 * @example isCredentialHeader("X-AuthToken"); // true; isCredentialHeader("X-Monkey-Id") // false
 */
export function isCredentialHeader(name: string): boolean {
  if (name.toLowerCase() === "cookie") return true;
  return name.split(/[-_.\s]+|(?<=[a-z0-9])(?=[A-Z])/).some((w) => {
    // `Keys`, `Token2`: the word without its plural or its number.
    const word = w.toLowerCase().replace(/\d+$/, "").replace(/s$/, "");
    return CREDENTIAL_WORD.test(word) && !NOT_CREDENTIAL.has(word);
  });
}

/**
 * A header's value cut into what is kept as it is (even indexes) and credentials (odd indexes), so that
 * `parts.join("")` is the value: `["Token ", "Zx8k...", ""]`; a cookie header `["a=", "1", "; b=",
 * "Zx8k...", ""]`, or, without any `name=value`, the value as one credential, as a bare token.
 */
function credentialParts(name: string, value: string): string[] {
  if (name.toLowerCase() === "cookie") {
    const parts: string[] = [];
    let kept = "";
    value.split(";").forEach((pair, k) => {
      if (k > 0) kept += ";";
      const eq = pair.indexOf("=");
      if (eq === -1) kept += pair;
      else {
        parts.push(kept + pair.slice(0, eq + 1), pair.slice(eq + 1));
        kept = "";
      }
    });
    if (parts.length > 0) return [...parts, kept];
  }
  const scheme = SCHEME.exec(value)?.[0] ?? "";
  return [scheme, value.slice(scheme.length), ""];
}

/**
 * A string under a name the API fixes (an MCP server's `authorization_token` or `server_url`, an HTTP
 * header under its name): text `"name": "value"`, as a JSON value's, so the detectors read a bare token
 * under its name as they would in a config. Unlike a JSON value's key, the name is not the caller's to
 * lose: it is context (`contextLength`), and a replacement changes the value only (what follows
 * `"name": `, without its quotes; the whole replacement when a finding reached into the name).
 *
 * @example
 * pushField(out, server, "authorization_token", "tool-definition", "mcp_servers[0].authorization_token");
 * // out[0].text === '"authorization_token": "..."', out[0].contextLength === 23
 */
export function pushField(out: TextSlot[], obj: Json, name: string, role: TextRole, path: string): void {
  const initial = obj[name];
  if (typeof initial !== "string" || initial.length === 0) return;
  out.push(
    fieldSlot(name, initial, role, path, (value) => {
      writeEntry(obj, name, value);
    }),
  );
}

/**
 * The slot `pushField` makes, over a string it is given (`initial`) and written back by `write`: text
 * `"name": "value"`, the name as context, a replacement's value (without the name and quotes) written.
 *
 * @example fieldSlot("authorization_token", token, "tool-definition", path, (v) => (parts[1] = v));
 */
export function fieldSlot(
  name: string,
  initial: string,
  role: TextRole,
  path: string,
  write: (value: string) => void,
): TextSlot {
  const lead = `${JSON.stringify(name)}: `;
  const rewrite = (next: string): string => {
    const value = next.startsWith(lead) ? unquote(next.slice(lead.length)) : next;
    write(value);
    return keyedText("", name, value);
  };
  return new OwnSlot(role, path, keyedText("", name, initial), rewrite, lead.length);
}

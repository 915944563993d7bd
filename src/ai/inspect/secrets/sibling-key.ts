import { keyKind, type KeyKind } from "./key-names.js";

/** How far back the name of a `value` is looked for: one XML tag, one list item of a few lines. */
const WINDOW = 200;

/** `key="LdapBindPassword"`, `name: DB_PASSWORD`, `"name": "api_token"`, `name = "/prod/db/password"`. */
const NAME = /\b(?:name|key)["']?[ \t]{0,8}[:=][ \t]{0,8}["']?([A-Za-z0-9_.:/-]{2,80})/gi;

/** `<name>fs.s3a.secret.key</name>` (Hadoop and similar `<property>` files). */
const NAME_ELEMENT = /<(?:name|key)>[ \t]{0,8}([A-Za-z0-9_.:/-]{2,80})[ \t]{0,8}<\/(?:name|key)>/gi;

/**
 * What the value of a generic `value` key holds, told by its sibling name, for the formats that keep a
 * setting's name and value apart: .NET `<add key="LdapBindPassword" value="..."/>`, Spring
 * `<property name="password" value="..."/>`, Kubernetes `- name: DB_PASSWORD` / `value: ...`, Hadoop
 * `<name>...</name><value>...</value>`, Terraform `name = "..."` / `value = "..."`. Reads at most
 * WINDOW characters before the value key; the nearest name wins.
 *
 * @example siblingKeyKind('<add key="DbPassword" value="x"/>', 20) // "password"
 */
export function siblingKeyKind(text: string, valueKeyStart: number): KeyKind | undefined {
  const from = Math.max(0, valueKeyStart - WINDOW);
  let window = text.slice(from, valueKeyStart);
  // Within an XML tag, only its own attributes count.
  const tag = window.lastIndexOf("<");
  if (tag !== -1 && !window.includes(">", tag)) window = window.slice(tag);
  const name = lastCapture(NAME, window) ?? lastCapture(NAME_ELEMENT, window);
  if (name === undefined) return undefined;
  const kind = keyKind(name);
  return kind === "weak" ? undefined : kind;
}

function lastCapture(re: RegExp, window: string): string | undefined {
  re.lastIndex = 0;
  let last: string | undefined;
  for (let m = re.exec(window); m !== null; m = re.exec(window)) last = m[1];
  return last;
}

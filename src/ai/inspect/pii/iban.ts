import { isDigitCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";

/** IBAN length per country (SWIFT IBAN registry), as country code + length. */
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 " +
    "DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 " +
    "IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 " +
    "MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 " +
    "SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30 "
  )
    .trim()
    .split(" ")
    .map((e) => [e.slice(0, 2), Number(e.slice(2))] as const),
);

/**
 * ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 must be 1.
 *
 * @example ibanValid("DE89370400440532013000") // true
 */
export function ibanValid(iban: string): boolean {
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    if (c >= 48 && c <= 57) rest = (rest * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rest = (rest * 100 + (c - 55)) % 97;
    else return false;
  }
  return rest === 1;
}

function isUpperAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/**
 * IBANs at a word start with a known country code and two check digits, compact or in groups of four,
 * with the country's length and a valid mod-97 checksum.
 */
function iban(text: string, s: number, scan: Scan): void {
  const country = text.slice(s, s + 2);
  const length = IBAN_LENGTHS.get(country);
  if (length === undefined) return;
  if (!isDigitCode(text.charCodeAt(s + 2)) || !isDigitCode(text.charCodeAt(s + 3))) return;
  let compact = "";
  let i = s;
  const n = text.length;
  while (i < n && compact.length < length) {
    const c = text.charCodeAt(i);
    if (isUpperAlnum(c)) {
      compact += text[i]!;
      i++;
    } else if (c === 32 && compact.length % 4 === 0 && i + 1 < n && isUpperAlnum(text.charCodeAt(i + 1))) i++;
    else break;
  }
  if (compact.length !== length) return;
  if (i < n && isIdentCode(text.charCodeAt(i))) return;
  if (!ibanValid(compact)) return;
  scan.emit("pii", "iban", s, i, 0.95, RANK.checksumPii);
}

/**
 * Register IBAN detection for every country code.
 *
 * @example registerIban(plan); // "DE89 3704 0044 0532 0130 00" -> iban
 */
export function registerIban(plan: Plan): void {
  for (const country of IBAN_LENGTHS.keys()) plan.prefix(country, iban, "0123456789");
}

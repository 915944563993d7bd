/**
 * Payment card numbers: Luhn, issuer (IIN) ranges and the lengths each network issues, and the test
 * numbers networks and processors publish (developers paste those all day; they identify no one).
 */

/**
 * The Luhn (mod 10) check over a string of digits.
 *
 * @example luhn("4556737586899855") // true
 */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Published test card numbers (Stripe, Adyen, Braintree, PayPal docs). */
const TEST_CARDS = new Set([
  "4242424242424242",
  "4000056655665556",
  "4111111111111111",
  "4012888888881881",
  "4222222222222",
  "4000000000000002",
  "4000000000009995",
  "4000000000000077",
  "5555555555554444",
  "5200828282828210",
  "5105105105105100",
  "2223003122003222",
  "378282246310005",
  "371449635398431",
  "378734493671000",
  "6011111111111117",
  "6011000990139424",
  "3056930009020004",
  "36227206271667",
  "30569309025904",
  "38520000023237",
  "3566002020360505",
  "3530111333300000",
  "6200000000000005",
  "6011000000000004",
]);

interface Network {
  readonly name: string;
  readonly lengths: readonly number[];
  readonly matches: (d: string) => boolean;
}

const range = (d: string, digits: number, lo: number, hi: number): boolean => {
  const v = Number(d.slice(0, digits));
  return v >= lo && v <= hi;
};

const NETWORKS: readonly Network[] = [
  { name: "visa", lengths: [13, 16, 19], matches: (d) => d.startsWith("4") },
  {
    name: "mastercard",
    lengths: [16],
    matches: (d) => range(d, 2, 51, 55) || range(d, 4, 2221, 2720),
  },
  { name: "amex", lengths: [15], matches: (d) => d.startsWith("34") || d.startsWith("37") },
  {
    name: "discover",
    lengths: [16, 17, 18, 19],
    matches: (d) => d.startsWith("6011") || d.startsWith("65") || range(d, 3, 644, 649),
  },
  { name: "jcb", lengths: [16, 17, 18, 19], matches: (d) => range(d, 4, 3528, 3589) },
  {
    name: "diners",
    lengths: [14, 15, 16, 17, 18, 19],
    matches: (d) => range(d, 3, 300, 305) || d.startsWith("36") || d.startsWith("38") || d.startsWith("39"),
  },
  { name: "unionpay", lengths: [16, 17, 18, 19], matches: (d) => d.startsWith("62") },
  { name: "maestro", lengths: [12, 13, 16, 17, 18, 19], matches: (d) => /^(?:50|5[6-8]|6[37])/.test(d) },
];

/**
 * The confidence that `digits` is a payment card number, or undefined: it must pass Luhn, fall in an
 * issuer range with a length that issuer uses, and not be a published test number.
 *
 * @example cardConfidence("4556737586899855", true) // 0.95
 */
export function cardConfidence(digits: string, separated: boolean): number | undefined {
  if (digits.length < 12 || digits.length > 19) return undefined;
  if (TEST_CARDS.has(digits) || /^(\d)\1+$/.test(digits)) return undefined;
  const network = NETWORKS.find((n) => n.matches(digits) && n.lengths.includes(digits.length));
  if (network === undefined || !luhn(digits)) return undefined;
  if (separated) return 0.95;
  return digits.length === 16 || digits.length === 15 ? 0.85 : 0.7;
}

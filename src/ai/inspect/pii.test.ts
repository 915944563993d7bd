import { describe, expect, it } from "vitest";
import { cardConfidence, luhn } from "./pii/card.js";
import { ibanValid } from "./pii/iban.js";
import { found, testInspector, typesIn } from "./testing.js";

const inspector = testInspector({ secrets: false, sourceCode: false });

describe("e-mail", () => {
  it.each(["jane.doe@gmail.com", "j.o'neil+billing@acme-corp.co.uk", "x_y@sub.mail.acme.io"])(
    "finds %s",
    (email) => {
      const clean = email.replace("'", "");
      expect(found(inspector, `write to ${clean}, thanks`)).toEqual([["email", clean]]);
    },
  );

  it.each([
    "alice@example.com",
    "git@github.com:acme/repo.git",
    "icon@2x.png",
    "lodash@4.17.21",
    "npm install @types/node",
    "user@localhost",
    "@Component({ selector: 'x' })",
    "bob@test",
  ])("ignores %s", (text) => {
    expect(typesIn(inspector, text)).toEqual([]);
  });
});

describe("phone numbers", () => {
  it.each([
    "+1 415 555 2671",
    "+14155552671",
    "+44 20 7946 0958",
    "+49 30 901820",
    "+33 6 12 34 56 78",
    "(415) 555-2671",
    "415-555-2671",
    "415.555.2671",
    "1-800-842-2271",
    "020 7946 0958",
    "06 12 34 56 78",
  ])("finds %s", (phone) => {
    expect(found(inspector, `call ${phone} today`)).toEqual([["phone", phone]]);
  });

  it.each([
    "version 1.2.3",
    "released 2024-01-15",
    "at 12:30:45",
    "build 4155552671",
    "order #123456789",
    "v10.0.19041.1",
    "pi is 3.14159265358",
    "ratio 16/9 and 4/3",
    "id 123-4567-89",
    "0.0.0.0:8080",
    "port 5432",
    "call 555-0142 or (212) 555-0199 in the film",
  ])("ignores %s", (text) => {
    expect(typesIn(inspector, text)).toEqual([]);
  });
});

describe("phone numbers named by their key", () => {
  it.each([
    ['{"phone": 4155552671}', "4155552671"],
    ['{"mobile_number": "4917612345678"}', "4917612345678"],
    ["contact_phone=02079460958", "02079460958"],
    ["'msisdn': '447911123456'", "447911123456"],
    ["fax: 4155552671.", "4155552671"],
    ['"phoneNumber":14155552671', "14155552671"],
  ])("finds the digits of %s", (text, digits) => {
    expect(found(inspector, text)).toEqual([["phone", digits]]);
  });

  it("takes only a phone key, and 7 to 15 digits not glued to a letter, for a phone number", () => {
    expect(typesIn(inspector, '{"phone": 4155552671}')).toEqual(["phone"]);
    for (const text of [
      '{"phone_count": 4155552671}',
      '{"telemetry_id": 4155552671}',
      '{"mobile_app_build": 4155552671}',
      '{"id": 4155552671}',
      "phone 4155552671",
      '{"phone": 415555}',
      '{"phone": 4155552671234567}',
      '{"phone": 4155552671abc}',
    ])
      expect(typesIn(inspector, text), text).toEqual([]);
  });
});

describe("payment cards", () => {
  it("checks Luhn and issuer ranges", () => {
    expect(luhn("4556737586899855")).toBe(true);
    expect(luhn("4556737586899856")).toBe(false);
    expect(cardConfidence("4556737586899855", true)).toBe(0.95);
    expect(cardConfidence("9556737586899851", true)).toBeUndefined(); // no issuer starts with 9
    expect(cardConfidence("4242424242424242", true)).toBeUndefined(); // a published test number
  });

  it.each([
    "4556 7375 8689 9855",
    "4556-7375-8689-9855",
    "4556737586899855",
    "5425 2334 3010 9903",
    "3700 561023 45679",
  ])("finds %s", (card) => {
    expect(found(inspector, `card: ${card}.`)).toEqual([["payment-card", card]]);
  });

  it.each([
    "4556 7375 8689 9856",
    "4242 4242 4242 4242",
    "1700000000000",
    "ts=1717171717171717",
    "4556 7375-8689 9855",
    "45567375868998551234",
  ])("ignores %s", (text) => {
    expect(typesIn(inspector, text)).toEqual([]);
  });

  // 19 digits in one run are mostly 64-bit ids, a tenth of which pass Luhn: only a card key names them.
  it.each([
    ['{"card": 4556737589532146213}', "4556737589532146213"],
    ['"cardNumber": "6212345678901234569"', "6212345678901234569"],
    ["credit_card_no=4556737589532146213", "4556737589532146213"],
    ["cc: 4556737589532146213", "4556737589532146213"],
    ['{"pan": 4556737589532146213}', "4556737589532146213"],
  ])("finds the 19 digits of %s", (text, digits) => {
    expect(found(inspector, text)).toEqual([["payment-card", digits]]);
  });

  it("takes 17 to 19 digits in one run for a card only under a card key", () => {
    for (const text of [
      '{"id": 4556737589532146213}',
      '{"japan": 4556737589532146213}',
      '{"card_count": 4556737589532146213}',
      "card 4556737589532146213",
      '{"card": 4556737589532146214}', // fails Luhn
      '{"card": 45567375895321462130}', // 20 digits
    ])
      expect(typesIn(inspector, text), text).toEqual([]);
  });
});

describe("IBAN, SSN, IP addresses", () => {
  it("finds IBANs with a valid checksum, compact or grouped", () => {
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("DE89370400440532013001")).toBe(false);
    expect(found(inspector, "IBAN DE89 3704 0044 0532 0130 00, BIC")).toEqual([
      ["iban", "DE89 3704 0044 0532 0130 00"],
    ]);
    expect(found(inspector, "GB82WEST12345698765432")).toEqual([["iban", "GB82WEST12345698765432"]]);
    expect(typesIn(inspector, "DE89 3704 0044 0532 0130 01")).not.toContain("iban");
    expect(typesIn(inspector, "DE12 is a code")).toEqual([]);
  });

  it("finds US SSNs but not impossible or advertised ones", () => {
    expect(found(inspector, "SSN 536-22-8741")).toEqual([["us-ssn", "536-22-8741"]]);
    for (const bad of [
      "000-12-3456",
      "666-12-3456",
      "912-12-3456",
      "536-00-8741",
      "536-22-0000",
      "078-05-1120",
      "219-09-9999",
    ]) {
      expect(typesIn(inspector, `SSN ${bad}`), bad).toEqual([]);
    }
  });

  it("finds IPv4 addresses except unspecified, loopback, broadcast and netmasks", () => {
    expect(found(inspector, "connect to 10.20.8.4 or 203.0.113.9:443")).toEqual([
      ["ipv4", "10.20.8.4"],
      ["ipv4", "203.0.113.9"],
    ]);
    for (const text of [
      "0.0.0.0",
      "127.0.0.1",
      "255.255.255.255",
      "mask 255.255.255.0",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "Version 2.1.0.4",
      "build: 10.0.1.2",
    ]) {
      expect(typesIn(inspector, text), text).toEqual([]);
    }
  });

  it("finds IPv6 addresses but not loopback, times, MACs or C++ scopes", () => {
    expect(found(inspector, "host 2001:db8:85a3::8a2e:370:7334 up")).toEqual([
      ["ipv6", "2001:db8:85a3::8a2e:370:7334"],
    ]);
    expect(found(inspector, "fe80::1ff:fe23:4567:890a%eth0")).toEqual([["ipv6", "fe80::1ff:fe23:4567:890a"]]);
    expect(found(inspector, "[2001:db8::1]:8080")).toEqual([["ipv6", "2001:db8::1"]]);
    expect(found(inspector, "::ffff:192.0.2.128")).toEqual([["ipv6", "::ffff:192.0.2.128"]]);
    for (const text of ["::1", "12:30:45", "00:1A:2B:3C:4D:5E", "std::vector<int>", "a::b", "dead::beef"]) {
      expect(typesIn(inspector, text), text).toEqual([]);
    }
  });

  it("runs only the configured PII types", () => {
    const emailOnly = testInspector({ pii: { types: ["email"] } });
    expect(typesIn(emailOnly, "bob@acme.io 415-555-2671 10.1.1.1")).toEqual(["email"]);
    const none = testInspector({ pii: false });
    expect(typesIn(none, "bob@acme.io 415-555-2671 10.1.1.1")).toEqual([]);
  });
});

import type { Random } from "./fuzz-random.js";

/**
 * Hostile input by class, as the raw text that goes on the wire: JSON value literals for bodies, percent-encoded
 * text for paths and queries. Raw text and not JS values, because the nastiest cases (5,000-deep nesting,
 * `1e400`, `\ud800` escapes) cannot round-trip through JSON.stringify.
 */
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const deepArray = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const str = (value: string) => JSON.stringify(value);

export const HOSTILE_JSON: Readonly<Record<string, readonly string[]>> = {
  nul: [str("a\u0000b"), str("\u0000"), str("x@example.com\u0000"), '{"k\\u0000":"v"}'],
  loneSurrogate: ['"\\ud800"', '"x\\udfff"', '"\\udc00\\ud800"', '{"\\ud83d":1}', '["\\udbff"]'],
  hugeString: [str("x".repeat(10_000)), str("y".repeat(120_000))],
  deepNesting: [deepObject(5_000), deepArray(5_000), deepObject(20_000), `{"a":[${deepObject(6_000)}]}`],
  timestampString: [
    str("0000-01-01T00:00:00Z"),
    str("0000-01-01"),
    str("-000001-01-01T00:00:00Z"),
    str("-271821-04-20T00:00:00.000Z"),
    str("+275760-09-13T00:00:00.000Z"),
    str("1969-12-31T23:59:59.999Z"),
    str("9999-12-31T23:59:59-14:00"),
    str("0001-01-01T00:00:00Z"),
    str("2999-01-01T00:00:00Z"),
    str("Sat, 01 Jan 0000 00:00:00 GMT"),
  ],
  timestampNumber: [
    "-62167219200000",
    "-8640000000000000",
    "8640000000000000",
    "-1",
    "253402300800000",
    "1e21",
  ],
  hugeNumber: [
    "1e308",
    "-1e308",
    "1e400",
    "99999999999999999999",
    "9223372036854775808",
    "-0",
    "4.9e-324",
    "1.5",
  ],
  wrongType: ["null", "true", "false", "[]", "{}", "0", '"string"', '[1,"a",null,{}]'],
  prototypeKey: [
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"prototype":1}',
    '{"a":{"b":{"__proto__":{"polluted":true}}}}',
  ],
  injection: [str("'; DROP TABLE events; --"), str("%00"), str("%s%n{{7*7}}"), str("\\"), str("\\u0000")],
  empty: ['""', '" "', str("\n\t")],
  bigArray: [`[${Array.from({ length: 20_000 }, () => "1").join(",")}]`],
  unicode: [str("😀 é \u2028 \u200b \ufeff"), str("\uffff")],
};

export const HOSTILE_SEGMENTS: readonly string[] = [
  "%00",
  "a%00b",
  "%25",
  "%",
  "%ff",
  "%fe%ff",
  "%zz",
  "%E2%82",
  "%ED%A0%80",
  "%C0%80",
  "a%2Fb",
  "%2e%2e",
  "__proto__",
  "constructor",
  "x".repeat(5_000),
  "-".repeat(36),
  "0".repeat(36),
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "1e309",
  "99999999999999999999",
  "9007199254740993",
  "-1",
  "0",
  "NaN",
  "%F0%9F%98%80",
  "%27%20OR%201%3D1--",
  "%u0000",
  "%%",
  "%2500",
  "x%0Ay",
  "a.gif",
  "e%40example.com",
];

export const HOSTILE_QUERY_VALUES: readonly string[] = [
  ...HOSTILE_SEGMENTS,
  "0000-01-01T00:00:00Z",
  "-271821-04-20T00:00:00.000Z",
  "%2B275760-09-13T00:00:00.000Z",
  "9999-12-31T23:59:59-14:00",
  "1969-12-31T23:59:59Z",
  "-62167219200000",
  "-8640000000000000",
  "Infinity",
  "",
  cursor("0000-01-01T00:00:00Z|00000000-0000-0000-0000-000000000000"),
  cursor("-271821-04-20T00:00:00.000Z|00000000-0000-0000-0000-000000000000"),
  cursor("2020-01-01T00:00:00Z|------------------------------------"),
  cursor("\u0000"),
  cursor("-9e99"),
  cursor("99999999999999999999"),
  encodeURIComponent(deepObject(5_000)),
  encodeURIComponent('{"__proto__":{"polluted":true}}'),
  encodeURIComponent('{"name":"a\\u0000b"}'),
  "not-json",
];

export const QUERY_KEYS: readonly string[] = [
  "userId",
  "email",
  "template",
  "status",
  "cursor",
  "limit",
  "before",
  "to",
  "search",
  "format",
  "props",
  "reason",
  "event",
  "__proto__",
  "constructor",
  "a%00b",
];

function cursor(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

export function hostileJson(random: Random): string {
  return random.pick(HOSTILE_JSON[random.pick(Object.keys(HOSTILE_JSON))] ?? ["null"]);
}

/** Every hostile JSON literal once, for the systematic pass. */
export function everyHostileJson(): string[] {
  return Object.values(HOSTILE_JSON).flat();
}

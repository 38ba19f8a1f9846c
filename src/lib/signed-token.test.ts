import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signToken, verifyToken } from "./signed-token.js";

const A = "a".repeat(32);
const B = "b".repeat(32);

describe("signed tokens", () => {
  it("round-trips a payload under the signing secret", () => {
    const token = signToken("unsubscribe", { u: "user-1", e: "x@example.com" }, A);
    expect(verifyToken("unsubscribe", token, [A])).toEqual({ u: "user-1", e: "x@example.com" });
  });

  it("accepts any listed secret so a secret can be rotated", () => {
    const old = signToken("click", { m: "1" }, A);
    expect(verifyToken("click", old, [B, A])).toEqual({ m: "1" });
    expect(verifyToken("click", old, [B])).toBeUndefined();
  });

  it("rejects a token minted for another purpose", () => {
    const token = signToken("click", { m: "1" }, A);
    expect(verifyToken("unsubscribe", token, [A])).toBeUndefined();
  });

  it("rejects a changed payload, a changed MAC and garbage", () => {
    const token = signToken("unsubscribe", { u: "user-1" }, A);
    const [body, sig] = token.split(".") as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ u: "user-2" })).toString("base64url");
    expect(verifyToken("unsubscribe", `${forgedBody}.${sig}`, [A])).toBeUndefined();
    const flipped = `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`;
    expect(verifyToken("unsubscribe", `${body}.${flipped}`, [A])).toBeUndefined();
    expect(verifyToken("unsubscribe", `${body}.${sig.slice(0, 10)}`, [A])).toBeUndefined();
    for (const junk of ["", ".", "abc", "a.b.c", `${body}.`, `.${sig}`]) {
      expect(verifyToken("unsubscribe", junk, [A])).toBeUndefined();
    }
  });

  it("accepts only the canonical base64url encoding of each part", () => {
    const token = signToken("unsubscribe", { u: "user-1", e: "x@example.com" }, A);
    const [body, sig] = token.split(".") as [string, string];
    // A 32-byte MAC is 43 characters: the last one carries 4 bits and 2 unused ones, so 4 spellings decode alike.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(sig.at(-1) as string);
    const siblings = [1, 2, 3].map((bits) => `${sig.slice(0, -1)}${alphabet[last ^ bits]}`);
    for (const sibling of siblings) {
      expect(Buffer.from(sibling, "base64url").equals(Buffer.from(sig, "base64url"))).toBe(true);
      expect(verifyToken("unsubscribe", `${body}.${sibling}`, [A])).toBeUndefined();
    }
    const variants = [
      `${body}.${sig}=`,
      `${body}.${sig}==`,
      `${body}=.${sig}`,
      `${body}.${sig.replace(/-/g, "+").replace(/_/g, "/")}`,
      `${body}.${sig.slice(0, 20)} ${sig.slice(20)}`,
      `${body}.${sig}\n`,
      ` ${body}.${sig}`,
    ];
    for (const variant of variants) {
      if (variant === token) continue;
      expect(verifyToken("unsubscribe", variant, [A])).toBeUndefined();
    }
    expect(verifyToken("unsubscribe", token, [A])).toEqual({ u: "user-1", e: "x@example.com" });
  });

  it("rejects a body that is not canonical base64url even when its MAC matches", () => {
    // The MAC covers the body's characters, so only a holder of the secret can mint these; the verifier must still
    // not normalise them: one payload has exactly one token spelling per secret.
    const json = Buffer.from(JSON.stringify({ u: "user-1" })).toString("base64url");
    expect(json.length % 4).not.toBe(0);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const lowBitsFlipped = `${json.slice(0, -1)}${alphabet[alphabet.indexOf(json.at(-1) as string) ^ 1]}`;
    for (const body of [`${json}=`, lowBitsFlipped]) {
      expect(Buffer.from(body, "base64url").toString("base64url")).toBe(json);
      expect(verifyToken("unsubscribe", `${body}.${macFor("unsubscribe", body, A)}`, [A])).toBeUndefined();
    }
    expect(verifyToken("unsubscribe", `${json}.${macFor("unsubscribe", json, A)}`, [A])).toEqual({
      u: "user-1",
    });
  });
});

function macFor(purpose: string, body: string, secret: string): string {
  return createHmac("sha256", secret).update(`hogsend:${purpose}:`).update(body).digest("base64url");
}

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
});

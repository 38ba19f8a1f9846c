import { describe, expect, it } from "vitest";
import { isStorableText, toStorableText } from "./storable-text.js";

describe("storable text", () => {
  it("refuses NUL and unpaired surrogates, keeps pairs", () => {
    expect(isStorableText("plain é 😀")).toBe(true);
    for (const bad of ["\u0000", "a\ud800", "\udc00b", "\udc00\ud800"])
      expect(isStorableText(bad)).toBe(false);
  });

  it("toStorableText replaces what cannot be stored and cuts without leaving half a pair", () => {
    expect(toStorableText("a\u0000b\ud800")).toBe("a\ufffdb\ufffd");
    expect(toStorableText("ab😀", 3)).toBe("ab\ufffd");
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTrackingRoutes } from "../src/api/tracking-routes.js";
import { applyTracking } from "../src/email/tracking/apply-tracking.js";
import { createClickToken } from "../src/email/tracking/tracking-token.js";
import { systemClock } from "../src/lib/clock.js";
import { createPolicyApi, insertSentMessage } from "./helpers/email-policy-api.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const SECRET = "t".repeat(40);
const BASE = "https://hogsend.example.com";
let testDb: TestDatabase;
let api: ReturnType<typeof createPolicyApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  api = createPolicyApi(testDb.db, [
    (context) =>
      createTrackingRoutes(context, {
        secrets: [SECRET],
        softBounce: { threshold: 3, windowMs: 1e9 },
        clock: systemClock,
      }),
  ]);
});
afterAll(async () => {
  await testDb?.drop();
});
beforeEach(async () => {
  await testDb.db.query("TRUNCATE messages, message_events, contacts, events, event_routing_queue");
});

const HTML = `<html><body><p>Hi</p>
<a href="https://example.com/pricing?plan=pro&amp;ref=email" class="btn">Upgrade</a>
<a class="x" href='http://example.com/a'>A</a>
<a href="mailto:help@example.com">Mail us</a>
<a href="${BASE}/u/abc.def">Unsubscribe</a>
</body></html>`;

function hrefs(html: string): string[] {
  return [...html.matchAll(/href=["']([^"']+)["']/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
}

describe("applyTracking", () => {
  it("wraps web links, keeps mailto and unsubscribe links, and adds one pixel before </body>", () => {
    const out = applyTracking(HTML, { messageId: "m1", publicUrl: BASE, secret: SECRET });
    const links = hrefs(out);
    expect(links[0]).toMatch(/^https:\/\/hogsend\.example\.com\/t\/c\/[\w-]+\.[\w-]+$/);
    expect(links[1]).toMatch(/^https:\/\/hogsend\.example\.com\/t\/c\//);
    expect(links.slice(2)).toEqual(["mailto:help@example.com", `${BASE}/u/abc.def`]);
    expect(out.match(/\/t\/o\/[\w-]+\.[\w-]+\.gif/g)).toHaveLength(1);
    expect(out.indexOf("/t/o/")).toBeLessThan(out.indexOf("</body>"));
    expect(applyTracking(HTML, { messageId: "m1", publicUrl: BASE, secret: SECRET })).toBe(out);
  });
});

describe("tracking endpoints", () => {
  it("redirects a click to the original URL and records it once in the event store", async () => {
    const messageId = await insertSentMessage(testDb.db, { userId: "u1", email: "ann@example.com" });
    const out = applyTracking(HTML, { messageId, publicUrl: BASE, secret: SECRET });
    const tracked = new URL(hrefs(out)[0]!);
    for (let i = 0; i < 2; i++) {
      const res = await api.request(tracked.pathname);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("https://example.com/pricing?plan=pro&ref=email");
    }
    const events = await testDb.db.query(
      "SELECT type, message_id, details->>'link' AS link FROM message_events",
    );
    expect(events.rows).toEqual([
      { type: "clicked", message_id: messageId, link: "https://example.com/pricing?plan=pro&ref=email" },
      { type: "clicked", message_id: messageId, link: "https://example.com/pricing?plan=pro&ref=email" },
    ]);
    const stored = await testDb.db.query("SELECT event, user_id, source FROM events");
    expect(stored.rows).toEqual([{ event: "email.clicked", user_id: "u1", source: "system" }]);
  });

  it("is not an open redirect: changed, foreign or non-web tokens get 400 and no Location", async () => {
    const messageId = await insertSentMessage(testDb.db, { userId: "u1", email: "ann@example.com" });
    const good = createClickToken(messageId, "https://example.com/", SECRET);
    const [, mac] = good.split(".") as [string, string];
    const evilBody = Buffer.from(JSON.stringify({ m: messageId, u: "https://evil.example/" })).toString(
      "base64url",
    );
    const bad = [
      `${evilBody}.${mac}`,
      createClickToken(messageId, "https://evil.example/", "x".repeat(40)),
      createClickToken(messageId, "javascript:alert(1)", SECRET),
      "nope",
    ];
    for (const token of bad) {
      const res = await api.request(`/t/c/${token}`);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    const count = await testDb.db.query("SELECT count(*)::int AS n FROM message_events");
    expect(count.rows[0]?.n).toBe(0);
  });

  it("serves the pixel for any token and records opens only for valid ones", async () => {
    const messageId = await insertSentMessage(testDb.db, { userId: "u2", email: "bo@example.com" });
    const out = applyTracking(HTML, { messageId, publicUrl: BASE, secret: SECRET });
    const pixel = out.match(/\/t\/o\/[\w-]+\.[\w-]+\.gif/)?.[0];
    expect(pixel).toBeDefined();
    for (let i = 0; i < 2; i++) {
      const res = await api.request(pixel!);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/gif");
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const forged = await api.request("/t/o/abc.def.gif");
    expect(forged.status).toBe(200);
    const events = await testDb.db.query("SELECT type FROM message_events");
    expect(events.rows).toEqual([{ type: "opened" }, { type: "opened" }]);
    const stored = await testDb.db.query("SELECT event, user_id FROM events");
    expect(stored.rows).toEqual([{ event: "email.opened", user_id: "u2" }]);
  });
});

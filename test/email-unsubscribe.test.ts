import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUnsubscribeRoutes } from "../src/api/unsubscribe-routes.js";
import { isUserSubscribed } from "../src/contacts/contact-store.js";
import { checkDeliverability } from "../src/email/suppression/check-deliverability.js";
import { buildPolicyAdditions, unsubscribeUrl } from "../src/email/unsubscribe/unsubscribe-links.js";
import { createUnsubscribeToken } from "../src/email/unsubscribe/unsubscribe-token.js";
import { systemClock } from "../src/lib/clock.js";
import { createPolicyApi } from "./helpers/email-policy-api.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const NEW_SECRET = "n".repeat(40);
const OLD_SECRET = "o".repeat(40);
const FOREIGN_SECRET = "f".repeat(40);

let testDb: TestDatabase;
let api: ReturnType<typeof createPolicyApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  api = createPolicyApi(testDb.db, [
    (context) => createUnsubscribeRoutes(context, { secrets: [NEW_SECRET, OLD_SECRET], clock: systemClock }),
  ]);
});
afterAll(async () => {
  await testDb?.drop();
});
beforeEach(async () => {
  await testDb.db.query("TRUNCATE contacts, email_preferences, suppressions, events, event_routing_queue");
  await testDb.db.query("INSERT INTO contacts (user_id, email) VALUES ('u1', 'ann@example.com')");
});

const token = (
  category: string | null,
  secret = NEW_SECRET,
  userId: string | null = "u1",
  email = "ann@example.com",
) => createUnsubscribeToken({ userId, email, category }, secret);
const oneClick = (path: string) =>
  api.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });
const form = (path: string, fields: Array<[string, string]>) =>
  api.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

async function state() {
  const contact = await testDb.db.query(
    "SELECT unsubscribed_at IS NOT NULL AS global FROM contacts WHERE user_id = 'u1'",
  );
  const prefs = await testDb.db.query<{ category: string }>(
    "SELECT category FROM email_preferences WHERE unsubscribed_at IS NOT NULL ORDER BY category",
  );
  return { global: contact.rows[0]?.global as boolean, categories: prefs.rows.map((r) => r.category) };
}

describe("GET /u/:token", () => {
  it("shows the preference center and never unsubscribes, however often it is fetched", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await api.request(`/u/${token("marketing")}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      expect(html).toContain("ann@example.com");
      expect(html).toContain('name="intent" value="unsubscribe"');
      expect(html).toContain('value="product"');
      expect(html).toContain('value="marketing"');
    }
    expect(await state()).toEqual({ global: false, categories: [] });
  });

  it("escapes what it renders", async () => {
    const evil = `x"><script>alert(1)</script>@example.com`;
    const res = await api.request(`/u/${token("<b>promo</b>", NEW_SECRET, "u1", evil)}`);
    const html = await res.text();
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<b>promo");
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("POST /u/:token", () => {
  it("one-click unsubscribes from the email's category with a 200 and no redirect", async () => {
    const res = await oneClick(`/u/${token("marketing")}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("You are unsubscribed");
    expect(await state()).toEqual({ global: false, categories: ["marketing"] });
    const check = (category: string) =>
      checkDeliverability(testDb.db, { email: "ann@example.com", userId: "u1", category });
    expect(await check("marketing")).toEqual({ ok: false, reason: "category_unsubscribed:marketing" });
    expect(await check("product")).toEqual({ ok: true });
    const events = await testDb.db.query("SELECT event, user_id, properties FROM events");
    expect(events.rows).toEqual([
      { event: "email.unsubscribed", user_id: "u1", properties: { scope: "marketing", via: "one_click" } },
    ]);
    // Repeating it is harmless.
    expect((await oneClick(`/u/${token("marketing")}`)).status).toBe(200);
  });

  it("one-click on a link without a category unsubscribes globally (multipart body too)", async () => {
    const body = new FormData();
    body.set("List-Unsubscribe", "One-Click");
    const res = await api.request(`/u/${token(null)}`, { method: "POST", body });
    expect(res.status).toBe(200);
    expect(await state()).toMatchObject({ global: true });
    expect(await isUserSubscribed(testDb.db, "u1")).toBe(false);
    expect(
      await checkDeliverability(testDb.db, {
        email: "ann@example.com",
        userId: "u1",
        category: "transactional",
      }),
    ).toEqual({ ok: true });
  });

  it("accepts links signed with a rotated-out secret that is still listed", async () => {
    expect((await oneClick(`/u/${token("product", OLD_SECRET)}`)).status).toBe(200);
    expect(await state()).toEqual({ global: false, categories: ["product"] });
  });

  it("refuses tampered and foreign tokens with a 400 page and changes nothing", async () => {
    const good = token("marketing");
    const [body, mac] = good.split(".") as [string, string];
    const otherUser = Buffer.from(JSON.stringify({ u: "u2", e: "ann@example.com", c: null })).toString(
      "base64url",
    );
    const bad = [
      `${otherUser}.${mac}`,
      `${body}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
      token(null, FOREIGN_SECRET),
      "garbage",
    ];
    for (const t of bad) {
      const get = await api.request(`/u/${t}`);
      expect(get.status).toBe(400);
      expect(await get.text()).toContain("not valid");
      const post = await oneClick(`/u/${t}`);
      expect(post.status).toBe(400);
    }
    expect(await state()).toEqual({ global: false, categories: [] });
  });

  it("saves preference-center choices, and can resubscribe", async () => {
    const path = `/u/${token("marketing")}`;
    const saved = await form(path, [
      ["intent", "preferences"],
      ["subscribed", "product"],
    ]);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Your preferences are saved.");
    expect(await state()).toEqual({ global: false, categories: ["marketing"] });

    await form(path, [
      ["intent", "preferences"],
      ["global", "unsubscribed"],
    ]);
    expect(await state()).toEqual({ global: true, categories: ["marketing", "product"] });

    await form(path, [
      ["intent", "preferences"],
      ["subscribed", "product"],
      ["subscribed", "marketing"],
    ]);
    expect(await state()).toEqual({ global: false, categories: [] });
    const events = await testDb.db.query<{ event: string }>("SELECT event FROM events ORDER BY id");
    expect(events.rows.map((row) => row.event)).toEqual([
      "email.preferences_updated",
      "email.preferences_updated",
      "email.preferences_updated",
    ]);
  });

  it("unsubscribes an address-only recipient, keyed by the address", async () => {
    const t = token("marketing", NEW_SECRET, null, "Solo@Example.com");
    expect((await oneClick(`/u/${t}`)).status).toBe(200);
    expect(
      await checkDeliverability(testDb.db, { email: "solo@example.com", category: "marketing" }),
    ).toEqual({
      ok: false,
      reason: "category_unsubscribed:marketing",
    });
  });
});

describe("unsubscribe headers and footer", () => {
  const options = {
    publicUrl: "https://hogsend.example.com",
    secrets: [NEW_SECRET],
    postalAddress: "Hogsend Ltd, 1 <Main> Street",
  };

  it("puts RFC 8058 headers and a visible link on non-transactional mail", async () => {
    const additions = buildPolicyAdditions(options, {
      email: "ann@example.com",
      userId: "u1",
      category: "marketing",
    });
    const url = unsubscribeUrl(options, { email: "ann@example.com", userId: "u1", category: "marketing" });
    expect(url).toMatch(/^https:\/\/hogsend\.example\.com\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(additions.headers).toEqual({
      "List-Unsubscribe": `<${url}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    expect(additions.footerHtml).toContain(`href="${url}"`);
    expect(additions.footerHtml).toContain("1 &lt;Main&gt; Street");
    expect(additions.footerText).toContain(url);
    expect(additions.footerText).toContain("Hogsend Ltd");
    // The link in the header works: it is this API's one-click URL.
    const path = new URL(url).pathname;
    expect((await oneClick(path)).status).toBe(200);
    expect(await state()).toEqual({ global: false, categories: ["marketing"] });
  });

  it("adds nothing to transactional mail", () => {
    expect(
      buildPolicyAdditions(options, { email: "ann@example.com", userId: "u1", category: "transactional" }),
    ).toEqual({ headers: {}, footerHtml: "", footerText: "" });
  });
});

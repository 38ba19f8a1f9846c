import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSuppressionRoutes } from "../src/api/suppression-routes.js";
import { isUserSubscribed } from "../src/contacts/contact-store.js";
import { emailForJourneys } from "../src/email/journey-email.js";
import { checkDeliverability } from "../src/email/suppression/check-deliverability.js";
import { addSuppression } from "../src/email/suppression/suppression-store.js";
import { createTemplateRegistry } from "../src/email/templates/template-registry.js";
import { createPolicyApi, POLICY_ADMIN_KEY } from "./helpers/email-policy-api.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let testDb: TestDatabase;
let api: ReturnType<typeof createPolicyApi>;
interface ListBody {
  data: Array<{ email: string }>;
}
const admin = { Authorization: `Bearer ${POLICY_ADMIN_KEY}`, "content-type": "application/json" };

beforeAll(async () => {
  testDb = await createTestDatabase();
  api = createPolicyApi(testDb.db, [], [createSuppressionRoutes]);
});
afterAll(async () => {
  await testDb?.drop();
});
beforeEach(async () => {
  await testDb.db.query("TRUNCATE suppressions, contacts, email_preferences");
});

describe("admin suppressions API", () => {
  it("requires an admin key", async () => {
    expect((await api.request("/v1/admin/suppressions")).status).toBe(401);
    const post = await api.request("/v1/admin/suppressions", {
      method: "POST",
      headers: { "content-type": "application/json", Authorization: "Bearer nope" },
      body: JSON.stringify({ email: "x@example.com" }),
    });
    expect(post.status).toBe(401);
    const rows = await testDb.db.query("SELECT count(*)::int AS n FROM suppressions");
    expect(rows.rows[0]?.n).toBe(0);
  });

  it("adds, lists, finds by any casing and removes", async () => {
    const add = await api.request("/v1/admin/suppressions", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ email: "Someone@Example.com", note: "asked by phone" }),
    });
    expect(add.status).toBe(201);
    expect(await add.json()).toMatchObject({
      data: {
        email: "someone@example.com",
        reason: "manual",
        source: "admin",
        note: "asked by phone",
      },
    });
    const again = await api.request("/v1/admin/suppressions", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ email: "someone@example.com", reason: "complaint" }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ data: { reason: "manual" } });

    await addSuppression(testDb.db, { email: "b@example.com", reason: "hard_bounce", source: "resend" });
    const list = (await (await api.request("/v1/admin/suppressions", { headers: admin })).json()) as ListBody;
    expect(list.data.map((s) => s.email).sort()).toEqual(["b@example.com", "someone@example.com"]);
    const byReason = (await (
      await api.request("/v1/admin/suppressions?reason=hard_bounce", { headers: admin })
    ).json()) as ListBody;
    expect(byReason.data).toHaveLength(1);
    const one = (await (
      await api.request("/v1/admin/suppressions?email=SOMEONE%40example.com", { headers: admin })
    ).json()) as ListBody;
    expect(one.data).toHaveLength(1);

    const del = await api.request("/v1/admin/suppressions/SomeOne%40example.com", {
      method: "DELETE",
      headers: admin,
    });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ data: { removed: true, email: "someone@example.com" } });
    const missing = await api.request("/v1/admin/suppressions/someone%40example.com", {
      method: "DELETE",
      headers: admin,
    });
    expect(missing.status).toBe(404);
    expect(await checkDeliverability(testDb.db, { email: "someone@example.com", category: null })).toEqual({
      ok: true,
    });
  });

  it("rejects an invalid address with the field named", async () => {
    const res = await api.request("/v1/admin/suppressions", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ email: "not-an-address" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "VALIDATION_FAILED", details: [{ path: "email" }] },
    });
  });
});

describe("checkDeliverability", () => {
  const check = (email: string, userId: string | null, category: string | null) =>
    checkDeliverability(testDb.db, { email, userId, category });

  it("refuses suppressed addresses in every category, transactional included", async () => {
    await addSuppression(testDb.db, { email: "gone@example.com", reason: "hard_bounce", source: "resend" });
    for (const category of ["marketing", "product", "transactional", null]) {
      expect(await check("GONE@example.com", "u1", category)).toEqual({
        ok: false,
        reason: "suppressed:hard_bounce",
      });
    }
  });

  it("refuses globally unsubscribed users except for transactional mail", async () => {
    await testDb.db.query(
      "INSERT INTO contacts (user_id, email, unsubscribed_at) VALUES ('u2', 'u2@example.com', now())",
    );
    expect(await check("u2@example.com", "u2", "marketing")).toEqual({ ok: false, reason: "unsubscribed" });
    expect(await check("u2@example.com", null, "product")).toEqual({ ok: false, reason: "unsubscribed" });
    expect(await check("u2@example.com", "u2", "transactional")).toEqual({ ok: true });
  });

  it("refuses a category the user left and allows the others", async () => {
    await testDb.db.query("INSERT INTO contacts (user_id, email) VALUES ('u3', 'u3@example.com')");
    await testDb.db.query(
      "INSERT INTO email_preferences (user_id, category, unsubscribed_at) VALUES ('u3', 'marketing', now())",
    );
    expect(await check("u3@example.com", "u3", "marketing")).toEqual({
      ok: false,
      reason: "category_unsubscribed:marketing",
    });
    expect(await check("u3@example.com", "u3", "product")).toEqual({ ok: true });
  });

  it("makes ctx.guard.isSubscribed() false for a suppressed address", async () => {
    // What the composition root hands the engine as ctx.guard.isSubscribed once email is wired.
    const isSubscribed = emailForJourneys(createTemplateRegistry([])).readers.isSubscribed!;
    await testDb.db.query("INSERT INTO contacts (user_id, email) VALUES ('u4', 'U4@example.com')");
    expect(await isSubscribed(testDb.db, "u4")).toBe(true);
    await addSuppression(testDb.db, { email: "u4@example.com", reason: "complaint", source: "postmark" });
    expect(await isSubscribed(testDb.db, "u4")).toBe(false);
    // The contact itself is still subscribed: suppression is the email module's, not the contact's.
    expect(await isUserSubscribed(testDb.db, "u4")).toBe(true);
    expect(await isSubscribed(testDb.db, "unknown-user")).toBe(true);
  });
});

import { z } from "zod";
import { defineTemplate } from "../email/templates/email-template.js";

/** The built-in template of alert emails (HOGSEND_ALERTS_EMAIL): transactional, so a pause never holds it. */
export const alertEmailTemplate = defineTemplate({
  key: "hogsend/alert",
  category: "transactional",
  description: "Hogsend's own alert notifications to the operators in HOGSEND_ALERTS_EMAIL.",
  props: z.object({
    title: z.string(),
    summary: z.string(),
    rule: z.string(),
    kind: z.string(),
    severity: z.string().nullable(),
    at: z.string(),
  }),
  subject: (p) => p.title,
  previewProps: {
    title: "[Hogsend] CRITICAL: complaint_rate",
    summary: "Complaint rate 0.4 % (4 of 1000 in the last 60 min), at or above 0.3 %",
    rule: "complaint_rate",
    kind: "opened",
    severity: "critical",
    at: "2026-01-01T00:00:00.000Z",
  },
  component: (p) => (
    <html lang="en">
      <body style={{ fontFamily: "sans-serif" }}>
        <h1 style={{ fontSize: "18px" }}>{p.title}</h1>
        <p>{p.summary}</p>
        <p style={{ color: "#666", fontSize: "12px" }}>
          Rule {p.rule} · {p.kind} · {p.at}
        </p>
      </body>
    </html>
  ),
});

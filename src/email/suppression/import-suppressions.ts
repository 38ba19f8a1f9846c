import { parse } from "csv-parse/sync";
import type { AuditContext } from "../../audit/audit-entry.js";
import { recordAudit } from "../../audit/audit-store.js";
import type { Database } from "../../db/database.js";
import { ErrorCodes, HogsendError } from "../../errors.js";
import { isStorableText } from "../../lib/input-guard/index.js";
import { addSuppressions, SUPPRESSION_REASONS, type SuppressionReason } from "./suppression-store.js";

export interface SuppressionImportResult {
  /** Rows read (the header excluded). */
  rows: number;
  /** Addresses newly suppressed. */
  added: number;
  /** Addresses already suppressed (their first reason is kept). */
  alreadySuppressed: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_SUPPRESSION_IMPORT_ROWS = 100_000;

/**
 * Imports a CSV of `email[,reason]` (an optional header row naming `email`; reason one of the suppression reasons,
 * `manual` by default). All or nothing: one bad row refuses the whole file (VALIDATION_FAILED naming each bad row,
 * up to 20) and nothing is written; otherwise every row goes in one transaction with one audit entry.
 */
export async function importSuppressions(
  db: Database,
  csv: string,
  audit: AuditContext,
): Promise<SuppressionImportResult> {
  let records: string[][];
  try {
    records = parse(csv, { skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new HogsendError(
      ErrorCodes.VALIDATION_FAILED,
      `The CSV could not be parsed: ${(error as Error).message}`,
    );
  }
  if (records[0]?.[0]?.toLowerCase() === "email") records = records.slice(1);
  if (records.length > MAX_SUPPRESSION_IMPORT_ROWS) {
    throw new HogsendError(
      ErrorCodes.VALIDATION_FAILED,
      `At most ${MAX_SUPPRESSION_IMPORT_ROWS} rows per import (got ${records.length})`,
    );
  }
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const rows = new Map<string, SuppressionReason>();
  records.forEach((record, index) => {
    const email = (record[0] ?? "").toLowerCase();
    const reason = (record[1] || "manual") as SuppressionReason;
    if (!EMAIL.test(email) || email.length > 320 || !isStorableText(email)) {
      problems.push({ path: ["rows", index + 1, "email"], message: "must be an email address" });
    } else if (!SUPPRESSION_REASONS.includes(reason)) {
      problems.push({
        path: ["rows", index + 1, "reason"],
        message: `must be one of ${SUPPRESSION_REASONS.join(", ")}`,
      });
    } else if (!rows.has(email)) {
      rows.set(email, reason);
    }
  });
  if (problems.length > 0) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `${problems.length} row(s) of the CSV are invalid`, {
      details: problems.slice(0, 20),
    });
  }
  return db.transaction(async (tx) => {
    const added = await addSuppressions(tx, rows, "admin_import");
    const summary = { rows: records.length, added, alreadySuppressed: rows.size - added };
    await recordAudit(tx, audit, {
      action: "suppression.imported",
      targetType: "suppression",
      targetId: null,
      after: summary,
    });
    return summary;
  });
}

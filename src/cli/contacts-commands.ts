import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import cliProgress from "cli-progress";
import { assertSchemaCurrent, createApp } from "../app.js";
import { CLI_AUDIT_CONTEXT } from "../audit/audit-entry.js";
import type { Config } from "../config.js";
import { IMPORT_FORMATS, type ImportFormat, parseContactRows } from "../contacts/contact-row-parsers.js";
import { exportContacts } from "../contacts/export-contacts.js";
import { importContacts } from "../contacts/import-contacts.js";
import { ErrorCodes, HogsendError } from "../errors.js";

/**
 * `hogsend contacts import FILE [--format csv|ndjson]`: streams the file straight into the database (no API
 * round trip) in batches, with a progress bar over the bytes read. Bad rows are listed by line at the end and
 * do not stop the good ones.
 */
export async function importContactsCommand(
  config: Config,
  file: string,
  options: { format?: string | undefined },
): Promise<void> {
  const format = chooseFormat(file, options.format);
  const size = (await stat(file)).size;
  const app = await createApp(config);
  try {
    await assertSchemaCurrent(app);
    const input = createReadStream(file);
    const bar = new cliProgress.SingleBar(
      {
        format: "importing [{bar}] {percentage}% | {rows} rows, {failed} bad | {duration_formatted}",
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(size, 1), 0, { rows: 0, failed: 0 });
    const summary = await importContacts(app.db, parseContactRows(input, format), {
      onProgress: (s) => bar.update(input.bytesRead, { rows: s.rows, failed: s.failed }),
      audit: CLI_AUDIT_CONTEXT,
    }).finally(() => bar.stop());
    for (const error of summary.errors.slice(0, 50)) {
      process.stderr.write(`line ${error.line}: ${error.reason}\n`);
    }
    if (summary.failed > 50) process.stderr.write(`... and ${summary.failed - 50} more bad rows\n`);
    process.stdout.write(
      `Imported ${summary.imported} contact row(s) from ${summary.rows} row(s); ${summary.failed} bad row(s) skipped.\n`,
    );
  } finally {
    await app.close();
  }
}

/** `hogsend contacts export [--format csv|ndjson] [--out FILE]`: streams every contact to a file or stdout. */
export async function exportContactsCommand(
  config: Config,
  options: { format?: string | undefined; out?: string | undefined },
): Promise<void> {
  const format = chooseFormat(options.out ?? "", options.format ?? (options.out ? undefined : "ndjson"));
  const app = await createApp(config);
  try {
    await assertSchemaCurrent(app);
    // On stderr like every log line: stdout is the export itself.
    app.logger.debug({ format, to: options.out ?? "stdout" }, "exporting contacts");
    const output = options.out ? createWriteStream(options.out) : process.stdout;
    await pipeline(Readable.from(exportContacts(app.db, format)), output, { end: output !== process.stdout });
  } finally {
    await app.close();
  }
}

function chooseFormat(file: string, explicit: string | undefined): ImportFormat {
  if (explicit !== undefined) {
    if ((IMPORT_FORMATS as readonly string[]).includes(explicit)) return explicit as ImportFormat;
    throw new HogsendError(
      ErrorCodes.VALIDATION_FAILED,
      `--format must be one of ${IMPORT_FORMATS.join(", ")}`,
    );
  }
  if (/\.csv$/i.test(file)) return "csv";
  if (/\.(ndjson|jsonl)$/i.test(file)) return "ndjson";
  throw new HogsendError(
    ErrorCodes.VALIDATION_FAILED,
    "Cannot tell the format from the file name; pass --format csv or --format ndjson",
  );
}

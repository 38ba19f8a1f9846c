import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

// Debian's chromium, installed by `npm test`'s pretest hook (scripts/ensure-test-tools.mjs). Without it browser tests
// are skipped on a developer's machine; under CI=true each asserts it is there, so a missing browser fails.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** That chromium, headless, with the flags every browser test here uses; never a browser download. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

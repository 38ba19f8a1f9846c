// One worker process for `npm run bench:journeys` (DATABASE_URL and HOGSEND_* from the environment).
import { fileURLToPath } from "node:url";
import { createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";

const app = await createApp(loadConfig(process.env));
const worker = await startWorker(app, {
  journeysModule: fileURLToPath(new URL("./journeys-fixture.ts", import.meta.url)),
});
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void (async () => {
    await worker.stop(5_000);
    await app.close();
    process.exit(0);
  })();
});

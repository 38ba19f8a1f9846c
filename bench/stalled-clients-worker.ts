/**
 * The api of `bench/stalled-clients.ts`, forked so its memory is measured apart from the clients': the same
 * createApp + startApiServer as `hogsend api`, answering `memory` messages with process.memoryUsage() (after a
 * full GC when asked, so retained memory is told apart from garbage not yet collected).
 */
import { assertSchemaCurrent, createApp, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";

const app = await createApp(loadConfig(process.env));
await assertSchemaCurrent(app);
const server = await startApiServer(app);
const gc = (globalThis as { gc?: () => void }).gc;

process.on("message", async (message: { type: string; gc?: boolean }) => {
  if (message.type === "memory") {
    if (message.gc && gc) {
      // Twice: the first pass can leave weakly held and finalizable objects for the second.
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    const usage = process.memoryUsage();
    process.send?.({
      type: "memory",
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      arrayBuffers: usage.arrayBuffers,
    });
  } else if (message.type === "stop") {
    await server.close();
    await app.close();
    process.exit(0);
  }
});
process.send?.({ type: "ready", port: server.port });

import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { buildApi, createApp } from "../src/app.js";
import { ENV_VARIABLES, loadConfig } from "../src/config.js";

/**
 * deploy/: the compose file and the Kubernetes manifests, checked against the code they run: images, commands
 * (the CLI's run modes), probe paths (served by the api, with the status a probe expects) and every env name
 * (one the config schema knows). The Dockerfile test replays the compose services themselves.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const read = (file: string) => readFile(path.join(ROOT, file), "utf8");
const RUN_MODES = ["api", "worker", "migrate"];

interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  env?: Array<{ name: string }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}
// biome-ignore lint/suspicious/noExplicitAny: manifests are read as plain YAML documents.
type Manifest = any;

async function manifests(): Promise<Manifest[]> {
  const kustomization = parseYaml(await read("deploy/kubernetes/kustomization.yaml")) as {
    resources: string[];
  };
  const all: Manifest[] = [];
  for (const file of kustomization.resources) {
    for (const doc of parseAllDocuments(await read(`deploy/kubernetes/${file}`))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      all.push(doc.toJS());
    }
  }
  return all;
}

const podSpec = (m: Manifest) =>
  m.spec.template.spec as { containers: Container[]; terminationGracePeriodSeconds?: number };
const byKindName = (all: Manifest[], kind: string, name: string) =>
  all.find((m) => m.kind === kind && m.metadata.name === name);

describe("deploy/kubernetes", () => {
  it("runs the one image in the three run modes, each container taking the whole env contract", async () => {
    const all = await manifests();
    const dockerfile = await read("Dockerfile");
    expect(dockerfile).toMatch(/^ENTRYPOINT \["hogsend"\]$/m);
    const workloads = all.filter((m) => ["Deployment", "Job"].includes(m.kind));
    expect(workloads.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      "Deployment/hogsend-api",
      "Deployment/hogsend-worker",
      "Job/hogsend-migrate",
    ]);
    const modes: string[] = [];
    for (const workload of workloads) {
      for (const container of podSpec(workload).containers) {
        expect(container.image).toBe("hogsend");
        // args replace the image's CMD and keep ENTRYPOINT: `hogsend <mode>`; no command override.
        expect(container.command).toBeUndefined();
        expect(container.args).toHaveLength(1);
        expect(RUN_MODES).toContain(container.args?.[0]);
        modes.push(container.args?.[0] ?? "");
        expect(container.envFrom).toEqual([
          { configMapRef: { name: "hogsend-config" } },
          { secretRef: { name: "hogsend-secrets" } },
        ]);
      }
    }
    expect(modes.sort()).toEqual(["api", "migrate", "worker"]);
    const kustomization = parseYaml(await read("deploy/kubernetes/kustomization.yaml"));
    expect(kustomization.images.map((i: { name: string }) => i.name)).toEqual(["hogsend"]);
  });

  it("names only variables the config schema knows, and the set loads as a production config", async () => {
    const all = await manifests();
    const config = byKindName(all, "ConfigMap", "hogsend-config").data as Record<string, string>;
    const secret = byKindName(all, "Secret", "hogsend-secrets").stringData as Record<string, string>;
    const names = [...Object.keys(config), ...Object.keys(secret)];
    expect(names.filter((name) => !ENV_VARIABLES.includes(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    // The contract as deployed is one the process accepts (placeholders included): no missing required value.
    expect(() => loadConfig({ ...config, ...secret })).not.toThrow();
    expect(loadConfig({ ...config, ...secret })).toMatchObject({ env: "production", metricsPort: 9464 });
  });

  it("probes real paths with the answers a probe needs, and gives the worker time to drain", async () => {
    const all = await manifests();
    const apiContainer = podSpec(byKindName(all, "Deployment", "hogsend-api")).containers[0] as Container;
    const ports = new Map(apiContainer.ports?.map((p) => [p.name, p.containerPort]));
    expect(ports.get("http")).toBe(3002);
    const paths = [apiContainer.livenessProbe, apiContainer.readinessProbe, apiContainer.startupProbe].map(
      (probe) => probe?.httpGet?.path,
    );
    expect(paths).toEqual(["/v1/health/live", "/v1/health/ready", "/v1/health/live"]);
    for (const probe of [apiContainer.livenessProbe, apiContainer.readinessProbe]) {
      expect(ports.has(String(probe?.httpGet?.port))).toBe(true);
    }
    // The paths are served by the api (no database needed to tell: live answers without one; ready says 503).
    const app = await createApp(loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent" }), {
      databaseUrl: "postgres://nobody@127.0.0.1:1/none",
    });
    try {
      const api = buildApi(app);
      expect((await api.request("/v1/health/live")).status).toBe(200);
      expect((await api.request("/v1/health/ready")).status).toBe(503);
    } finally {
      await app.close();
    }
    const service = byKindName(all, "Service", "hogsend-api");
    expect(service.spec.selector).toEqual(
      byKindName(all, "Deployment", "hogsend-api").spec.selector.matchLabels,
    );
    expect(service.spec.ports[0].targetPort).toBe("http");

    const worker = byKindName(all, "Deployment", "hogsend-worker");
    const workerContainer = podSpec(worker).containers[0] as Container;
    const config = byKindName(all, "ConfigMap", "hogsend-config").data as Record<string, string>;
    const secret = byKindName(all, "Secret", "hogsend-secrets").stringData as Record<string, string>;
    const drainSeconds = loadConfig({ ...config, ...secret }).worker.shutdownGraceMs / 1000;
    const preStop = workerContainer.lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe("sleep");
    const preStopSeconds = Number(preStop[1]);
    expect(podSpec(worker).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      preStopSeconds + drainSeconds + 5,
    );
    // The worker has no traffic port: its liveness is the metrics port, which the ConfigMap must set.
    expect(workerContainer.livenessProbe?.tcpSocket?.port).toBe("metrics");
    expect(workerContainer.startupProbe?.tcpSocket?.port).toBe("metrics");
    expect(workerContainer.ports?.find((p) => p.name === "metrics")?.containerPort).toBe(
      Number(config.HOGSEND_METRICS_PORT),
    );
  });
});

describe("deploy/docker-compose.yml", () => {
  it("orders postgres → migrate (one-shot) → api and worker, on real commands and known env names", async () => {
    const compose = parseYaml(await read("deploy/docker-compose.yml"), { merge: true });
    const { migrate, api, worker } = compose.services;
    expect(migrate.depends_on.postgres.condition).toBe("service_healthy");
    expect(migrate.restart).toBe("no");
    for (const service of [api, worker]) {
      expect(service.depends_on.migrate.condition).toBe("service_completed_successfully");
    }
    for (const [mode, service] of Object.entries({ migrate, api, worker })) {
      expect(service.command).toEqual([mode]);
      expect(service.image).toBe("hogsend:local");
      expect(Object.keys(service.environment).filter((name) => !ENV_VARIABLES.includes(name))).toEqual([]);
    }
    // Paths are relative to deploy/: the image builds from the repository root, the examples are mounted from it.
    for (const volume of worker.volumes) {
      const source = String(volume).split(":")[0] ?? "";
      if (source.startsWith("."))
        await expect(
          readFile(path.join(ROOT, "deploy", source, "hogsend.config.ts"), "utf8"),
        ).resolves.toContain("defineConfig");
    }
    // The worker's stop_grace_period covers its drain.
    const grace = Number(String(worker.stop_grace_period).replace(/s$/, ""));
    expect(grace).toBeGreaterThan(25);
  });

  it("is the only compose file: no second copy at the repository root", async () => {
    await expect(read("docker-compose.yml")).rejects.toThrow(/ENOENT/);
  });
});

// The run's own Prometheus (stopped and started again by the schedule, so never the shared one),
// and the one gauge every analysis queries, always passing. Restarted on the same port and data
// directory: the AnalysisTemplates keep their address, and the series survives in the TSDB.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Gauge, Registry } from "prom-client";
import { freePorts } from "../cluster/ports.ts";
import { Prometheus } from "../cluster/prometheus.ts";
import { queryPrometheus } from "../helpers/prometheus.ts";
import { pending, waitFor } from "../helpers/wait.ts";

export const GAUGE = "chaos_success_ratio";
export const GAUGE_VALUE = 0.99;

export class ChaosPrometheus {
  private prometheus: Prometheus | undefined;
  private exporter: Server | undefined;
  query = "";

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(workDir: string): Promise<ChaosPrometheus> {
    const [port] = await freePorts(1);
    const own = new ChaosPrometheus(join(workDir, "chaos-prometheus"), port ?? 0);
    await own.startPrometheus();
    await own.startExporter();
    return own;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stopPrometheus(): Promise<void> {
    await this.prometheus?.stop();
    this.prometheus = undefined;
  }

  /** Starts Prometheus and waits until the gauge can be queried again (the end of an outage). */
  async startPrometheus(): Promise<void> {
    this.prometheus = await Prometheus.start({ dir: this.dir, port: this.port });
    if (this.query) await this.gaugeReadable();
  }

  async stop(): Promise<void> {
    await this.stopPrometheus();
    const exporter = this.exporter;
    if (exporter) await new Promise<void>((r) => exporter.close(() => r()));
  }

  private async startExporter(): Promise<void> {
    const registry = new Registry();
    new Gauge({ name: GAUGE, help: "always passing (chaos)", registers: [registry] }).set(GAUGE_VALUE);
    const server = createServer(async (_req, res) => {
      res.setHeader("Content-Type", registry.contentType);
      res.end(await registry.metrics());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    this.exporter = server;
    const instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    await this.prometheus?.addTarget("gauge", instance);
    this.query = `${GAUGE}{instance="${instance}"}`;
    await this.gaugeReadable();
  }

  private gaugeReadable(): Promise<true> {
    return waitFor(
      `Prometheus to serve ${this.query}`,
      async () => {
        const samples = await queryPrometheus(this.query, this.url);
        return samples[0]?.value === GAUGE_VALUE ? true : pending(JSON.stringify(samples));
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }
}

// A real Prometheus (Debian's package) on loopback, scraping every second. Tests add scrape targets
// by dropping file_sd files into targetsDir; Prometheus notices them within a second or two.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { stringify } from "yaml";
import { waitForHealthy } from "./health.ts";
import { freePorts } from "./ports.ts";
import { ManagedProcess } from "./process.ts";

export interface PrometheusOptions {
  dir: string;
  binary?: string;
  port?: number;
  /** Extra command-line flags. */
  extraArgs?: string[];
  /** Require HTTP basic auth with this user (tests that pass a password through a Secret). */
  basicAuth?: { username: string; password: string };
}

export class Prometheus {
  private constructor(
    readonly url: string,
    readonly targetsDir: string,
    readonly process: ManagedProcess,
  ) {}

  static async start(options: PrometheusOptions): Promise<Prometheus> {
    const dir = options.dir;
    const targetsDir = join(dir, "targets");
    await mkdir(targetsDir, { recursive: true });
    const port = options.port ?? (await freePorts(1))[0];
    const configFile = join(dir, "prometheus.yml");
    await writeFile(
      configFile,
      stringify({
        global: { scrape_interval: "1s", scrape_timeout: "900ms", evaluation_interval: "1s" },
        scrape_configs: [
          {
            job_name: "sluice-test",
            file_sd_configs: [{ files: [join(targetsDir, "*.json")], refresh_interval: "1s" }],
          },
        ],
      }),
    );
    const extra = [...(options.extraArgs ?? [])];
    let health = {};
    if (options.basicAuth) {
      const { username, password } = options.basicAuth;
      const webConfig = join(dir, "web.yml");
      await writeFile(
        webConfig,
        stringify({ basic_auth_users: { [username]: bcrypt.hashSync(password, 8) } }),
      );
      extra.push(`--web.config.file=${webConfig}`);
      health = {
        headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` },
      };
    }
    const proc = ManagedProcess.start({
      name: "prometheus",
      command: options.binary ?? "prometheus",
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        "--storage.tsdb.retention.time=2h",
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.enable-lifecycle",
        ...extra,
      ],
      logFile: join(dir, "prometheus.log"),
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHealthy(proc, `${url}/-/ready`, health);
    return new Prometheus(url, targetsDir, proc);
  }

  async addTarget(name: string, hostPort: string, labels: Record<string, string> = {}): Promise<void> {
    await writeScrapeTarget(this.targetsDir, name, hostPort, labels);
  }

  async removeTarget(name: string): Promise<void> {
    await removeScrapeTarget(this.targetsDir, name);
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

/** Adds (or replaces) a scrape target such as "127.0.0.1:9464"; `name` names its file. */
export async function writeScrapeTarget(
  targetsDir: string,
  name: string,
  hostPort: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const file = join(targetsDir, `${name}.json`);
  // Write then rename, so Prometheus never reads a half-written file.
  await writeFile(`${file}.tmp`, JSON.stringify([{ targets: [hostPort], labels }]));
  await rename(`${file}.tmp`, file);
}

export async function removeScrapeTarget(targetsDir: string, name: string): Promise<void> {
  await rm(join(targetsDir, `${name}.json`), { force: true });
}

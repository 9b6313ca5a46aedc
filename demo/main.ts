// npm run demo: the whole product on a laptop. A cluster (the running one of `npm run dev`, or its
// own), a Git repository with a sample app, sluice, and a story in three commits told as it
// happens. Ctrl-C stops everything it started; a second Ctrl-C stops at once (the next run cleans
// up what that left).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { killProcessGroup } from "../test/cluster/process.ts";
import { type ClusterChoice, chooseCluster } from "./cluster.ts";
import { REPO_ROOT } from "./controller.ts";
import { APP, ERROR_RATIO_METRIC, PACES } from "./manifests.ts";
import { Narrator } from "./narrate.ts";
import { type DemoOptions, DemoOptionsError, parseDemoOptions, USAGE } from "./options.ts";
import { pokeText } from "./poke.ts";
import { openSession, type Session } from "./session.ts";
import { writeCliShim } from "./shim.ts";
import { APPLICATION, Story } from "./story.ts";
import { claimWorkDir, type WorkDir } from "./workdir.ts";

const DEMO_DIR = join(REPO_ROOT, ".sluice", "demo");
const out = (line: string) => process.stdout.write(`${line}\n`);

/** Resolves on the first Ctrl-C (or SIGTERM); a second one exits at once. */
function interruption(onForce: () => void): { interrupted: Promise<void>; isInterrupted: () => boolean } {
  let fired = false;
  let resolve: () => void = () => undefined;
  const interrupted = new Promise<void>((r) => {
    resolve = r;
  });
  const handler = () => {
    if (fired) {
      out("\nsecond interrupt: stopping now (the next run cleans up what is left)");
      onForce();
      process.exit(130);
    }
    fired = true;
    out("\ninterrupted: stopping everything the demo started ...");
    resolve();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return { interrupted, isInterrupted: () => fired };
}

/** `kubectl sluice app get` through the shim: what a person would type, printed as it prints. */
function appGet(binDir: string, session: Session): Promise<string> {
  const args = [
    "app",
    "get",
    APPLICATION,
    "-n",
    session.namespace,
    "--kubeconfig",
    session.cluster.kubeconfig,
  ];
  return new Promise((resolve) => {
    execFile(
      join(binDir, "kubectl-sluice"),
      args,
      { timeout: 30_000, encoding: "utf8" },
      (error, stdout, stderr) => resolve(stdout || stderr || (error ? error.message : "")),
    );
  });
}

function poke(session: Session, binDir: string): string {
  return pokeText({
    kubeconfig: session.cluster.kubeconfig,
    namespace: session.namespace,
    application: APPLICATION,
    rollout: APP,
    binDir,
    repoDir: session.repo.dir,
    prometheusUrl: session.cluster.prometheusUrl,
    sluiceMetricsUrl: session.controller.metricsUrl,
    exporterUrl: session.exporter.url,
    query: `${ERROR_RATIO_METRIC}{namespace="${session.namespace}"}`,
  });
}

interface Started {
  work?: WorkDir;
  cluster?: ClusterChoice;
  session?: Session;
}

async function stopAll(started: Started): Promise<void> {
  await started.session?.stop();
  await started.cluster?.stop();
  await started.work?.release();
}

async function tell(options: DemoOptions, started: Started, signals: ReturnType<typeof interruption>) {
  const narrator = new Narrator(out);
  const say = (text: string) => narrator.say(text);
  started.work = await claimWorkDir(DEMO_DIR, say);
  started.cluster = await chooseCluster({
    explicitDir: options.clusterDir,
    ownDir: join(DEMO_DIR, "cluster"),
    say,
  });
  say(`using ${started.cluster.origin}`);
  if (signals.isInterrupted()) return;
  const session = await openSession({
    cluster: started.cluster.cluster,
    namespace: options.namespace,
    workDir: DEMO_DIR,
    createNamespace: true,
    repoPoll: options.fast ? "10s" : "30s",
    say,
  });
  started.session = session;
  await started.work.recordSluice(session.controller.process.pid);
  const binDir = await writeCliShim(join(DEMO_DIR, "bin"));
  out("");
  out(poke(session, binDir));
  if (signals.isInterrupted()) return;
  const pace = options.fast ? PACES.fast : PACES.normal;
  const story = new Story(session, { pace, narrator, chapterTimeoutMs: options.fast ? 90_000 : 240_000 });
  const telling = story.run();
  // After a Ctrl-C the story's polls fail as things stop; that is not news.
  telling.catch(() => undefined);
  const told = await Promise.race([telling, signals.interrupted.then(() => undefined)]);
  if (!told) return;
  narrator.chapter(
    `What the Application shows now (kubectl sluice app get ${APPLICATION} -n ${session.namespace})`,
  );
  out(await appGet(binDir, session));
  out(poke(session, binDir));
  if (options.exitWhenDone) return;
  out("\nsluice, the exporter and the cluster keep running so you can look around. Ctrl-C stops them all.");
  await signals.interrupted;
}

async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof DemoOptionsError)) throw error;
    console.error(`demo: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    out(USAGE);
    return 0;
  }
  const started: Started = {};
  const signals = interruption(() => {
    const pid = started.session?.controller.process.pid;
    if (pid) killProcessGroup(pid);
  });
  out(
    `sluice demo${options.fast ? " (fast)" : ""}: Git → Application → Rollout canary with Prometheus analysis`,
  );
  let code = 0;
  try {
    await tell(options, started, signals);
  } catch (error) {
    if (!signals.isInterrupted()) {
      console.error(`\ndemo failed: ${(error as Error).message}`);
      if (started.session) console.error(`sluice's log: ${started.session.controller.logFile}`);
      code = 1;
    }
  }
  const ownCluster = started.cluster?.owned === true;
  const running = started.session !== undefined;
  await stopAll(started);
  const what = ["sluice", "the sample exporter", ...(ownCluster ? ["the demo's cluster"] : [])].join(", ");
  const left =
    started.cluster && !ownCluster
      ? ` The cluster keeps running; namespace ${options.namespace} stays until the next run.`
      : "";
  if (running || ownCluster) out(`stopped ${what}.${left}`);
  return signals.isInterrupted() ? 130 : code;
}

process.exit(await main());

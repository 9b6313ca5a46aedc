// What /proc says about one process: resident memory (now and peak) and CPU seconds, its own and
// its waited-for children's (the git subprocesses of the controller).
import { readFileSync } from "node:fs";

export interface ProcStats {
  rssMiB: number;
  peakRssMiB: number;
  cpuSeconds: number;
  childCpuSeconds: number;
}

export function procStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are 12th–15th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  return {
    rssMiB: kib("VmRSS") / 1024,
    peakRssMiB: kib("VmHWM") / 1024,
    cpuSeconds: ((f[11] ?? 0) + (f[12] ?? 0)) / 100,
    childCpuSeconds: ((f[13] ?? 0) + (f[14] ?? 0)) / 100,
  };
}

/** Samples a process's RSS every 100 ms; `peak()` is the highest seen. */
export function rssSampler(pid: number) {
  let peak = procStats(pid).rssMiB;
  const timer = setInterval(() => {
    peak = Math.max(peak, procStats(pid).rssMiB);
  }, 100);
  return {
    peak: () => peak,
    stop: () => clearInterval(timer),
  };
}

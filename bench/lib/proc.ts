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

/**
 * Resident memory by kind of mapping, from /proc/<pid>/smaps: `brk` is glibc's main arena,
 * `anonymous` every unnamed private mapping (V8's heap pages and glibc's mmap'd arenas and large
 * blocks alike), `files` the binary and shared libraries, `other` stacks and the rest. Splits what
 * process.memoryUsage() cannot: memory that is neither V8 heap nor external buffers.
 */
export interface RssByMapping {
  brkMiB: number;
  anonymousMiB: number;
  filesMiB: number;
  otherMiB: number;
  /** Unnamed mappings of 64 MiB or more: glibc arenas are reserved 64 MiB at a time. */
  arenaSizedMiB: number;
}

export function rssByMapping(pid: number | "self" = "self"): RssByMapping {
  const totals = { brkMiB: 0, anonymousMiB: 0, filesMiB: 0, otherMiB: 0, arenaSizedMiB: 0 };
  let name = "";
  let sizeKiB = 0;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      name = header[1] ?? "";
      continue;
    }
    if (line.startsWith("Size:")) sizeKiB = Number(line.split(/\s+/)[1]);
    if (!line.startsWith("Rss:")) continue;
    const mib = Number(line.split(/\s+/)[1]) / 1024;
    if (name === "[heap]") totals.brkMiB += mib;
    else if (name === "") {
      totals.anonymousMiB += mib;
      if (sizeKiB >= 65536) totals.arenaSizedMiB += mib;
    } else if (name.startsWith("/")) totals.filesMiB += mib;
    else totals.otherMiB += mib;
  }
  const round = (n: number) => Math.round(n);
  return {
    brkMiB: round(totals.brkMiB),
    anonymousMiB: round(totals.anonymousMiB),
    filesMiB: round(totals.filesMiB),
    otherMiB: round(totals.otherMiB),
    arenaSizedMiB: round(totals.arenaSizedMiB),
  };
}

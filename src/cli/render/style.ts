// How text looks: symbols and colour on a terminal, plain words when piped (so scripts and logs get
// stable text). Icons and colours follow the peer's plugin, so its users read the output at once.

export interface Style {
  /** Status and kind icons (✔ ॥ ◌ ✖ ⟳ ⧉ □ α). */
  symbols: boolean;
  /** ANSI colour (only with symbols, never with NO_COLOR or --no-color). */
  color: boolean;
}

export const PLAIN: Style = { symbols: false, color: false };
export const SYMBOLS: Style = { symbols: true, color: false };
export const FANCY: Style = { symbols: true, color: true };

export const KIND_ICON = {
  Rollout: "⟳",
  Revision: "#",
  ReplicaSet: "⧉",
  Pod: "□",
  AnalysisRun: "α",
} as const;

export type Tone = "ok" | "progressing" | "bad" | "paused" | "warning" | "waiting" | "neutral" | "unknown";

const ICON: Record<Tone, string> = {
  ok: "✔",
  progressing: "◌",
  bad: "✖",
  paused: "॥",
  warning: "⚠",
  waiting: "◷",
  neutral: "•",
  unknown: "?",
};

const ANSI: Record<Tone, number | undefined> = {
  ok: 32,
  progressing: 94,
  bad: 31,
  warning: 31,
  paused: undefined,
  waiting: 33,
  neutral: undefined,
  unknown: 33,
};

const TONE_BY_STATUS: Record<string, Tone> = {
  Healthy: "ok",
  Running: "ok",
  Completed: "ok",
  Succeeded: "ok",
  Successful: "ok",
  Progressing: "progressing",
  Pending: "progressing",
  ContainerCreating: "progressing",
  PodInitializing: "progressing",
  Terminating: "progressing",
  Degraded: "bad",
  Failed: "bad",
  CrashLoopBackOff: "bad",
  InvalidImageName: "bad",
  ReplicaFailure: "bad",
  Paused: "paused",
  Error: "warning",
  InvalidSpec: "warning",
  ImagePullBackOff: "warning",
  ErrImagePull: "warning",
  ScaledDown: "neutral",
  Inconclusive: "unknown",
};

/** The tone of a status word; unknown words by their shape, as the peer does (Init:*, *Error, Err*). */
export function toneOf(status: string, kind?: "AnalysisRun"): Tone {
  // A Pending AnalysisRun is waiting to start, not a pod being created.
  if (kind === "AnalysisRun" && status === "Pending") return "waiting";
  if (kind === "AnalysisRun" && status === "Running") return "progressing";
  const known = TONE_BY_STATUS[status];
  if (known) return known;
  if (status.startsWith("Init:")) return "progressing";
  if (status.startsWith("ExitCode:") || status.startsWith("Signal:")) return "bad";
  if (status.endsWith("Error") || status.startsWith("Err")) return "warning";
  return "unknown";
}

export function paint(style: Style, code: number | undefined, text: string): string {
  return style.color && code !== undefined ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** "✔ Healthy" on a terminal (coloured icon), "Healthy" when plain. */
export function statusText(style: Style, status: string, kind?: "AnalysisRun"): string {
  if (!style.symbols) return status;
  const tone = toneOf(status, kind);
  return `${paint(style, ANSI[tone], ICON[tone])} ${status}`;
}

/** The icon of a tone alone (measurement counts: "✔ 3,✖ 1"). */
export function icon(style: Style, tone: Tone): string {
  return paint(style, ANSI[tone], ICON[tone]);
}

const TAG_COLOR: Record<string, number> = { canary: 33, stable: 32, active: 32, preview: 94 };

/** A ReplicaSet's role word (stable, canary, active, preview), coloured like the peer. */
export function tagText(style: Style, tag: string): string {
  return paint(style, TAG_COLOR[tag], tag);
}

export function kindIcon(style: Style, kind: keyof typeof KIND_ICON): string {
  return style.symbols ? `${KIND_ICON[kind]} ` : "";
}

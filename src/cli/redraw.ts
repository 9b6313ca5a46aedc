// `get ... -w`: draws an object again on every change a watch reports. On a terminal the screen is
// cleared and redrawn in place (and each second, so ages move); piped, a new block is printed only
// when the text changed. Ends on Ctrl-C, the timeout, or the object's deletion (exit 1).
import type { CliIO } from "./io.ts";
import { ending, throttle } from "./watch.ts";

/** Cursor home, then clear the screen: the peer's redraw. */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J";

export interface Watched<T> {
  /** Resolves once the watches have listed: only then is current() whole. */
  synced: Promise<void>;
  /** The object as last seen; undefined once it is deleted. */
  current(): T | undefined;
  stop(): Promise<void>;
}

export interface RedrawOptions<T> {
  first: T;
  render(object: T): string;
  /** Starts the watches; `onChange` is called on every event. */
  watch(onChange: () => void): Watched<T>;
  /** 0: until interrupted. */
  timeoutMs: number;
  /** `rollout "web"`, for the deletion message. */
  what: string;
}

export async function redrawWhileWatching<T>(io: CliIO, options: RedrawOptions<T>): Promise<number> {
  let last = "";
  const draw = (object: T) => {
    const text = options.render(object);
    if (io.isTTY) io.out(CLEAR_SCREEN + text);
    else if (text !== last) io.out(last ? `\n${text}` : text);
    last = text;
  };
  draw(options.first);
  const end = ending<"deleted">(io.signal, options.timeoutMs);
  let synced = false;
  const watched = options.watch(() => redraw.trigger());
  // 200 ms apart at most: a burst of events gives one redraw now and one with the final state.
  const redraw = throttle(() => {
    if (!synced) return;
    const object = watched.current();
    if (object) draw(object);
    else end.settle("deleted");
  }, 200);
  void watched.synced.then(() => {
    synced = true;
    redraw.trigger();
  });
  const ticker = io.isTTY ? setInterval(() => redraw.trigger(), 1000) : undefined;
  try {
    const ended = await end.promise;
    if (ended.kind === "settled") {
      io.err(`Error: ${options.what} was deleted\n`);
      return 1;
    }
    return 0;
  } finally {
    if (ticker) clearInterval(ticker);
    redraw.cancel();
    end.dispose();
    await watched.stop();
  }
}

// OAuth2 access tokens kept between measurements: providers are built per measurement, so
// without a cache every measurement of every run would ask the token endpoint again. No I/O here:
// the caller supplies the fetch and the clock.
import { createHash } from "node:crypto";

export interface FetchedToken {
  accessToken: string;
  /** The token endpoint's `expires_in`, in seconds; absent when it did not say. */
  expiresIn?: number | undefined;
}

/** Renew this long before expiry, so a token never runs out in flight (golang.org/x/oauth2's expiryDelta). */
export const EXPIRY_MARGIN_MS = 10_000;

/**
 * Tokens are shared per (tokenUrl, clientId, scopes) and also per client secret: a run that
 * names someone else's clientId with a wrong secret must not be handed the token their right
 * secret earned. Only a hash of the secret is held, and only in memory.
 */
export function tokenCacheKey(
  tokenUrl: string,
  clientId: string,
  clientSecret: string,
  scopes: string[] = [],
): string {
  const secret = createHash("sha256").update(clientSecret).digest("hex");
  return JSON.stringify([tokenUrl, clientId, [...scopes].sort(), secret]);
}

/**
 * Until when (epoch ms) a token fetched at `nowMs` may be reused; undefined when it must not be:
 * no or a non-numeric `expires_in` (its lifetime is unknown), or one shorter than the margin.
 */
export function reusableUntil(expiresIn: number | undefined, nowMs: number): number | undefined {
  if (expiresIn === undefined || !Number.isFinite(expiresIn)) return undefined;
  const until = nowMs + expiresIn * 1000 - EXPIRY_MARGIN_MS;
  return until > nowMs ? until : undefined;
}

interface Entry {
  token?: string;
  until?: number;
  /** A request in flight: concurrent measurements wait for it instead of asking again. */
  pending?: Promise<string>;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Bounds memory when many runs use many distinct clients. */
    private readonly maxEntries = 256,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A reusable token for `key`, or the one `fetch` gets (then kept while reusable). */
  get(key: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const found = this.entries.get(key);
    if (found?.pending) return found.pending;
    if (found?.token !== undefined && found.until !== undefined && this.now() < found.until) {
      return Promise.resolve(found.token);
    }
    const entry: Entry = {};
    entry.pending = fetch().then(
      (fetched) => {
        const until = reusableUntil(fetched.expiresIn, this.now());
        // Forgotten or replaced while in flight: the newer state wins.
        if (this.entries.get(key) === entry) {
          if (until === undefined) this.entries.delete(key);
          else this.entries.set(key, { token: fetched.accessToken, until });
        }
        return fetched.accessToken;
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    // Re-inserted so that it counts as the newest when pruning.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.prune();
    return entry.pending;
  }

  /** Drops a token the server refused (e.g. revoked before its expiry). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private prune(): void {
    if (this.entries.size <= this.maxEntries) return;
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (!entry.pending && (entry.until ?? 0) <= now) this.entries.delete(key);
    }
    // Still too many: drop the oldest (Map iterates in insertion order).
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}

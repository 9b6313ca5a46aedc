// OAuth2 client credentials (RFC 6749 §4.4) for the Prometheus provider, as the peer's
// authentication.oauth2: POST the client's id, secret and scopes to tokenUrl and send the
// access_token as a Bearer header; tokens are reused while valid (token-cache.ts). The token URL
// passes the same address policy as the Prometheus address and redirects are not followed (a
// redirect would carry the secret past that policy). No error text contains the secret, even
// when a token endpoint echoes what it was sent.
import { Agent } from "node:https";
import axios, { type AxiosError } from "axios";
import { type AddressPolicy, checkAddress } from "../address-policy.ts";
import { MeasurementError } from "../provider.ts";
import { type FetchedToken, TokenCache, tokenCacheKey } from "./token-cache.ts";

export interface OAuth2Config {
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
}

/** An oauth2 config with its required fields checked. */
export interface ValidOAuth2 {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

export interface TokenRequestOptions {
  timeoutMs: number;
  insecure?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

const FIELD = "prometheus.authentication.oauth2";

/** One cache for the process: providers are built per measurement. */
const sharedCache = new TokenCache();

/** Whether oauth2 is asked for at all (an empty `oauth2: {}` is not, as with the peer). */
export function wantsOAuth2(config: OAuth2Config | undefined): config is OAuth2Config {
  return Boolean(config?.tokenUrl || config?.clientId || config?.clientSecret || config?.scopes?.length);
}

export function validateOAuth2(config: OAuth2Config): ValidOAuth2 {
  const missing = (["tokenUrl", "clientId", "clientSecret"] as const).filter((k) => !config[k]);
  if (missing.length > 0) throw new MeasurementError(`${FIELD}: ${missing.join(", ")} required`);
  const { tokenUrl = "", clientId = "", clientSecret = "" } = config;
  if (!/^https?:\/\//.test(tokenUrl)) {
    throw new MeasurementError(`${FIELD}.tokenUrl "${tokenUrl}" is not an http(s) URL`);
  }
  if (config.scopes !== undefined && !config.scopes.every((s) => typeof s === "string")) {
    throw new MeasurementError(`${FIELD}.scopes must be a list of strings`);
  }
  return { tokenUrl, clientId, clientSecret, scopes: config.scopes ?? [] };
}

/** `text` without the secret in any form a server might echo it (raw, URL- or form-encoded). */
export function scrubSecret(text: string, secret: string): string {
  if (!secret) return text;
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ]);
  let out = text;
  for (const form of forms) out = out.split(form).join("*****");
  return out;
}

/** A token response body: JSON as RFC 6749 §5.1 says, or form-encoded as some servers answer. */
export function parseTokenBody(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    const form = new URLSearchParams(text.trim());
    return form.has("access_token") || form.has("error") ? Object.fromEntries(form) : undefined;
  }
}

/** The token endpoint's answer as a token, or the reason (RFC 6749 §5.2 fields only) it refused. */
export function tokenFromResponse(status: number, text: string, secret: string): FetchedToken {
  const body = parseTokenBody(text);
  if (status < 200 || status >= 300) {
    const error = typeof body?.error === "string" ? body.error : "";
    const description = typeof body?.error_description === "string" ? body.error_description : "";
    const reason = [error, description && `(${description})`].filter(Boolean).join(" ").slice(0, 300);
    throw new MeasurementError(
      `OAuth2 token request failed (HTTP ${status}${reason ? `: ${scrubSecret(reason, secret)}` : ""})`,
    );
  }
  const accessToken = body?.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    throw new MeasurementError("OAuth2 token response has no access_token");
  }
  const expiresIn = body?.expires_in;
  // Some servers send expires_in as a string.
  const seconds =
    typeof expiresIn === "number" || typeof expiresIn === "string" ? Number(expiresIn) : Number.NaN;
  return { accessToken, ...(Number.isFinite(seconds) && seconds > 0 ? { expiresIn: seconds } : {}) };
}

async function requestToken(
  config: ValidOAuth2,
  policy: AddressPolicy,
  options: TokenRequestOptions,
): Promise<FetchedToken> {
  try {
    await checkAddress(config.tokenUrl, policy);
  } catch (error) {
    if (error instanceof MeasurementError) throw new MeasurementError(`${FIELD}.tokenUrl: ${error.message}`);
    throw error;
  }
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: config.clientId,
    client_secret: config.clientSecret,
  });
  if (config.scopes.length > 0) form.set("scope", config.scopes.join(" "));
  let response: { status: number; data: unknown };
  try {
    response = await axios.post(config.tokenUrl, form.toString(), {
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      timeout: options.timeoutMs,
      responseType: "text",
      transformResponse: (x) => x,
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: 1024 * 1024,
      ...(options.insecure ? { httpsAgent: new Agent({ rejectUnauthorized: false }) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    // Never echo the request config: its body is the secret.
    const e = error as AxiosError;
    throw new MeasurementError(
      `OAuth2 token endpoint ${new URL(config.tokenUrl).origin} unreachable: ${scrubSecret(e.code ?? e.message, config.clientSecret)}`,
    );
  }
  return tokenFromResponse(response.status, String(response.data ?? ""), config.clientSecret);
}

export interface BearerToken {
  token: string;
  /** Call when Prometheus refuses the token, so the next measurement asks for a new one. */
  forget(): void;
}

export async function oauth2Token(
  valid: ValidOAuth2,
  policy: AddressPolicy,
  options: TokenRequestOptions,
  cache: TokenCache = sharedCache,
): Promise<BearerToken> {
  const key = tokenCacheKey(valid.tokenUrl, valid.clientId, valid.clientSecret, valid.scopes);
  const token = await cache.get(key, () => requestToken(valid, policy, options));
  return { token, forget: () => cache.forget(key) };
}

// OAuth2 client credentials for the Prometheus provider, as the peer's authentication.oauth2:
// the config checked, a token from tokenUrl (token-endpoint.ts) sent as a Bearer header, and
// reused while valid (token-cache.ts). The token URL passes the same address policy as the
// Prometheus address before any request.
import { type AddressPolicy, checkAddress } from "../address-policy.ts";
import { MeasurementError } from "../provider.ts";
import { TokenCache, tokenCacheKey } from "./token-cache.ts";
import { requestToken, type TokenRequestOptions, type ValidOAuth2 } from "./token-endpoint.ts";

export type { TokenRequestOptions, ValidOAuth2 } from "./token-endpoint.ts";

export interface OAuth2Config {
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
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
  const token = await cache.get(key, async () => {
    try {
      await checkAddress(valid.tokenUrl, policy);
    } catch (error) {
      if (error instanceof MeasurementError)
        throw new MeasurementError(`${FIELD}.tokenUrl: ${error.message}`);
      throw error;
    }
    return requestToken(valid, options);
  });
  return { token, forget: () => cache.forget(key) };
}

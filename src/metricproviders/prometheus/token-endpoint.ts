// The client-credentials token request (RFC 6749 §4.4): oauth4webapi builds it and checks the
// answer; axios sends it, as it sends the provider's other requests, so the token request keeps
// their deadline, size cap, no-redirect rule and `insecure` TLS option. No error text carries the
// secret, even when a token endpoint echoes what it was sent.
import { Agent } from "node:https";
import axios, { type AxiosResponse } from "axios";
import * as oauth from "oauth4webapi";
import { MeasurementError } from "../provider.ts";
import type { FetchedToken } from "./token-cache.ts";

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

/** Statuses whose Response must not have a body. */
const NO_BODY = new Set([204, 205, 304]);

/** An axios answer as the fetch Response oauth4webapi reads. */
function asResponse(answer: AxiosResponse<string>): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== null) headers.append(name, String(one));
    }
  }
  return new Response(NO_BODY.has(answer.status) ? null : answer.data, { status: answer.status, headers });
}

/** oauth4webapi's fetch, over axios; `signal` ends it, body included. */
function axiosFetch(options: TokenRequestOptions, signal: AbortSignal) {
  return async (url: string, init: oauth.CustomFetchOptions<string, unknown>): Promise<Response> => {
    const answer = await axios.request<string>({
      url,
      method: init.method,
      headers: init.headers,
      data: String(init.body),
      timeout: options.timeoutMs,
      responseType: "text",
      transformResponse: (x) => x,
      validateStatus: () => true,
      // A redirect would carry the secret past the address policy.
      maxRedirects: 0,
      maxContentLength: 1024 * 1024,
      ...(options.insecure ? { httpsAgent: new Agent({ rejectUnauthorized: false }) } : {}),
      signal,
    });
    return asResponse(answer);
  };
}

/** The RFC 6749 §5.2 error and description, short and without the secret. */
function reasonText(error: unknown, description: unknown, secret: string): string {
  const code = typeof error === "string" ? error : "";
  const text = typeof description === "string" ? description : "";
  return scrubSecret([code, text && `(${text})`].filter(Boolean).join(" ").slice(0, 300), secret);
}

/** Why oauth4webapi refused the token endpoint's answer, as a MeasurementError. */
function refusal(status: number, error: unknown, secret: string): MeasurementError {
  let reason = "";
  if (error instanceof oauth.ResponseBodyError) {
    reason = reasonText(error.error, error.error_description, secret);
  } else if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const parameters = error.cause.find((c) => c.parameters.error)?.parameters;
    reason = reasonText(parameters?.error, parameters?.error_description, secret);
  } else if (status === 200) {
    const message = error instanceof Error ? error.message : String(error);
    return new MeasurementError(`OAuth2 token response is not usable: ${scrubSecret(message, secret)}`);
  }
  return new MeasurementError(`OAuth2 token request failed (HTTP ${status}${reason ? `: ${reason}` : ""})`);
}

/** The token endpoint as oauth4webapi's "authorization server" (it needs no more for this grant). */
function serverOf(config: ValidOAuth2): oauth.AuthorizationServer {
  return { issuer: new URL(config.tokenUrl).origin, token_endpoint: config.tokenUrl };
}

/** The token in the endpoint's answer, checked by oauth4webapi, or the reason it is not one. */
export async function tokenFromResponse(response: Response, config: ValidOAuth2): Promise<FetchedToken> {
  let body: oauth.TokenEndpointResponse;
  try {
    body = await oauth.processClientCredentialsResponse(
      serverOf(config),
      { client_id: config.clientId },
      response,
    );
  } catch (error) {
    throw refusal(response.status, error, config.clientSecret);
  }
  // The provider sends it as "Authorization: Bearer"; a DPoP-bound token would be refused.
  if (body.token_type !== "bearer") {
    const type = scrubSecret(body.token_type, config.clientSecret).slice(0, 40);
    throw new MeasurementError(
      `OAuth2 token response has token_type "${type}"; only bearer tokens are supported`,
    );
  }
  return {
    accessToken: body.access_token,
    ...(body.expires_in !== undefined ? { expiresIn: body.expires_in } : {}),
  };
}

/**
 * Why the request got no answer. Never the error itself: an axios error holds the request, whose
 * body is the secret. Its code says enough (ECONNREFUSED, ECONNABORTED for a silent socket);
 * anything else is oauth4webapi refusing to send.
 */
function unsentReason(error: unknown): string {
  if (axios.isAxiosError(error)) return error.code ?? "no answer";
  return error instanceof Error ? error.message : String(error);
}

/** POSTs the client credentials grant (client_secret_post) and reads the token from the answer. */
export async function requestToken(config: ValidOAuth2, options: TokenRequestOptions): Promise<FetchedToken> {
  const tokenUrl = new URL(config.tokenUrl);
  const parameters = new URLSearchParams();
  if (config.scopes.length > 0) parameters.set("scope", config.scopes.join(" "));
  // axios's own timeout only bounds a silent socket; this bounds the whole exchange.
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  let response: Response;
  try {
    response = await oauth.clientCredentialsGrantRequest(
      serverOf(config),
      { client_id: config.clientId },
      oauth.ClientSecretPost(config.clientSecret),
      parameters,
      {
        [oauth.customFetch]: axiosFetch(options, signal),
        // oauth4webapi refuses plain http unless told; Argo Rollouts (golang.org/x/oauth2) takes an
        // http tokenUrl, e.g. an identity provider inside the cluster, so sluice does too. Only for
        // http: URLs, so an https URL keeps every check.
        [oauth.allowInsecureRequests]: tokenUrl.protocol === "http:",
      },
    );
  } catch (error) {
    const why = deadline.aborted ? `no answer within ${options.timeoutMs} ms` : unsentReason(error);
    throw new MeasurementError(
      `OAuth2 token endpoint ${tokenUrl.origin} unreachable: ${scrubSecret(why, config.clientSecret)}`,
    );
  }
  return tokenFromResponse(response, config);
}

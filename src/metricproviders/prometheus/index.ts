// Prometheus metric provider: an instant query, or with `rangeQuery` a range query
// (range.ts); a vector becomes number[] (hence `result[0]`), a scalar a number, a matrix the
// flattened values; NaN and ±Inf come through as such, and an empty vector is [] (conditions must
// handle it; `result[0]` on it is "nil or empty"). Authentication: basic, a bearer token, or
// OAuth2 client credentials (oauth2.ts). An empty address falls back to SLUICE_PROMETHEUS_ADDRESS
// (the peer's ARGO_ROLLOUTS_PROMETHEUS_ADDRESS).
import { Agent } from "node:https";
import axios, { type AxiosError } from "axios";
import { type AddressPolicy, checkAddress } from "../address-policy.ts";
import { type Measured, MeasurementError, type MetricProvider, providerConfig } from "../provider.ts";
import {
  type BearerToken,
  type OAuth2Config,
  oauth2Token,
  type ValidOAuth2,
  validateOAuth2,
  wantsOAuth2,
} from "./oauth2.ts";
import { type RangeQuery, resolveRange } from "./range.ts";

export const PROMETHEUS_ADDRESS_ENV = "SLUICE_PROMETHEUS_ADDRESS";

export interface PrometheusMetric {
  /** Empty: SLUICE_PROMETHEUS_ADDRESS. */
  address?: string;
  query: string;
  /** Seconds; the peer's default is 30. */
  timeout?: number;
  headers?: { key: string; value: string }[];
  insecure?: boolean;
  rangeQuery?: RangeQuery;
  authentication?: {
    basicAuth?: { username: string; password: string };
    bearerToken?: string;
    oauth2?: OAuth2Config;
  };
}

type Sample = [number, string];
interface QueryResponse {
  status: "success" | "error";
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: unknown };
}

/** Prometheus sends values as strings: "NaN", "+Inf", "-Inf" included. */
function sampleValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function resultValue(data: NonNullable<QueryResponse["data"]>): number | number[] {
  switch (data.resultType) {
    case "scalar":
      return sampleValue((data.result as Sample)[1]);
    case "vector":
      return (data.result as { value: Sample }[]).map((s) => sampleValue(s.value[1]));
    case "matrix":
      return (data.result as { values: Sample[] }[]).flatMap((s) => s.values.map((v) => sampleValue(v[1])));
    default:
      throw new MeasurementError(
        `Prometheus returned a ${data.resultType} result; a number or a vector is needed`,
      );
  }
}

/** The data of a successful answer; anything else is a MeasurementError with Prometheus's reason. */
function answerData(status: number, body: QueryResponse | undefined): NonNullable<QueryResponse["data"]> {
  if (status < 300 && body?.status === "success" && body.data) return body.data;
  const reason = body?.error ? `${body.errorType ?? "error"}: ${body.error}` : `HTTP ${status}`;
  throw new MeasurementError(`Prometheus query failed (${reason})`);
}

export class PrometheusProvider {
  private readonly address: string;
  private readonly oauth2: ValidOAuth2 | undefined;

  constructor(
    private readonly metric: PrometheusMetric,
    private readonly policy: AddressPolicy = {},
    env: Record<string, string | undefined> = process.env,
    private readonly now: () => number = Date.now,
  ) {
    const fromEnv = env[PROMETHEUS_ADDRESS_ENV] ?? "";
    this.address = metric.address || fromEnv;
    const where = metric.address ? "prometheus.address" : PROMETHEUS_ADDRESS_ENV;
    if (!this.address) {
      throw new MeasurementError(`prometheus.address is required (or set ${PROMETHEUS_ADDRESS_ENV})`);
    }
    if (!/^https?:\/\//.test(this.address)) {
      throw new MeasurementError(`${where} "${this.address}" is not an http(s) URL`);
    }
    if (metric.timeout !== undefined && metric.timeout < 0) {
      throw new MeasurementError(`prometheus.timeout must not be negative, got ${metric.timeout}`);
    }
    const auth = metric.authentication;
    const kinds = [
      auth?.basicAuth?.username || auth?.basicAuth?.password ? "basicAuth" : "",
      auth?.bearerToken ? "bearerToken" : "",
      wantsOAuth2(auth?.oauth2) ? "oauth2" : "",
    ].filter(Boolean);
    if (kinds.length > 1) {
      throw new MeasurementError(`prometheus.authentication: use one of ${kinds.join(", ")}, not several`);
    }
    this.oauth2 = wantsOAuth2(auth?.oauth2) ? validateOAuth2(auth.oauth2) : undefined;
  }

  /** The metric's headers, with its bearer token or a (cached) OAuth2 token as Authorization. */
  private async requestHeaders(timeoutMs: number, signal?: AbortSignal) {
    const headers: Record<string, string> = {};
    for (const h of this.metric.headers ?? []) headers[h.key] = h.value;
    const bearer = this.metric.authentication?.bearerToken;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (!this.oauth2) return { headers, oauth: undefined };
    const insecure = this.metric.insecure;
    const oauth: BearerToken = await oauth2Token(this.oauth2, this.policy, { timeoutMs, insecure, signal });
    headers.Authorization = `Bearer ${oauth.token}`;
    return { headers, oauth };
  }

  async measure(signal?: AbortSignal): Promise<Measured> {
    const { address } = this;
    const { query } = this.metric;
    await checkAddress(address, this.policy);
    // Resolved before any request, so a bad expression costs no token request.
    const range = this.metric.rangeQuery ? resolveRange(this.metric.rangeQuery, this.now()) : undefined;
    const timeout = (this.metric.timeout ?? 30) * 1000;
    const auth = this.metric.authentication;
    const { headers, oauth } = await this.requestHeaders(timeout, signal);
    const path = range ? "/api/v1/query_range" : "/api/v1/query";
    try {
      const response = await axios.get<QueryResponse>(`${address.replace(/\/$/, "")}${path}`, {
        params: { query, ...range?.params },
        headers,
        timeout,
        ...(auth?.basicAuth
          ? { auth: { username: auth.basicAuth.username, password: auth.basicAuth.password } }
          : {}),
        ...(this.metric.insecure ? { httpsAgent: new Agent({ rejectUnauthorized: false }) } : {}),
        ...(signal ? { signal } : {}),
        // Prometheus explains a bad query in a 400 body; read it instead of a bare status.
        validateStatus: () => true,
        maxContentLength: 8 * 1024 * 1024,
        // A redirect would take the credentials past the address policy.
        maxRedirects: 0,
      });
      // A refused token (revoked before its expiry) is not reused by the next measurement.
      if (response.status === 401 || response.status === 403) oauth?.forget();
      return {
        value: resultValue(answerData(response.status, response.data)),
        metadata: { ResolvedPrometheusQuery: query, ...range?.metadata },
      };
    } catch (error) {
      if (error instanceof MeasurementError) throw error;
      // Never echo the request config: it can carry credentials.
      const e = error as AxiosError;
      throw new MeasurementError(`Prometheus at ${address} unreachable: ${e.code ?? e.message}`);
    }
  }
}

/** The registry entry: one query per measurement, its value judged by the conditions. */
export const prometheusProvider: MetricProvider = {
  name: "prometheus",
  async start(context) {
    const metric = providerConfig<PrometheusMetric>(context, "prometheus");
    return { kind: "value", ...(await new PrometheusProvider(metric, context.policy).measure()) };
  },
};

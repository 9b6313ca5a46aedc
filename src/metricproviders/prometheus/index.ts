// Prometheus metric provider: an instant query; a vector becomes number[] (hence `result[0]`),
// a scalar a number, a matrix the flattened values; NaN and ±Inf come through as such, and an
// empty vector is [] (conditions must handle it; `result[0]` on it is "nil or empty").
import { Agent } from "node:https";
import axios, { type AxiosError } from "axios";
import { type AddressPolicy, checkAddress } from "../address-policy.ts";
import { type Measured, MeasurementError, type MetricProvider } from "../provider.ts";

export interface PrometheusMetric {
  address: string;
  query: string;
  /** Seconds; the peer's default is 30. */
  timeout?: number;
  headers?: { key: string; value: string }[];
  insecure?: boolean;
  authentication?: { basicAuth?: { username: string; password: string }; bearerToken?: string };
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

export class PrometheusProvider implements MetricProvider {
  readonly type = "prometheus";

  constructor(
    private readonly metric: PrometheusMetric,
    private readonly policy: AddressPolicy = {},
  ) {
    if (!/^https?:\/\//.test(metric.address)) {
      throw new MeasurementError(`prometheus.address "${metric.address}" is not an http(s) URL`);
    }
    if (metric.timeout !== undefined && metric.timeout < 0) {
      throw new MeasurementError(`prometheus.timeout must not be negative, got ${metric.timeout}`);
    }
  }

  async measure(signal?: AbortSignal): Promise<Measured> {
    const { address, query } = this.metric;
    await checkAddress(address, this.policy);
    const headers: Record<string, string> = {};
    for (const h of this.metric.headers ?? []) headers[h.key] = h.value;
    const auth = this.metric.authentication;
    if (auth?.bearerToken) headers.Authorization = `Bearer ${auth.bearerToken}`;
    try {
      const response = await axios.get<QueryResponse>(`${address.replace(/\/$/, "")}/api/v1/query`, {
        params: { query },
        headers,
        timeout: (this.metric.timeout ?? 30) * 1000,
        ...(auth?.basicAuth
          ? { auth: { username: auth.basicAuth.username, password: auth.basicAuth.password } }
          : {}),
        ...(this.metric.insecure ? { httpsAgent: new Agent({ rejectUnauthorized: false }) } : {}),
        ...(signal ? { signal } : {}),
        // Prometheus explains a bad query in a 400 body; read it instead of a bare status.
        validateStatus: () => true,
        maxContentLength: 8 * 1024 * 1024,
      });
      const body = response.data;
      if (response.status >= 300 || body?.status !== "success" || !body.data) {
        const reason = body?.error
          ? `${body.errorType ?? "error"}: ${body.error}`
          : `HTTP ${response.status}`;
        throw new MeasurementError(`Prometheus query failed (${reason})`);
      }
      return { value: resultValue(body.data), metadata: { ResolvedPrometheusQuery: query } };
    } catch (error) {
      if (error instanceof MeasurementError) throw error;
      // Never echo the request config: it can carry credentials.
      const e = error as AxiosError;
      throw new MeasurementError(`Prometheus at ${address} unreachable: ${e.code ?? e.message}`);
    }
  }
}

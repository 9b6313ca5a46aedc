// Web metric provider: an HTTP request whose JSON answer, or the part a JSONPath picks
// ("{$.data.ratio}"), is the `result` the conditions see. Addresses pass the address policy.
import { Agent } from "node:https";
import axios, { type AxiosError } from "axios";
import type { Value } from "../../analysis/expression.ts";
import { type AddressPolicy, checkAddress } from "../address-policy.ts";
import { type Measured, MeasurementError, type MetricProvider, providerConfig } from "../provider.ts";

export interface WebMetric {
  url: string;
  method?: "GET" | "POST" | "PUT";
  headers?: { key: string; value: string }[];
  body?: string;
  jsonBody?: unknown;
  timeoutSeconds?: number;
  /** Kubernetes-style JSONPath; the whole document by default ("{$}"). */
  jsonPath?: string;
  insecure?: boolean;
}

/** The value at a JSONPath of the form {$}, {$.a.b}, {$.a[0].b}, {$['a-b']}. */
export function pick(document: unknown, jsonPath = "{$}"): Value {
  const match = /^\{\s*\$(.*)\}$/.exec(jsonPath.trim());
  if (!match) throw new MeasurementError(`jsonPath "${jsonPath}" must look like {$.field[0].other}`);
  const steps = [...(match[1] ?? "").matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g)];
  if (steps.map((s) => s[0]).join("") !== (match[1] ?? "").trim()) {
    throw new MeasurementError(`jsonPath "${jsonPath}" is not supported (use .field, [index] and ['key'])`);
  }
  let current: unknown = document;
  for (const step of steps) {
    const key = step[1] ?? step[3] ?? step[4];
    if (key !== undefined) {
      if (!current || typeof current !== "object" || Array.isArray(current) || !Object.hasOwn(current, key)) {
        throw new MeasurementError(`jsonPath "${jsonPath}": no field "${key}"`);
      }
      current = (current as Record<string, unknown>)[key];
    } else {
      const i = Number(step[2]);
      if (!Array.isArray(current) || i >= current.length)
        throw new MeasurementError(`jsonPath "${jsonPath}": no index ${i}`);
      current = current[i];
    }
  }
  return current as Value;
}

export class WebProvider {
  constructor(
    private readonly metric: WebMetric,
    private readonly policy: AddressPolicy = {},
  ) {}

  async measure(signal?: AbortSignal): Promise<Measured> {
    const m = this.metric;
    await checkAddress(m.url, this.policy);
    const headers: Record<string, string> = {};
    for (const h of m.headers ?? []) headers[h.key] = h.value;
    const data = m.jsonBody !== undefined ? m.jsonBody : m.body;
    try {
      const response = await axios.request({
        url: m.url,
        method: m.method ?? "GET",
        headers,
        ...(data !== undefined ? { data } : {}),
        timeout: (m.timeoutSeconds ?? 10) * 1000,
        responseType: "text",
        transformResponse: (x) => x,
        validateStatus: () => true,
        maxContentLength: 8 * 1024 * 1024,
        maxRedirects: 0,
        ...(m.insecure ? { httpsAgent: new Agent({ rejectUnauthorized: false }) } : {}),
        ...(signal ? { signal } : {}),
      });
      if (response.status < 200 || response.status >= 300) {
        throw new MeasurementError(`${m.url} answered HTTP ${response.status}`);
      }
      let document: unknown;
      try {
        document = JSON.parse(String(response.data));
      } catch {
        throw new MeasurementError(`${m.url} did not answer JSON`);
      }
      return { value: pick(document, m.jsonPath) };
    } catch (error) {
      if (error instanceof MeasurementError) throw error;
      const e = error as AxiosError;
      throw new MeasurementError(`${m.url} unreachable: ${e.code ?? e.message}`);
    }
  }
}

/** The registry entry: one HTTP request per measurement, its (picked) JSON judged by the conditions. */
export const webProvider: MetricProvider = {
  name: "web",
  async start(context) {
    const metric = providerConfig<WebMetric>(context, "web");
    return { kind: "value", ...(await new WebProvider(metric, context.policy).measure()) };
  },
};

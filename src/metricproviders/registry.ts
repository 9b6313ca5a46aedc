// Which metric providers exist: adding one is its folder and one line here.
import { Registry } from "../controller/registry.ts";
import { jobProvider } from "./job/index.ts";
import { prometheusProvider } from "./prometheus/index.ts";
import type { MetricProvider } from "./provider.ts";
import { webProvider } from "./web/index.ts";

export const metricProviders = new Registry<MetricProvider>("metric provider")
  .register(prometheusProvider)
  .register(webProvider)
  .register(jobProvider);

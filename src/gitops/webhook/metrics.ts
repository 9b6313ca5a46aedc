// The webhook receiver's metrics, on the process's registry. `result` says what became of a
// delivery; `bad_signature` and `no_secret` are the authentication failures alerts watch.
import { Counter, type Registry } from "prom-client";

export type WebhookResult =
  | "refreshed"
  | "no_match"
  | "ping"
  | "ignored"
  | "bad_signature"
  | "no_secret"
  | "too_large"
  | "unsupported_media_type"
  | "bad_payload"
  | "unknown_provider"
  | "not_found"
  | "busy"
  | "error";

export class WebhookMetrics {
  private readonly requests: Counter<"provider" | "result">;
  private readonly refreshes: Counter<"provider">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: "sluice_webhook_requests_total",
      help: "Webhook deliveries by provider and result (bad_signature and no_secret are authentication failures)",
      labelNames: ["provider", "result"],
      registers,
    });
    this.refreshes = new Counter({
      name: "sluice_webhook_refreshes_total",
      help: "Applications a webhook push asked to refresh",
      labelNames: ["provider"],
      registers,
    });
  }

  request(provider: string, result: WebhookResult): void {
    this.requests.inc({ provider, result });
  }

  refreshed(provider: string, count: number): void {
    if (count > 0) this.refreshes.inc({ provider }, count);
  }
}

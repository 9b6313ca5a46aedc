// The webhook secrets, read from Secrets in the controller's namespace when a delivery needs one and
// kept for a few seconds (a flood of deliveries costs one read per interval, a rotated secret is
// used within it). sluice's own Secret wins over Argo CD's, so an Argo CD install's webhooks keep
// working on migration. Only the webhook keys are kept; values never reach a log.
import type { KubeClient } from "../../kube/client.ts";
import { isNotFound, KubeError } from "../../kube/errors.ts";
import { Secrets } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { WebhookProvider } from "./provider.ts";

/** sluice's Secret: keys `<provider>.secret`, e.g. github.secret, gitlab.secret, generic.secret. */
export const WEBHOOK_SECRET_NAME = "sluice-webhook";
/** Argo CD's: keys webhook.github.secret, webhook.gitlab.secret, webhook.gogs.secret, … */
export const ARGOCD_SECRET_NAME = "argocd-secret";
export const SECRET_CACHE_MS = 10_000;

type SecretObject = KubeObject & { data?: Record<string, string> };

export class WebhookSecrets {
  private cached: { at: number; read: Promise<Map<string, Buffer>> } | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The provider's secret, or undefined when none is configured (an empty value is none). */
  async secretFor(provider: WebhookProvider): Promise<Buffer | undefined> {
    const keys = await this.keys();
    const own = keys.get(`${provider.name}.secret`);
    return own ?? (provider.argoCDSecretKey ? keys.get(provider.argoCDSecretKey) : undefined);
  }

  /** Where a provider's secret is looked for, for messages. */
  describe(provider: WebhookProvider): string {
    const argo = provider.argoCDSecretKey
      ? ` (or key ${provider.argoCDSecretKey} of Secret ${this.namespace}/${ARGOCD_SECRET_NAME})`
      : "";
    return `key ${provider.name}.secret of Secret ${this.namespace}/${WEBHOOK_SECRET_NAME}${argo}`;
  }

  private keys(): Promise<Map<string, Buffer>> {
    const now = this.now();
    if (this.cached && now - this.cached.at < SECRET_CACHE_MS) return this.cached.read;
    const read = this.readKeys();
    this.cached = { at: now, read };
    // A failed read is not kept: the next delivery tries again.
    read.catch(() => {
      if (this.cached?.read === read) this.cached = undefined;
    });
    return read;
  }

  private async readKeys(): Promise<Map<string, Buffer>> {
    const keys = new Map<string, Buffer>();
    // Argo CD's first, so sluice's own overwrite the same provider's key names below.
    const argo = await this.read(ARGOCD_SECRET_NAME, { optional: true });
    for (const [key, value] of Object.entries(argo)) {
      if (key.startsWith("webhook.") && key.endsWith(".secret")) keys.set(key, value);
    }
    for (const [key, value] of Object.entries(await this.read(WEBHOOK_SECRET_NAME))) {
      if (key.endsWith(".secret")) keys.set(key, value);
    }
    return keys;
  }

  /** The Secret's non-empty values; none when it does not exist (or, if optional, may not be read). */
  private async read(name: string, options: { optional?: boolean } = {}): Promise<Record<string, Buffer>> {
    try {
      const secret = await this.client.get<SecretObject>(Secrets, { namespace: this.namespace, name });
      const out: Record<string, Buffer> = {};
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        const bytes = Buffer.from(value, "base64");
        if (bytes.length > 0) out[key] = bytes;
      }
      return out;
    } catch (error) {
      if (isNotFound(error)) return {};
      // Argo CD's Secret is a convenience: a Role that does not grant it must not stop sluice's own.
      if (options.optional && error instanceof KubeError && error.reason === "Forbidden") return {};
      throw error;
    }
  }
}

// A webhook provider: how to recognise its deliveries, authenticate them and read them. Providers
// register in a registry (DESIGN.md asks for registries), tried in order: Gitea also sends GitHub's
// and Gogs' headers, so it is recognised first.
import type { IncomingHttpHeaders } from "node:http";
import type { WebhookEvent } from "./event.ts";

export interface WebhookProvider {
  /** Metric label, and the key `<name>.secret` in the sluice-webhook Secret. */
  readonly name: string;
  /** The key in Argo CD's `argocd-secret` that holds the same secret, if Argo CD has one. */
  readonly argoCDSecretKey?: string;
  /** Whether the request's headers say it comes from this provider. */
  detects(headers: IncomingHttpHeaders): boolean;
  /**
   * Whether the delivery is authentic under `secret`. `body` is undefined for providers whose
   * header carries the secret itself (`signsBody` false): they are checked before the body is read.
   */
  readonly signsBody: boolean;
  verify(headers: IncomingHttpHeaders, body: Buffer | undefined, secret: Buffer): boolean;
  /** The event a verified delivery carries; throws PayloadError when a push lacks what it needs. */
  parse(headers: IncomingHttpHeaders, payload: unknown): WebhookEvent;
}

export class ProviderRegistry {
  private readonly providers: WebhookProvider[] = [];

  register(provider: WebhookProvider): this {
    if (this.providers.some((p) => p.name === provider.name))
      throw new Error(`webhook provider "${provider.name}" registered twice`);
    this.providers.push(provider);
    return this;
  }

  /** The first registered provider that recognises the request. */
  detect(headers: IncomingHttpHeaders): WebhookProvider | undefined {
    return this.providers.find((p) => p.detects(headers));
  }

  get names(): string[] {
    return this.providers.map((p) => p.name);
  }
}

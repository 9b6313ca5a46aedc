// The providers sluice knows, in detection order (Gitea before GitHub: it sends GitHub's headers too).
import { ProviderRegistry } from "../provider.ts";
import { bitbucketServer } from "./bitbucket-server.ts";
import { generic } from "./generic.ts";
import { gitea } from "./gitea.ts";
import { github } from "./github.ts";
import { gitlab } from "./gitlab.ts";

export function defaultProviders(): ProviderRegistry {
  return new ProviderRegistry()
    .register(gitea)
    .register(github)
    .register(gitlab)
    .register(bitbucketServer)
    .register(generic);
}

// set image: containers of every kind by name or `*`, the peer's error for an unknown name, and
// the warning when Git owns the Rollout.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gitWarning } from "../../../src/cli/actions/git-warning.ts";
import { decideSetImage, parseAssignment } from "../../../src/cli/actions/set-image.ts";
import { CliError, EXIT_USAGE } from "../../../src/cli/errors.ts";
import { rollout, template } from "./actions-fixtures.ts";

const sidecars = rollout(
  {},
  {
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        initContainers: [{ name: "migrate", image: "migrate:1" }],
        containers: [
          { name: "web", image: "web:1", ports: [{ containerPort: 80 }] },
          { name: "proxy", image: "proxy:1" },
        ],
        ephemeralContainers: [{ name: "debug", image: "busybox:1" }],
      },
    },
  },
);

test("CONTAINER=IMAGE parses (registry ports and digests included); anything else is a usage error", () => {
  assert.deepEqual(parseAssignment("web=registry:5000/web:2"), {
    container: "web",
    image: "registry:5000/web:2",
  });
  assert.deepEqual(parseAssignment("*=web@sha256:abc"), { container: "*", image: "web@sha256:abc" });
  for (const bad of ["web", "=web:2", "web=", "a=b=c"]) {
    assert.throws(
      () => parseAssignment(bad),
      (e: unknown) => e instanceof CliError && e.exitCode === EXIT_USAGE && e.message.includes(`"${bad}"`),
      bad,
    );
  }
});

test("set image patches only the lists that change, whole (a merge patch replaces lists)", () => {
  assert.deepEqual(decideSetImage(sidecars, [{ container: "web", image: "web:2" }]), {
    kind: "patch",
    message: 'rollout "web" image updated',
    spec: {
      template: {
        spec: {
          containers: [
            { name: "web", image: "web:2", ports: [{ containerPort: 80 }] },
            { name: "proxy", image: "proxy:1" },
          ],
        },
      },
    },
  });
  const init = decideSetImage(sidecars, [
    { container: "migrate", image: "migrate:2" },
    { container: "debug", image: "busybox:2" },
  ]);
  assert.deepEqual(init.kind === "patch" && init.spec, {
    template: {
      spec: {
        initContainers: [{ name: "migrate", image: "migrate:2" }],
        ephemeralContainers: [{ name: "debug", image: "busybox:2" }],
      },
    },
  });
});

test("`*` sets every container of every kind; a later assignment wins over it", () => {
  const all = decideSetImage(sidecars, [
    { container: "*", image: "all:9" },
    { container: "proxy", image: "proxy:2" },
  ]);
  assert.equal(all.kind, "patch");
  const spec = (all.kind === "patch" && all.spec?.template) as { spec: Record<string, { image: string }[]> };
  assert.deepEqual(
    Object.fromEntries(Object.entries(spec.spec).map(([list, cs]) => [list, cs.map((c) => c.image)])),
    { initContainers: ["all:9"], containers: ["all:9", "proxy:2"], ephemeralContainers: ["all:9"] },
  );
});

test("set image: an unknown container is refused with the peer's message; the same image is a no-op", () => {
  assert.deepEqual(decideSetImage(sidecars, [{ container: "typo", image: "x:1" }]), {
    kind: "refuse",
    message: 'unable to find container named "typo"',
  });
  // One unknown name refuses the whole command: nothing is half done.
  assert.equal(
    decideSetImage(sidecars, [
      { container: "web", image: "web:2" },
      { container: "typo", image: "x:1" },
    ]).kind,
    "refuse",
  );
  assert.deepEqual(
    decideSetImage(rollout({}, { template: { metadata: {} } }), [{ container: "*", image: "x" }]),
    {
      kind: "refuse",
      message: 'unable to find container named "*"',
    },
  );
  assert.deepEqual(decideSetImage(sidecars, [{ container: "proxy", image: "proxy:1" }]), {
    kind: "noop",
    message: 'rollout "web" image unchanged',
  });
});

test("set image on a Rollout whose template is in a workloadRef is refused, naming the workload", () => {
  const ref = rollout({}, { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web-deploy" } });
  delete ref.spec?.template;
  assert.deepEqual(decideSetImage(ref, [{ container: "web", image: "web:2" }]), {
    kind: "refuse",
    message:
      "rollout 'web' takes its pod template from Deployment 'web-deploy' (spec.workloadRef): change it there",
  });
});

test("a Rollout an Application applied gets a warning that Git will win, with the Git change to make", () => {
  assert.equal(gitWarning(rollout(), "set image"), undefined, "not tracked: no warning");
  const tracked = rollout(
    {},
    { template: template("web:1") },
    { labels: { "sluice.dev/application": "shop" } },
  );
  const setImage = gitWarning(tracked, "set image") ?? "";
  assert.match(
    setImage,
    /^Warning: rollout 'web' is managed from Git by Application 'shop', and Git will win: /,
  );
  assert.match(setImage, /OutOfSync/);
  assert.match(setImage, /self-heal it reverts this set image/);
  assert.match(setImage, /change the image in Git\.\n$/);
  assert.match(
    gitWarning(tracked, "undo") ?? "",
    /reverts this undo\. To keep it, revert the change in Git\.\n$/,
  );
});

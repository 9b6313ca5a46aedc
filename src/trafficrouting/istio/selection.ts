// Which routes of a VirtualService carry the split, by the peer's rules: HTTP routes by name
// (`routes`), TLS routes by port and SNI hosts (`tlsRoutes`: one port across the route's match
// blocks and the same set of sniHosts), TCP routes by port (`tcpRoutes`); a kind not listed is
// split in its one route if the VirtualService has exactly one of that kind (sluice's own header
// and mirror routes not counted), and more than one is a problem. Each selected route must send
// to both the canary and the stable. Pure.
import type { RoutingProblem } from "../router.ts";
import type { VirtualServiceReference } from "./config.ts";
import { type Section, splits, type Targets, type VirtualServiceRoute } from "./destinations.ts";

export interface Selected {
  section: Section;
  /** Index in the section (for http: among the routes that are not sluice's own). */
  index: number;
  /** The spec field a problem with this route is reported at. */
  field: string;
}

export interface Selection {
  selected: Selected[];
  problems: RoutingProblem[];
}

/** The routes of each kind the router reads; http without sluice's header and mirror routes. */
export type SectionRoutes = Record<Section, VirtualServiceRoute[]>;

const LIST_FIELD: Record<Section, string> = { http: "routes", tls: "tlsRoutes", tcp: "tcpRoutes" };

interface TlsWant {
  port?: number;
  sniHosts?: string[];
}

const portsOf = (route: VirtualServiceRoute) =>
  new Set((route.match ?? []).map((m) => (typeof m.port === "number" ? m.port : 0)));

/** One port across the route's match blocks (none counts as 0), equal to the wanted one. */
function onPort(route: VirtualServiceRoute, port: number | undefined): boolean {
  const ports = portsOf(route);
  if (ports.size > 1) return false;
  return ([...ports][0] ?? 0) === (port ?? 0);
}

function tlsMatches(route: VirtualServiceRoute, want: TlsWant): boolean {
  if (!onPort(route, want.port)) return false;
  const hosts = new Set((route.match ?? []).flatMap((m) => (Array.isArray(m.sniHosts) ? m.sniHosts : [])));
  const wanted = new Set(want.sniHosts ?? []);
  return hosts.size === wanted.size && [...wanted].every((h) => hosts.has(h));
}

/** With no list for the kind: its only route, if it has exactly one. */
function implicit(section: Section, routes: VirtualServiceRoute[], ref: VirtualServiceReference): Selection {
  if (routes.length === 0) return { selected: [], problems: [] };
  if (routes.length === 1)
    return { selected: [{ section, index: 0, field: `${ref.base}.name` }], problems: [] };
  const list = LIST_FIELD[section];
  const message = `VirtualService "${ref.name}" has ${routes.length} ${section} routes: name the ones to split in ${list}`;
  return { selected: [], problems: [{ path: `${ref.base}.${list}`, message }] };
}

/** The routes each listed entry selects; an entry that selects none is a problem. */
function listed<W>(
  section: Section,
  routes: VirtualServiceRoute[],
  wants: W[],
  ref: VirtualServiceReference,
  select: { matches: (route: VirtualServiceRoute, want: W) => boolean; describe: (want: W) => string },
): Selection {
  const out: Selection = { selected: [], problems: [] };
  for (const [j, want] of wants.entries()) {
    const field = `${ref.base}.${LIST_FIELD[section]}[${j}]`;
    const indices = routes.flatMap((route, index) => (select.matches(route, want) ? [index] : []));
    if (indices.length === 0)
      out.problems.push({
        path: field,
        message: `VirtualService "${ref.name}" has no ${section} route ${select.describe(want)}`,
      });
    for (const index of indices) out.selected.push({ section, index, field });
  }
  return out;
}

function sectionSelection(section: Section, routes: VirtualServiceRoute[], ref: VirtualServiceReference) {
  const { routes: names, tlsRoutes, tcpRoutes } = ref.config;
  if (section === "http" && names?.length)
    return listed(section, routes, names, ref, {
      matches: (route, name) => route.name === name,
      describe: (name) => `"${name}"`,
    });
  if (section === "tls" && tlsRoutes?.length)
    return listed(section, routes, tlsRoutes, ref, {
      matches: tlsMatches,
      describe: (want) => `on port ${want.port ?? 0} with sniHosts [${(want.sniHosts ?? []).join(", ")}]`,
    });
  if (section === "tcp" && tcpRoutes?.length)
    return listed(section, routes, tcpRoutes, ref, {
      matches: (route, want) => onPort(route, want.port),
      describe: (want) => `on port ${want.port ?? 0}`,
    });
  return implicit(section, routes, ref);
}

const nameOf = (section: Section, route: VirtualServiceRoute | undefined, index: number) =>
  route?.name ? `${section} route "${route.name}"` : `${section}[${index}]`;

/** The routes to split in a VirtualService, and what keeps it from being split. */
export function selectRoutes(
  routes: SectionRoutes,
  ref: VirtualServiceReference,
  targets: Targets,
): Selection {
  const out: Selection = { selected: [], problems: [] };
  for (const section of ["http", "tls", "tcp"] as const) {
    const found = sectionSelection(section, routes[section], ref);
    out.selected.push(...found.selected);
    out.problems.push(...found.problems);
  }
  if (out.selected.length === 0 && out.problems.length === 0)
    out.problems.push({
      path: ref.field,
      message: `VirtualService "${ref.name}" has no http, tls or tcp route`,
    });
  for (const { section, index, field } of out.selected) {
    const route = routes[section][index];
    if (route && splits(route, targets)) continue;
    const message = `VirtualService "${ref.name}" ${nameOf(section, route, index)} needs destinations to both ${targets.describe}`;
    out.problems.push({ path: field, message });
  }
  return out;
}

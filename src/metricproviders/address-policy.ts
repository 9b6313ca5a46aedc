// Where metric providers may send requests (DESIGN.md §8). A template author must not be able to
// make the controller fetch cloud metadata (instance credentials) or talk to the API server with
// its own identity: link-local and metadata addresses and the API server are always denied, also
// when a name resolves to them; an optional allow list (--metric-address-allow) narrows the rest.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { MeasurementError } from "./provider.ts";

export interface AddressPolicy {
  /** host or host:port entries; empty or absent allows every address not denied. */
  allow?: string[];
  /** The API server's URL (from the kubeconfig). */
  apiServer?: string;
  /** Resolves a host name to its addresses; DNS by default (replaceable in unit tests). */
  resolve?: (host: string) => Promise<string[]>;
}

const DENIED_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data"]);

/** An IPv4-mapped IPv6 address as dotted IPv4 (URL writes ::ffff:169.254.169.254 as ::ffff:a9fe:a9fe). */
function unmapped(ip: string): string {
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hex?.[1] && hex[2]) {
    const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return ip.replace(/^::ffff:/i, "");
}

function deniedIp(ip: string): string | undefined {
  const v4 = unmapped(ip);
  if (isIP(v4) === 4) {
    const [a, b] = v4.split(".").map(Number);
    if (a === 169 && b === 254) return "link-local / cloud metadata";
    if (v4 === "100.100.100.200") return "cloud metadata";
    return undefined;
  }
  const lower = ip.toLowerCase();
  if (/^fe[89ab]/.test(lower)) return "link-local";
  if (lower === "fd00:ec2::254") return "cloud metadata";
  return undefined;
}

const defaultResolve = async (host: string) => (await lookup(host, { all: true })).map((a) => a.address);

export async function checkAddress(address: string, policy: AddressPolicy = {}): Promise<void> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new MeasurementError(`address "${address}" is not a URL`);
  }
  const { host, port } = hostAndPort(url);
  const deny = (why: string) => new MeasurementError(`address ${url.origin} is denied: ${why}`);
  if (DENIED_HOSTS.has(host)) throw deny("cloud metadata");
  const allow = policy.allow ?? [];
  if (allow.length > 0 && !allow.some((a) => a === host || a === `${host}:${port}`)) {
    throw deny("not in --metric-address-allow");
  }
  const resolve = policy.resolve ?? defaultResolve;
  const ips = isIP(host) ? [host] : await resolve(host).catch(() => []);
  for (const ip of ips) {
    const why = deniedIp(ip);
    if (why) throw deny(`${host} is ${ip} (${why})`);
  }
  if (policy.apiServer && (await isApiServer(policy.apiServer, { host, port }, ips, resolve))) {
    throw deny("that is the Kubernetes API server");
  }
}

/** A URL's host (lower case, an IPv6 address without brackets) and port (the scheme's default if none). */
function hostAndPort(url: URL): { host: string; port: string } {
  return {
    host: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(),
    port: url.port || (url.protocol === "https:" ? "443" : "80"),
  };
}

/** The same port as the API server, and its host or one of its addresses. */
async function isApiServer(
  apiServer: string,
  { host, port }: { host: string; port: string },
  ips: string[],
  resolve: (host: string) => Promise<string[]>,
): Promise<boolean> {
  const api = hostAndPort(new URL(apiServer));
  const apiIps = isIP(api.host) ? [api.host] : await resolve(api.host).catch(() => [api.host]);
  return port === api.port && (host === api.host || ips.some((ip) => apiIps.includes(ip)));
}

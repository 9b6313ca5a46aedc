// Typed errors of API calls, with messages a user can act on. The API server's Status body gives
// the reason and message; network failures and the leader-election fence get their own reasons.

export type KubeErrorReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "Forbidden"
  | "Unauthorized"
  | "Gone"
  | "TooManyRequests"
  | "BadRequest"
  | "ServerError"
  | "Network"
  /** No answer within the request's deadline (the queue retries it like any failure). */
  | "Timeout"
  | "Fenced"
  /** Discovery found no resource for a group/version/kind (its CRD is not installed). */
  | "UnknownKind";

export class KubeError extends Error {
  constructor(
    readonly reason: KubeErrorReason,
    message: string,
    readonly statusCode = 0,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "KubeError";
  }
}

const reasonByCode: Record<number, KubeErrorReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  410: "Gone",
  422: "Invalid",
  429: "TooManyRequests",
};

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/** Builds a KubeError from an HTTP status and the (JSON) body the API server returned. */
export function errorFromResponse(statusCode: number, body: string, what: string): KubeError {
  let status: StatusBody | undefined;
  try {
    status = JSON.parse(body) as StatusBody;
  } catch {
    status = undefined;
  }
  let reason = reasonByCode[statusCode] ?? (statusCode >= 500 ? "ServerError" : "BadRequest");
  // 409 is both "AlreadyExists" and "Conflict" (stale resourceVersion); the Status reason tells.
  if (statusCode === 409 && status?.reason === "AlreadyExists") reason = "AlreadyExists";
  const serverMessage = status?.message ?? (body.slice(0, 300) || `HTTP ${statusCode}`);
  return new KubeError(reason, `${what}: ${serverMessage}`, statusCode, status?.details);
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeError && e.reason === "NotFound";
export const isConflict = (e: unknown): boolean => e instanceof KubeError && e.reason === "Conflict";
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof KubeError && e.reason === "AlreadyExists";
export const isGone = (e: unknown): boolean => e instanceof KubeError && e.reason === "Gone";
export const isForbidden = (e: unknown): boolean => e instanceof KubeError && e.reason === "Forbidden";
export const isFenced = (e: unknown): boolean => e instanceof KubeError && e.reason === "Fenced";
export const isTimeout = (e: unknown): boolean => e instanceof KubeError && e.reason === "Timeout";
export const isUnknownKind = (e: unknown): boolean => e instanceof KubeError && e.reason === "UnknownKind";

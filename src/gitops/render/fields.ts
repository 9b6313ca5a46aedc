// Reading the free-form `source.kustomize` / `source.helm` objects (the CRD keeps them open, as
// Argo CD's fields grow) into typed options: a field of the wrong shape is a RenderError naming
// it, never a silent default.
import { RenderError } from "./confine.ts";

export class Fields {
  constructor(
    private readonly raw: Record<string, unknown>,
    /** Where the object sits, e.g. `spec.source.helm`. */
    private readonly at: string,
  ) {}

  private wrong(name: string, what: string): RenderError {
    return new RenderError(`${this.at}.${name} must be ${what}`);
  }

  string(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw this.wrong(name, "a string");
    return value;
  }

  boolean(name: string): boolean {
    const value = this.raw[name];
    if (value === undefined || value === null) return false;
    if (typeof value !== "boolean") throw this.wrong(name, "true or false");
    return value;
  }

  strings(name: string): string[] {
    const value = this.raw[name] ?? [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
      throw this.wrong(name, "a list of strings");
    return value as string[];
  }

  /** A map of strings; numbers and booleans are taken as written (YAML turns `v: 1` into a number). */
  stringMap(name: string): [string, string][] {
    const value = this.raw[name] ?? {};
    if (typeof value !== "object" || Array.isArray(value)) throw this.wrong(name, "a map of strings");
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      if (typeof v === "object" || v === undefined) throw this.wrong(`${name}.${k}`, "a string");
      return [k, String(v)];
    });
  }

  /** A list of objects, each read by `item` (which gets its own Fields). */
  objects<T>(name: string, item: (fields: Fields) => T): T[] {
    const value = this.raw[name] ?? [];
    if (!Array.isArray(value)) throw this.wrong(name, "a list");
    return value.map((v, i) => {
      if (typeof v !== "object" || v === null || Array.isArray(v))
        throw this.wrong(`${name}[${i}]`, "an object");
      return item(new Fields(v as Record<string, unknown>, `${this.at}.${name}[${i}]`));
    });
  }

  /** A field that must be present. */
  required<T>(name: string, value: T | undefined): T {
    if (value === undefined || value === "") throw new RenderError(`${this.at}.${name} is required`);
    return value;
  }

  /** The raw value (for what is passed on whole, like `valuesObject`). */
  get(name: string): unknown {
    return this.raw[name];
  }
}

// A registry of named plug-ins (metric providers, traffic routers): one name → one
// implementation, registered once at start-up by one line in the domain's registry file. The
// kernel only knows the shape; which plug-ins exist is the domain's business.

export class Registry<T extends { readonly name: string }> {
  private readonly byName = new Map<string, T>();

  /** `what` names the kind of plug-in in errors ("metric provider"). */
  constructor(readonly what: string) {}

  /** Adds a plug-in; a second one with the same name is a programming error. */
  register(plugin: T): this {
    if (this.byName.has(plugin.name)) throw new Error(`${this.what} "${plugin.name}" is registered twice`);
    this.byName.set(plugin.name, plugin);
    return this;
  }

  get(name: string): T | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Names in registration order, which is also the order plug-ins are applied in. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** A copy with the same plug-ins, to which a test may add its own without touching this one. */
  extended(...plugins: T[]): Registry<T> {
    const copy = new Registry<T>(this.what);
    for (const plugin of [...this.byName.values(), ...plugins]) copy.register(plugin);
    return copy;
  }
}

// A TCP proxy in front of the API server whose traffic a test can freeze: while frozen it keeps
// every connection open and holds every byte (a server that stops answering mid-request, a hung
// network), and on thaw it delivers what it held, in order. TLS passes through untouched.
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private frozen = false;
  private held: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("proxy has no port");
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (data) => {
        const send = () => {
          if (!to.destroyed) to.write(data);
        };
        if (this.frozen) this.held.push(send);
        else send();
      });
    forward(client, upstream);
    forward(upstream, client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  }

  /** Holds all traffic from now on, in both directions, connections kept open. */
  freeze(): void {
    this.frozen = true;
  }

  /** Delivers what was held and lets traffic flow again. */
  thaw(): void {
    this.frozen = false;
    const held = this.held;
    this.held = [];
    for (const send of held) send();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// A TCP proxy between a client and the head office, for tests: it can refuse connections (the VPN is down),
// cut a response after the server has sent it (a lost answer), reset the link (the connections open at that
// moment go dead without a word, as a VPN tunnel's do when it is re-established), and be pointed at a restarted
// server.
import net from 'node:net';

export class TcpProxy {
  private server: net.Server;
  private sockets = new Set<net.Socket>();
  /** pairs (client socket → its kill switch) of the live connections */
  private live = new Map<net.Socket, () => void>();
  /** refuse every connection (and drop open ones) */
  down = false;
  /** cut the response to the next N requests whose first line contains this text, after the server answered */
  private cut: { match: string; remaining: number } | null = null;
  cutsDone = 0;

  private constructor(
    private target: { host: string; port: number },
    readonly port: number,
    server: net.Server,
  ) {
    this.server = server;
  }

  static async start(targetUrl: string): Promise<TcpProxy> {
    let self: TcpProxy | null = null;
    const server = net.createServer((client) => self!.handle(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const u = new URL(targetUrl);
    self = new TcpProxy({ host: u.hostname, port: Number(u.port) }, port, server);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  retarget(targetUrl: string): void {
    const u = new URL(targetUrl);
    this.target = { host: u.hostname, port: Number(u.port) };
  }

  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const s of this.sockets) s.destroy();
  }

  /**
   * A link reset: every connection open now goes dead — nothing more passes either way and neither side is told
   * (no FIN, no RST), so a request on it waits for an answer that cannot come — and new connections are refused
   * for `ms`; then the link is back. Resolves when it is.
   */
  async resetLink(ms: number): Promise<void> {
    for (const kill of this.live.values()) kill();
    this.live.clear();
    this.down = true;
    await new Promise((r) => setTimeout(r, ms));
    this.down = false;
  }

  cutResponses(match: string, count = 1): void {
    this.cut = { match, remaining: count };
  }

  private handle(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    let cutThis = false;
    // a dead link tells neither side anything: the server closing its end does not reach the client
    let dead = false;
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      if (!dead) client.destroy();
    });
    upstream.on('error', () => {
      if (!dead) client.destroy();
    });
    client.on('close', () => upstream.destroy());
    this.live.set(client, () => {
      dead = true;
    });
    client.on('close', () => this.live.delete(client));
    client.on('data', (chunk) => {
      if (dead) return;
      const head = chunk.subarray(0, 200).toString('latin1');
      if (this.cut && this.cut.remaining > 0 && head.includes(this.cut.match)) {
        this.cut.remaining--;
        cutThis = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (dead) return;
      if (cutThis) {
        // the server has answered (and committed): the client never hears it
        this.cutsDone++;
        upstream.destroy();
        client.destroy();
        return;
      }
      client.write(chunk);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

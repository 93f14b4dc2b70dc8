// A TCP proxy between a client and the head office, for tests: it can refuse connections (the VPN is down),
// cut a response after the server has sent it (a lost answer), and be pointed at a restarted server.
import net from 'node:net';

export class TcpProxy {
  private server: net.Server;
  private sockets = new Set<net.Socket>();
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
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    let cutThis = false;
    client.on('data', (chunk) => {
      const head = chunk.subarray(0, 200).toString('latin1');
      if (this.cut && this.cut.remaining > 0 && head.includes(this.cut.match)) {
        this.cut.remaining--;
        cutThis = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
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

import { CloudflareSocket } from "pg-cloudflare";
import type { ConnectorContext } from "../types";

// The socket node-postgres gets (its `stream` option): node-postgres' own Workers socket over
// `connect()` from cloudflare:sockets, with the egress guard asked for the host and port before the
// socket opens, exactly as the guarded fetch does for a URL. A refusal is an error event, as a
// failed connect would be; no socket is opened.

/** The URL the egress guard is asked about for a TCP destination (it speaks URLs). */
export function socketUrl(host: string, port: number): string {
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `https://${bracketed}:${port}/`;
}

export class GuardedSocket extends CloudflareSocket {
  private markEnded!: () => void;
  /** Settles when the driver ends the socket (after its last write, e.g. Terminate, was handed over). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(
    ssl: boolean,
    private readonly guard: Pick<ConnectorContext, "assertAllowed">,
  ) {
    super(ssl);
  }

  override connect(port: number, host: string, connectListener?: (...args: unknown[]) => void): Promise<this | undefined> {
    try {
      this.guard.assertAllowed(socketUrl(host, port));
    } catch (err) {
      queueMicrotask(() => this.emit("error", err));
      return Promise.resolve(undefined);
    }
    return super.connect(port, host, connectListener);
  }

  override end(): this {
    this.markEnded();
    return super.end();
  }
}

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
    const connecting = super.connect(port, host, connectListener);
    // The driver's socket reports failures as error events, but leaves some of the runtime socket's
    // promises unobserved; a refused or failed connection would then log an unhandled rejection.
    void connecting.then(() => this.observeRuntimePromises());
    return connecting;
  }

  private observeRuntimePromises() {
    const inner = this as unknown as Record<string, { opened?: Promise<unknown>; closed?: Promise<unknown> } | null>;
    for (const key of ["_cfSocket", "_cfWriter", "_cfReader"]) {
      for (const p of [inner[key]?.opened, inner[key]?.closed]) p?.catch(() => {});
    }
  }

  override end(): this {
    this.markEnded();
    return super.end();
  }
}

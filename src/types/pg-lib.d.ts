// node-postgres' Client module on its own (pg/lib/client), without the package index that also
// loads pg-pool, pgpass and the native bindings. Its API is the one @types/pg describes for Client.
declare module "pg/lib/client" {
  import { Client } from "pg";
  export default Client;
}

// node-postgres' socket for Workers. Its package's type entry is only reached under the "workerd"
// export condition, which the type checker does not use; these are the members we rely on.
declare module "pg-cloudflare" {
  import { EventEmitter } from "events";
  export class CloudflareSocket extends EventEmitter {
    constructor(ssl: boolean);
    writable: boolean;
    destroyed: boolean;
    connect(port: number, host: string, connectListener?: (...args: unknown[]) => void): Promise<this | undefined>;
    write(data: Uint8Array | string, callback?: (error?: unknown) => void): true | void;
    end(...args: unknown[]): this;
    destroy(reason?: string): this;
  }
}

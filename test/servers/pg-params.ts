// How a contract server reaches the embedded PostgreSQL: from the addresses the postgres server
// handed over (the admin URL when there is one, so it can create its own databases).
export type PgParams = { host: string; port: number; user: string; password: string; database: string };

export function pgParams(shared: Record<string, string>, server: string): PgParams {
  const url = shared.pgAdminUrl ?? shared.pgUrl;
  if (url) {
    const u = new URL(url);
    return {
      host: u.hostname,
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.slice(1) || "postgres"),
    };
  }
  if (shared.pgHost) {
    return {
      host: shared.pgHost,
      port: Number(shared.pgPort ?? 5432),
      user: shared.pgUser ?? "postgres",
      password: shared.pgPassword ?? "",
      database: shared.pgDatabase ?? "postgres",
    };
  }
  throw new Error(`${server} contract server: no PostgreSQL address (start the postgres server first)`);
}

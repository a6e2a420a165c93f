import { IcebergRestCatalog } from "iceberg-js";
import { describe, expect, it } from "vitest";
import { catalog, servers, type Personality } from "./helpers";

// A second opinion on the contract server and on our engine: supabase's iceberg-js (a maintained
// Iceberg REST client we did not write) reads the same catalogs, and both must agree on namespaces,
// tables and the current schema. iceberg-js has no OAuth2 client-credentials flow, so for Polaris the
// test fetches a token from the token endpoint and hands it over as a bearer token.

async function polarisToken(base: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: "client_credentials", client_id: servers.icebergClientId!, client_secret: servers.icebergClientSecret!, scope: "PRINCIPAL_ROLE:ALL" });
  const res = await fetch(`${base}/v1/oauth/tokens`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function everyNamespace(js: IcebergRestCatalog, parent?: string[]): Promise<string[][]> {
  const out: string[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await js.listNamespaces({ ...(parent ? { parent: { namespace: parent } } : {}), pageSize: 2, ...(pageToken ? { pageToken } : {}) });
    for (const ns of page.namespaces) {
      out.push(ns.namespace);
      out.push(...(await everyNamespace(js, ns.namespace)));
    }
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return out;
}

async function everyTable(js: IcebergRestCatalog, namespace: string[]): Promise<string[]> {
  const out: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await js.listTables({ namespace }, { pageSize: 40, ...(pageToken ? { pageToken } : {}) });
    out.push(...page.identifiers.map((i) => i.name));
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return out;
}

describe("iceberg-js agrees with our engine on the contract server", () => {
  for (const p of ["r2", "polaris", "unity"] as Personality[]) {
    it(`${p}: namespaces, tables and the current schema`, async () => {
      const c = catalog(p, "js");
      const token = p === "polaris" ? await polarisToken(c.base) : servers.icebergBearer!;
      const js = new IcebergRestCatalog({ baseUrl: c.base, warehouse: c.config.warehouse ?? "main", auth: { type: "bearer", token } });
      const ours = await c.open();

      const theirNamespaces = (await everyNamespace(js)).map((ns) => ns.join("."));
      const ourNamespaces = (await ours.listSchemas!({}, { limit: 1000 })).data.map((s) => s.name);
      expect(ourNamespaces).toEqual(theirNamespaces);
      expect(ourNamespaces).toContain("sales.eu");

      for (const ns of ["sales", "analytics"]) {
        const theirs = await everyTable(js, ns.split("."));
        const mine = (await ours.listTables!({ schema: ns }, { limit: 1000 })).data.filter((t) => t.kind === "table").map((t) => t.name);
        expect(mine).toEqual(theirs);
      }

      const metadata = (await js.loadTable({ namespace: ["sales"], name: "orders" }))!;
      const current = metadata.schemas.find((s) => s["schema-id"] === metadata["current-schema-id"])!;
      const cols = await ours.listColumns!({ schema: "sales", table: "orders" }, { limit: 1000 });
      const topLevel = cols.data.filter((x) => !x.name.includes("."));
      expect(topLevel.map((x) => [x.name, x.fieldId])).toEqual(current.fields.map((f) => [f.name, f.id]));
      expect(cols.table!.formatVersion).toBe(metadata["format-version"]);
      expect(cols.table!.location).toBe(metadata.location);
    });
  }
});

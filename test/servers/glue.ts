import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AwsClient } from "aws4fetch";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { Started } from "./index";
import { tableMetadata } from "./iceberg-seed";
import { verifySigV4 } from "./sigv4-verify";

// Contract server for the AWS Glue Data Catalog API (AWS JSON 1.1: POST / with X-Amz-Target
// AWSGlue.<Operation>; shapes per docs.aws.amazon.com/glue/latest/webapi: GetCatalogs, GetDatabases,
// GetTables, GetTable), every request's SigV4 signature checked (service glue). Quirks: GetTables
// refuses MaxResults above 100 (the current documented range 1-100); an Iceberg table keeps a dropped
// column marked iceberg.field.current=false and its truth is the metadata JSON written to the S3 test
// server at start; a control makes NextToken repeat. Base: http://127.0.0.1:<port>/s/<scope>.

export const GLUE_ACCOUNT = "123456789012";
const REGION = "us-east-1";
const WIDE = 150;

type Controls = { repeatToken: boolean };
type Scope = { controls: Controls; counts: Record<string, number> };

class GlueError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function start(shared: Record<string, string>): Promise<Started> {
  const bucket = shared.s3Bucket ?? "fixtures";
  const metadataKey = "glue/sales/orders_iceberg/metadata/00002-glue.metadata.json";
  const metadataLocation = `s3://${bucket}/${metadataKey}`;
  const iceberg = tableMetadata(
    `s3://${bucket}/glue/sales/orders_iceberg`,
    [
      { type: "struct", "schema-id": 0, fields: [{ id: 1, name: "order_id", required: true, type: "long" }, { id: 2, name: "legacy_code", required: false, type: "string" }] },
      { type: "struct", "schema-id": 1, "identifier-field-ids": [1], fields: [{ id: 1, name: "order_id", required: true, type: "long" }, { id: 3, name: "amount", required: false, type: "decimal(10,2)" }] },
    ],
    1,
  );
  if (shared.s3Endpoint) {
    // The files live where Glue says: the Iceberg metadata file, a Parquet partition written with
    // hyparquet-writer (and Spark's _SUCCESS marker), a headerless CSV file.
    const aws = new AwsClient({ accessKeyId: shared.s3AccessKeyId!, secretAccessKey: shared.s3SecretAccessKey!, service: "s3", region: shared.s3Region ?? REGION });
    const put = async (key: string, body: string | Uint8Array) => {
      const res = await aws.fetch(`${shared.s3Endpoint}/${bucket}/${key}`, { method: "PUT", body });
      if (!res.ok) throw new Error(`glue: could not write ${key} to S3: ${res.status} ${await res.text()}`);
    };
    await put(metadataKey, JSON.stringify(iceberg));
    await put("glue/sales/orders_parquet/dt=2026-11-01/_SUCCESS", "");
    await put(
      "glue/sales/orders_parquet/dt=2026-11-01/part-00000.snappy.parquet",
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "order_id", data: [1n, 2n, 3n], type: "INT64" },
            { name: "amount", data: [12.5, 3.99, 100], type: "DOUBLE" },
          ] as never,
        }),
      ),
    );
    await put("glue/sales/customers_csv/part-00000.csv", "1,Ada\n2,Grace\n3,Linus\n");
  }

  const col = (Name: string, Type: string, extra: Record<string, unknown> = {}) => ({ Name, Type, ...extra });
  const t = (Name: string, TableType: string, rest: Record<string, unknown>) => ({ Name, DatabaseName: "", TableType, CreateTime: 1761998400, UpdateTime: 1762000000, ...rest });
  const databases = [
    { Name: "sales", Description: "Sales data", tables: [
      t("orders_parquet", "EXTERNAL_TABLE", {
        Parameters: { classification: "parquet", numRows: "5", totalSize: "2048" },
        StorageDescriptor: { Columns: [col("order_id", "bigint"), col("amount", "decimal(10,2)", { Comment: "gross" }), col("items", "array<struct<sku:string,qty:int>>")], Location: `s3://${bucket}/glue/sales/orders_parquet/`, InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" } },
        PartitionKeys: [col("dt", "string")],
      }),
      t("customers_csv", "EXTERNAL_TABLE", {
        Parameters: { classification: "csv" },
        StorageDescriptor: { Columns: [col("id", "int"), col("name", "string")], Location: `s3://${bucket}/glue/sales/customers_csv/`, SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", Parameters: { "field.delim": "," } } },
      }),
      t("orders_iceberg", "EXTERNAL_TABLE", {
        Parameters: { table_type: "ICEBERG", metadata_location: metadataLocation },
        StorageDescriptor: {
          Columns: [
            col("order_id", "bigint", { Parameters: { "iceberg.field.id": "1", "iceberg.field.current": "true" } }),
            col("amount", "decimal(10,2)", { Parameters: { "iceberg.field.id": "3", "iceberg.field.current": "true" } }),
            col("legacy_code", "string", { Parameters: { "iceberg.field.id": "2", "iceberg.field.current": "false" } }),
          ],
          Location: `s3://${bucket}/glue/sales/orders_iceberg`,
        },
      }),
      // Registered in Glue, written by the Iceberg contract server's setup (it starts first).
      t("payments_iceberg", "EXTERNAL_TABLE", {
        Parameters: { table_type: "ICEBERG", metadata_location: `s3://${bucket}/iceberg/sales/payments/metadata/00001.metadata.json` },
        StorageDescriptor: { Columns: [col("payment_id", "bigint"), col("method", "string"), col("cents", "int")], Location: `s3://${bucket}/iceberg/sales/payments` },
      }),
      t("order_view", "VIRTUAL_VIEW", { ViewOriginalText: "/* Presto View */", StorageDescriptor: { Columns: [col("total", "double")] } }),
    ] },
    { Name: "analytics", tables: Array.from({ length: WIDE }, (_, i) => t(`events_${String(i).padStart(3, "0")}`, "EXTERNAL_TABLE", { StorageDescriptor: { Columns: [col("ts", "timestamp")] } })) },
    { Name: "empty", tables: [] as Array<Record<string, unknown>> },
  ];
  for (const d of databases) for (const x of d.tables) x.DatabaseName = d.Name;
  const catalogs = [
    { CatalogId: GLUE_ACCOUNT, Name: GLUE_ACCOUNT, Description: "Default catalog" },
    { CatalogId: `${GLUE_ACCOUNT}:s3tablescatalog/lake-tables`, Name: "lake-tables", ParentCatalogNames: ["s3tablescatalog"] },
  ];
  const keys: Record<string, string> = { [shared.s3AccessKeyId ?? "AKIATESTS3RVERKEY001"]: shared.s3SecretAccessKey ?? "unused" };

  const scopes = new Map<string, Scope>();
  const scopeOf = (n: string) => {
    let s = scopes.get(n);
    if (!s) scopes.set(n, (s = { controls: { repeatToken: false }, counts: { total: 0 } }));
    return s;
  };

  function paged<T>(items: T[], body: Record<string, unknown>, max: number, scope: Scope): { items: T[]; NextToken?: string } {
    const size = body.MaxResults === undefined ? max : Number(body.MaxResults);
    if (!Number.isInteger(size) || size < 1 || size > max) throw new GlueError(400, "InvalidInputException", `1 validation error detected: Value '${String(body.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
    const token = typeof body.NextToken === "string" ? body.NextToken : "";
    const offset = token ? Number(Buffer.from(token, "base64url").toString().replace(/^o:/, "")) || 0 : 0;
    const slice = items.slice(offset, offset + size);
    if (scope.controls.repeatToken) return { items: slice, NextToken: Buffer.from("o:0").toString("base64url") };
    return offset + size < items.length ? { items: slice, NextToken: Buffer.from(`o:${offset + size}`).toString("base64url") } : { items: slice };
  }

  function catalogOf(body: Record<string, unknown>) {
    const id = body.CatalogId === undefined ? GLUE_ACCOUNT : String(body.CatalogId);
    if (id !== GLUE_ACCOUNT) {
      if (catalogs.some((c) => c.CatalogId === id)) return [] as typeof databases;
      throw new GlueError(400, "EntityNotFoundException", `Catalog ${id} not found.`);
    }
    return databases;
  }

  function op(target: string, body: Record<string, unknown>, scope: Scope): unknown {
    if (target === "GetCatalogs") {
      const p = paged(catalogs, body, 1000, scope);
      return { CatalogList: p.items, ...(p.NextToken ? { NextToken: p.NextToken } : {}) };
    }
    if (target === "GetDatabases") {
      const p = paged(catalogOf(body).map(({ tables: _t, ...d }) => ({ ...d, CatalogId: body.CatalogId ?? GLUE_ACCOUNT, CreateTime: 1761998400 })), body, 100, scope);
      return { DatabaseList: p.items, ...(p.NextToken ? { NextToken: p.NextToken } : {}) };
    }
    const db = catalogOf(body).find((d) => d.Name === body.DatabaseName);
    if (target === "GetTables") {
      if (!db) throw new GlueError(400, "EntityNotFoundException", `Database ${String(body.DatabaseName)} not found.`);
      let tables = db.tables;
      if (typeof body.Expression === "string") {
        const re = new RegExp(`^${body.Expression}$`);
        tables = tables.filter((x) => re.test(String(x.Name)));
      }
      const attrs = Array.isArray(body.AttributesToGet) ? (body.AttributesToGet as string[]) : null;
      if (attrs && !attrs.includes("NAME")) throw new GlueError(400, "InvalidInputException", "AttributesToGet must include NAME");
      const shaped = tables.map((x) => (attrs ? { Name: x.Name, ...(attrs.includes("TABLE_TYPE") ? { TableType: x.TableType } : {}) } : x));
      const p = paged(shaped, body, 100, scope);
      return { TableList: p.items, ...(p.NextToken ? { NextToken: p.NextToken } : {}) };
    }
    if (target === "GetTable") {
      if (!db) throw new GlueError(400, "EntityNotFoundException", `Database ${String(body.DatabaseName)} not found.`);
      const table = db.tables.find((x) => x.Name === body.Name);
      if (!table) throw new GlueError(400, "EntityNotFoundException", `Table ${String(body.Name)} not found.`);
      return { Table: table };
    }
    throw new GlueError(400, "UnknownOperationException", `Unknown operation ${target}`);
  }

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://localhost");
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "00000000-0000-0000-0000-000000000000" });
        res.end(JSON.stringify(payload));
      };
      const m = /^\/s\/([A-Za-z0-9_-]{1,64})(\/.*)$/.exec(url.pathname);
      const scope = scopeOf(m?.[1] ?? "default");
      const path = m?.[2] ?? url.pathname;
      try {
        if (path === "/__test/control" && req.method === "POST") return send(200, Object.assign(scope.controls, JSON.parse(raw.toString() || "{}")));
        if (path === "/__test/stats") return send(200, scope.counts);
        if (path !== "/" || req.method !== "POST") throw new GlueError(404, "UnknownOperationException", "Not found");
        const target = /^AWSGlue\.(\w+)$/.exec(String(req.headers["x-amz-target"] ?? ""))?.[1];
        if (!target) throw new GlueError(400, "UnknownOperationException", "Missing X-Amz-Target");
        if (!String(req.headers["content-type"] ?? "").startsWith("application/x-amz-json-1.1")) throw new GlueError(400, "SerializationException", "Wrong content type");
        const sig = verifySigV4(req, raw, { service: "glue", region: REGION, keys });
        if (!sig.ok) {
          const type = sig.reason === "unknown access key" ? "UnrecognizedClientException" : "InvalidSignatureException";
          throw new GlueError(type === "UnrecognizedClientException" ? 400 : 403, type, sig.reason === "unknown access key" ? "The security token included in the request is invalid." : `The request signature we calculated does not match the signature you provided: ${sig.reason}`);
        }
        scope.counts[target] = (scope.counts[target] ?? 0) + 1;
        scope.counts.total = (scope.counts.total ?? 0) + 1;
        send(200, op(target, JSON.parse(raw.toString() || "{}"), scope));
      } catch (err) {
        if (err instanceof GlueError) send(err.status, { __type: err.type, message: err.message });
        else send(500, { __type: "InternalServiceException", message: (err as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    addresses: { glueEndpoint: `http://127.0.0.1:${port}`, glueRegion: REGION, glueAccount: GLUE_ACCOUNT },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The local sandbox's fixed addresses, its sample dataset and the request bodies it prints.
// No Node imports: the quickstart test (inside workerd) imports this too, to seed the test servers with
// the same files and to check that the README's bodies are exactly the ones the sandbox prints.
import { parquetWriteBuffer } from "hyparquet-writer";
import { rng } from "../test/servers/rng";

// Fixed loopback ports (documented in the README "Local sandbox" section), so saved connections keep
// working across restarts.
export const SANDBOX = {
  apiPort: 8787,
  pgPort: 54320,
  wsProxyPort: 54321,
  s3Port: 54322,
  pgDatabase: "sandbox",
  // A read-only role; local-only password for a server that only listens on 127.0.0.1.
  pgUser: "analyst",
  pgPassword: "sandbox-analyst-pw",
  s3Bucket: "sandbox",
  s3Region: "us-east-1",
} as const;

export const sandboxAddresses = () => ({
  api: `http://127.0.0.1:${SANDBOX.apiPort}`,
  wsProxyUrl: `ws://127.0.0.1:${SANDBOX.wsProxyPort}`,
  s3Endpoint: `http://127.0.0.1:${SANDBOX.s3Port}`,
});

export type S3Keys = { accessKeyId: string; secretAccessKey: string };

// The bodies the sandbox prints and the README quickstart sends (the quickstart test compares them).
export function sandboxBodies(s3: S3Keys) {
  const a = sandboxAddresses();
  return {
    pgCredential: {
      name: "sandbox-postgres",
      type: "postgres",
      method: "password",
      identity: { user: SANDBOX.pgUser },
      secrets: { password: SANDBOX.pgPassword },
    },
    // credentialId is added from the credential's response
    pgConnection: {
      name: "sandbox-postgres",
      type: "postgres",
      config: {
        host: "127.0.0.1",
        port: SANDBOX.pgPort,
        database: SANDBOX.pgDatabase,
        // Loopback only, so no TLS; `auto` reaches a plain PostgreSQL host over TCP (no proxy).
        sslMode: "disable",
      },
    },
    s3Credential: {
      name: "sandbox-bucket",
      type: "s3",
      method: "accessKey",
      identity: { accessKeyId: s3.accessKeyId },
      secrets: { secretAccessKey: s3.secretAccessKey },
    },
    s3Connection: {
      name: "sandbox-bucket",
      type: "s3",
      config: { bucket: SANDBOX.s3Bucket, region: SANDBOX.s3Region, endpoint: a.s3Endpoint, addressing: "path" },
    },
  };
}

// ---- the dataset: a small web shop ----------------------------------------------------------------
// One seeded generator feeds both PostgreSQL (schema "sales") and the bucket (Parquet/CSV/NDJSON
// exports), so the same customers and orders appear in both.


const FIRST = ["Ada", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ivan", "Jamal", "Kenji", "Lucía", "Mei", "Nils", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoë"];
const LAST = ["Abbott", "Berg", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka", "Vargas"];
const PLACES: Array<[string, string]> = [["DE", "Berlin"], ["FR", "Lyon"], ["US", "Austin"], ["GB", "Leeds"], ["JP", "Osaka"], ["BR", "Recife"], ["IN", "Pune"], ["NL", "Utrecht"], ["ES", "Valencia"], ["CA", "Halifax"]];
const CATEGORIES: Record<string, string[]> = {
  coffee: ["Espresso beans 1kg", "Filter roast 500g", "Decaf blend 250g", "Cold brew pack", "Single origin Ethiopia", "Single origin Colombia"],
  equipment: ["Burr grinder", "Pour-over kettle", "French press", "Moka pot", "Milk frother", "Digital scale", "Espresso tamper"],
  tea: ["Sencha 100g", "Earl Grey 100g", "Chai spice mix", "Rooibos 200g", "Oolong 50g"],
  accessories: ["Ceramic mug", "Travel cup", "Paper filters x100", "Cleaning tablets", "Gift card"],
};
const STATUSES = ["delivered", "delivered", "delivered", "delivered", "shipped", "shipped", "paid", "cancelled", "refunded"];

export type Customer = { id: number; name: string; email: string; country: string; city: string; signedUpAt: string };
export type Product = { id: number; sku: string; name: string; category: string; price: string };
export type Order = { id: number; customerId: number; orderedOn: string; status: string; amount: string };
export type OrderItem = { orderId: number; line: number; productId: number; quantity: number; unitPrice: string };
export type Dataset = { customers: Customer[]; products: Product[]; orders: Order[]; items: OrderItem[] };

const day = (d: Date) => d.toISOString().slice(0, 10);
const money = (cents: number) => (cents / 100).toFixed(2);

export function shopDataset(): Dataset {
  const r = rng(20261128);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const customers: Customer[] = [];
  for (let id = 1; id <= 200; id++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const [country, city] = pick(PLACES);
    const signedUp = new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 640) * 86_400_000 + Math.floor(r() * 86_400) * 1000);
    const local = `${first}.${last}`.normalize("NFD").replace(/[^A-Za-z.]/g, "").toLowerCase();
    customers.push({ id, name: `${first} ${last}`, email: `${local}.${id}@example.com`, country, city, signedUpAt: signedUp.toISOString() });
  }
  const products: Product[] = [];
  for (const [category, names] of Object.entries(CATEGORIES)) {
    for (const name of names) {
      const id = products.length + 1;
      const base = category === "equipment" ? 2500 + Math.floor(r() * 15000) : 350 + Math.floor(r() * 3200);
      products.push({ id, sku: `${category.slice(0, 3).toUpperCase()}-${String(id).padStart(4, "0")}`, name, category, price: money(Math.floor(base / 100) * 100 + 99) });
    }
  }
  const orders: Order[] = [];
  const items: OrderItem[] = [];
  for (let id = 1; id <= 1200; id++) {
    const customer = pick(customers);
    const signedUp = Date.parse(customer.signedUpAt);
    const orderedOn = new Date(Math.min(Date.UTC(2026, 9, 31), signedUp + Math.floor(r() * 500) * 86_400_000));
    const lines = 1 + Math.floor(r() * r() * 5);
    let total = 0;
    for (let line = 1; line <= lines; line++) {
      const product = pick(products);
      const quantity = 1 + Math.floor(r() * r() * 4);
      const unit = Math.round(Number(product.price) * 100);
      total += unit * quantity;
      items.push({ orderId: id, line, productId: product.id, quantity, unitPrice: product.price });
    }
    orders.push({ id, customerId: customer.id, orderedOn: day(orderedOn), status: pick(STATUSES), amount: money(total) });
  }
  return { customers, products, orders, items };
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

// Runs as the database owner on a fresh database; grants SELECT to the sandbox's read-only role.
// The columns the README quickstart touches (sales.orders: id, customer_id, amount) also exist in the
// test database (test/servers/pg-sample.sql), so the quickstart test can run the README verbatim.
export function shopSql(d: Dataset = shopDataset()): string {
  const rows = <T>(xs: T[], f: (x: T) => string) => xs.map(f).join(",\n");
  return `
CREATE SCHEMA sales;
COMMENT ON SCHEMA sales IS 'A small coffee shop: customers, products, orders and order lines';
CREATE TABLE sales.customers (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email varchar(200) NOT NULL UNIQUE,
  country char(2) NOT NULL,
  city text NOT NULL,
  signed_up_at timestamptz NOT NULL
);
COMMENT ON TABLE sales.customers IS 'People who buy things';
COMMENT ON COLUMN sales.customers.country IS 'ISO 3166-1 alpha-2';
CREATE TABLE sales.products (
  id integer PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  category text NOT NULL,
  price numeric(10,2) NOT NULL CHECK (price >= 0)
);
CREATE TABLE sales.orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES sales.customers(id),
  ordered_on date NOT NULL,
  status text NOT NULL CHECK (status IN ('paid','shipped','delivered','cancelled','refunded')),
  amount numeric(12,2) NOT NULL
);
CREATE INDEX orders_customer_idx ON sales.orders (customer_id);
CREATE TABLE sales.order_items (
  order_id bigint NOT NULL REFERENCES sales.orders(id),
  line smallint NOT NULL,
  product_id integer NOT NULL REFERENCES sales.products(id),
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric(10,2) NOT NULL,
  PRIMARY KEY (order_id, line)
);
INSERT INTO sales.customers VALUES
${rows(d.customers, (c) => `(${c.id}, ${lit(c.name)}, ${lit(c.email)}, ${lit(c.country)}, ${lit(c.city)}, ${lit(c.signedUpAt)})`)};
INSERT INTO sales.products VALUES
${rows(d.products, (p) => `(${p.id}, ${lit(p.sku)}, ${lit(p.name)}, ${lit(p.category)}, ${p.price})`)};
INSERT INTO sales.orders VALUES
${rows(d.orders, (o) => `(${o.id}, ${o.customerId}, ${lit(o.orderedOn)}, ${lit(o.status)}, ${o.amount})`)};
INSERT INTO sales.order_items VALUES
${rows(d.items, (i) => `(${i.orderId}, ${i.line}, ${i.productId}, ${i.quantity}, ${i.unitPrice})`)};
CREATE VIEW sales.monthly_revenue AS
  SELECT date_trunc('month', ordered_on)::date AS month, count(*) AS orders, sum(amount) AS revenue
  FROM sales.orders WHERE status NOT IN ('cancelled','refunded') GROUP BY 1;
COMMENT ON VIEW sales.monthly_revenue IS 'Revenue per month, without cancelled and refunded orders';
GRANT USAGE ON SCHEMA sales TO ${SANDBOX.pgUser};
GRANT SELECT ON ALL TABLES IN SCHEMA sales TO ${SANDBOX.pgUser};
ANALYZE;
`;
}

export type SandboxFile = { key: string; body: Uint8Array | string };

// The bucket: the same shop as Parquet (orders, products), CSV (customers) and NDJSON (web events).
export function shopFiles(d: Dataset = shopDataset()): SandboxFile[] {
  const orders = parquetWriteBuffer({
    codec: "SNAPPY",
    columnData: [
      { name: "id", data: d.orders.map((o) => BigInt(o.id)) },
      { name: "customer_id", data: d.orders.map((o) => BigInt(o.customerId)) },
      { name: "ordered_on", data: d.orders.map((o) => new Date(`${o.orderedOn}T00:00:00Z`)) },
      { name: "status", data: d.orders.map((o) => o.status) },
      { name: "amount", data: d.orders.map((o) => BigInt(Math.round(Number(o.amount) * 100))) },
    ] as never,
    schema: [
      { name: "root", num_children: 5 },
      { name: "id", type: "INT64", repetition_type: "REQUIRED" },
      { name: "customer_id", type: "INT64", repetition_type: "REQUIRED" },
      { name: "ordered_on", type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" }, repetition_type: "REQUIRED" },
      { name: "status", type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: "REQUIRED" },
      {
        name: "amount",
        type: "INT64",
        converted_type: "DECIMAL",
        scale: 2,
        precision: 12,
        logical_type: { type: "DECIMAL", scale: 2, precision: 12 },
        repetition_type: "REQUIRED",
      },
    ] as never,
  });
  const products = parquetWriteBuffer({
    codec: "SNAPPY",
    columnData: [
      { name: "id", data: d.products.map((p) => p.id), type: "INT32" },
      { name: "sku", data: d.products.map((p) => p.sku), type: "STRING" },
      { name: "name", data: d.products.map((p) => p.name), type: "STRING" },
      { name: "category", data: d.products.map((p) => p.category), type: "STRING" },
      { name: "price", data: d.products.map((p) => Number(p.price)), type: "DOUBLE" },
    ] as never,
  });
  const csvCell = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const customers = [
    "id,name,email,country,city,signed_up_at",
    ...d.customers.map((c) => [c.id, c.name, c.email, c.country, c.city, c.signedUpAt].map(csvCell).join(",")),
  ].join("\n") + "\n";
  const r = rng(7);
  const kinds = ["page_view", "page_view", "page_view", "search", "add_to_cart", "checkout"];
  const pages = ["/", "/coffee", "/equipment", "/tea", "/cart", "/account"];
  const events: string[] = [];
  for (let i = 1; i <= 500; i++) {
    const kind = kinds[Math.floor(r() * kinds.length)]!;
    const at = new Date(Date.UTC(2026, 10, 1) + Math.floor(r() * 86_400_000)).toISOString();
    const event: Record<string, unknown> = { id: i, at, type: kind, customer_id: r() < 0.6 ? 1 + Math.floor(r() * 200) : null, page: pages[Math.floor(r() * pages.length)] };
    if (kind === "search") event.query = ["espresso", "grinder", "decaf", "gift"][Math.floor(r() * 4)];
    if (kind === "add_to_cart") event.product = { id: 1 + Math.floor(r() * d.products.length), quantity: 1 + Math.floor(r() * 3) };
    events.push(JSON.stringify(event));
  }
  return [
    { key: "shop/orders.parquet", body: new Uint8Array(orders) },
    { key: "shop/products.parquet", body: new Uint8Array(products) },
    { key: "shop/customers.csv", body: customers },
    { key: "events/2026-11-01.ndjson", body: events.join("\n") + "\n" },
  ];
}

import { describe, expect, it } from "vitest";
import type { FileEntry } from "../../src/connectors/types";
import { mintKey, open, rejection, servers, stats } from "./helpers";

const paths = (entries: FileEntry[]) => entries.map((e) => e.path);

describe("s3 listFiles", () => {
  it("lists folders (common prefixes) and objects relative to the root prefix", async () => {
    const key = await mintKey();
    const session = await open(key);
    const page = await session.listFiles!({ path: "", delimiter: "/" }, { limit: 100 });
    expect(page.nextCursor).toBeNull();
    const folders = page.data.filter((e) => e.kind === "folder");
    expect(paths(folders)).toEqual(["big/", "bin/", "csv/", "foreign/", "json/", "many/", "odd/", "parquet/"]);
    const objects = page.data.filter((e) => e.kind === "object");
    expect(paths(objects)).toEqual(["empty.csv"]);
    // the object outside the root prefix is not visible
    expect(paths(page.data)).not.toContain("outside-root.txt");
    const listing = await stats(key, servers.s3Bucket!);
    expect(listing.requests).toBe(1);
    expect(listing.log[0]!.path).toContain("prefix=data%2F");
    expect(listing.log[0]!.path).toContain("encoding-type=url");
  });

  it("objects carry size, ISO lastModified and the etag without quotes", async () => {
    const session = await open(await mintKey());
    const page = await session.listFiles!({ path: "csv/", delimiter: "/" }, { limit: 100 });
    const simple = page.data.find((e) => e.path === "csv/simple.csv");
    expect(simple).toMatchObject({ kind: "object" });
    if (simple?.kind !== "object") throw new Error("unreachable");
    expect(simple.size).toBeGreaterThan(1000);
    expect(simple.lastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(simple.etag).toMatch(/^[0-9a-f]{32}$/);
  });

  it("without a delimiter lists every key under the prefix", async () => {
    const session = await open(await mintKey());
    const page = await session.listFiles!({ path: "json/", delimiter: "" }, { limit: 1000 });
    expect(page.data.every((e) => e.kind === "object")).toBe(true);
    expect(paths(page.data)).toContain("json/events.ndjson.gz");
  });

  it("paginates across more than 1000 keys: max-keys <= 1000, continuation token as cursor, one request per page", async () => {
    const key = await mintKey();
    const session = await open(key);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await session.listFiles!({ path: "many/", delimiter: "/" }, { limit: 5000, cursor });
      seen.push(...paths(page.data));
      cursor = page.nextCursor ?? undefined;
      pages++;
      if (pages === 1) expect(page.data).toHaveLength(1000);
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(1105);
    expect(new Set(seen).size).toBe(1105);
    expect(seen[0]).toBe("many/k-00000.txt");
    expect(seen.at(-1)).toBe("many/k-01104.txt");
    const listing = await stats(key, servers.s3Bucket!);
    expect(listing.requests).toBe(2);
    expect(listing.log[0]!.path).toContain("max-keys=1000");
    expect(listing.log[1]!.path).toContain("continuation-token=");
  });

  it("small pages follow the cursor too", async () => {
    const session = await open(await mintKey());
    const first = await session.listFiles!({ path: "many/k-0000", delimiter: "/" }, { limit: 4 });
    expect(paths(first.data)).toEqual(["many/k-00000.txt", "many/k-00001.txt", "many/k-00002.txt", "many/k-00003.txt"]);
    expect(first.nextCursor).toBeTruthy();
    const second = await session.listFiles!({ path: "many/k-0000", delimiter: "/" }, { limit: 4, cursor: first.nextCursor! });
    expect(paths(second.data)).toEqual(["many/k-00004.txt", "many/k-00005.txt", "many/k-00006.txt", "many/k-00007.txt"]);
  });

  it("keys with spaces, unicode, + and reserved characters list and read back (encoding-type=url decoded)", async () => {
    const session = await open(await mintKey());
    const page = await session.listFiles!({ path: "odd/", delimiter: "/" }, { limit: 100 });
    const names = paths(page.data);
    expect(names.sort()).toEqual(["odd/100% sure & (x).csv", "odd/a+b=c.csv", "odd/with space.csv", "odd/ünïcödé-日本.csv"].sort());
    for (const path of names) {
      const schema = await session.inferFileSchema!({ path });
      expect(schema.format).toBe("csv");
      expect((schema.columns as { name: string }[]).map((c) => c.name)).toEqual(["a", "b"]);
    }
    // a prefix with a "+" and a space must be encoded, not read as a space / split
    const plus = await session.listFiles!({ path: "odd/a+b", delimiter: "/" }, { limit: 10 });
    expect(paths(plus.data)).toEqual(["odd/a+b=c.csv"]);
    const space = await session.listFiles!({ path: "odd/with sp", delimiter: "/" }, { limit: 10 });
    expect(paths(space.data)).toEqual(["odd/with space.csv"]);
  });

  it("a missing bucket is not_found; a bad cursor is invalid_request", async () => {
    const missing = await open(await mintKey(), { config: { bucket: "no-such-bucket-here" } });
    const err = await rejection(missing.listFiles!({ path: "", delimiter: "/" }, { limit: 10 }));
    expect(err).toMatchObject({ code: "not_found", engineCode: "NoSuchBucket" });
    const session = await open(await mintKey());
    const bad = await rejection(session.listFiles!({ path: "", delimiter: "/" }, { limit: 10, cursor: "bm90LWEtdG9rZW4tYXQtYWxs" }));
    expect(bad.code).toBe("invalid_request");
  });
});

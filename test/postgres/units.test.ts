import { describe, expect, it } from "vitest";
import { postgresConnector } from "../../src/connectors/postgres/index";
import { neonHttpEndpoint, resolveTransport, transportHosts } from "../../src/connectors/postgres/transport";
import { byteaToBase64, parseArrayLiteral, timestampToIso, timetzToIso } from "../../src/connectors/postgres/pg-text";
import { scrub, fromEngine } from "../../src/connectors/postgres/pg-errors";
import { ConnectorError } from "../../src/connectors/errors";

const parse = (c: Record<string, unknown>) => postgresConnector.config.parse({ database: "db", ...c });

describe("postgres transport choice", () => {
  it("auto: Neon hosts use Neon's HTTP endpoint (first label replaced by api)", () => {
    const c = parse({ host: "ep-cool-darkness-123456.us-east-2.aws.neon.tech" });
    const t = resolveTransport(c);
    expect(t.kind).toBe("http");
    expect(t.kind === "http" && t.endpoint.href).toBe("https://api.us-east-2.aws.neon.tech/sql");
    expect(neonHttpEndpoint("ep-x-pooler.eu-central-1.aws.neon.tech")).toBe("https://api.eu-central-1.aws.neon.tech/sql");
  });

  it("auto: an explicit httpEndpoint means HTTP; otherwise the WebSocket proxy", () => {
    expect(resolveTransport(parse({ host: "db.example.com", httpEndpoint: "https://sql.example.com/sql" })).kind).toBe("http");
    const ws = resolveTransport(parse({ host: "db.example.com", webSocketProxy: "wss://proxy.example.com/v2" }));
    expect(ws.kind === "websocket" && ws.proxy.href).toBe("wss://proxy.example.com/v2");
    expect(transportHosts(parse({ host: "db.example.com", webSocketProxy: "wss://proxy.example.com/v2" }))).toEqual([
      "db.example.com",
      "proxy.example.com",
    ]);
  });

  it("websocket to a Neon host without a proxy uses the host's own /v2 endpoint", () => {
    const t = resolveTransport(parse({ host: "ep-a-1.us-east-2.aws.neon.tech", transport: "websocket" }));
    expect(t.kind === "websocket" && t.proxy.href).toBe("wss://ep-a-1.us-east-2.aws.neon.tech/v2");
  });

  it("reaches a non-Neon host without proxy over tcp; refuses websocket without a proxy, and unencrypted endpoints unless sslMode is disable", () => {
    expect(resolveTransport(parse({ host: "db.example.com" })).kind).toBe("tcp");
    expect(() => resolveTransport(parse({ host: "db.example.com", transport: "websocket" }))).toThrow(/webSocketProxy/);
    expect(() => resolveTransport(parse({ host: "db.example.com", webSocketProxy: "ws://proxy.example.com" }))).toThrow(ConnectorError);
    expect(() => resolveTransport(parse({ host: "db.example.com", httpEndpoint: "http://sql.example.com/sql" }))).toThrow(/encrypted/);
    expect(resolveTransport(parse({ host: "db.example.com", httpEndpoint: "http://sql.example.com/sql", sslMode: "disable" })).kind).toBe("http");
  });

  it("rejects config that could smuggle options (strict schema)", () => {
    expect(() => parse({ host: "db.example.com", options: "-c x=y" })).toThrow();
    expect(() => parse({ host: "postgres://u:p@h/db" })).toThrow();
    expect(() => parse({ host: "h", webSocketProxy: "wss://u:p@proxy/x" })).toThrow();
  });
});

describe("postgres text formats", () => {
  it("parses array literals", () => {
    expect(parseArrayLiteral("{}")).toEqual([]);
    expect(parseArrayLiteral("{1,2,NULL}")).toEqual(["1", "2", null]);
    expect(parseArrayLiteral('{"a b","q\\"t","NULL",NULL,"back\\\\slash"}')).toEqual(["a b", 'q"t', "NULL", null, "back\\slash"]);
    expect(parseArrayLiteral("{{1,2},{3,4}}")).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
    expect(parseArrayLiteral("[0:1]={7,8}")).toEqual(["7", "8"]);
    expect(() => parseArrayLiteral("{1,2")).toThrow();
  });

  it("converts bytea, timestamps and times", () => {
    expect(byteaToBase64("\\x0001ff")).toBe("AAH/");
    expect(byteaToBase64("\\x")).toBe("");
    expect(byteaToBase64("a\\000\\\\")).toBe(btoa("a\u0000\\"));
    expect(timestampToIso("2024-02-29 13:45:30.5")).toBe("2024-02-29T13:45:30.5");
    expect(timestampToIso("2024-02-29 13:45:30+00")).toBe("2024-02-29T13:45:30Z");
    expect(timestampToIso("2024-02-29 13:45:30+05:30")).toBe("2024-02-29T13:45:30+05:30");
    expect(timestampToIso("2024-02-29 13:45:30-08")).toBe("2024-02-29T13:45:30-08:00");
    expect(timestampToIso("infinity")).toBe("infinity");
    expect(timestampToIso("0044-03-15 12:00:00 BC")).toBe("0044-03-15 12:00:00 BC");
    expect(timetzToIso("13:45:30+02")).toBe("13:45:30+02:00");
  });
});

describe("postgres error messages", () => {
  it("never carries the password or a connection string", () => {
    const secrets = { password: "s3cret-pw", connectionString: "postgresql://u:s3cret-pw@h/db" };
    const e = fromEngine({ message: "failed for postgresql://u:s3cret-pw@h/db password=s3cret-pw s3cret-pw", code: "XX000" }, secrets);
    expect(e.message).not.toContain("s3cret-pw");
    expect(e.message).not.toContain("postgresql://");
    expect(e.code).toBe("upstream_error");
    expect(scrub("password: hunter22")).toBe("password: [redacted]");
  });

  it("maps SQLSTATEs to connector codes", () => {
    const code = (c: string) => fromEngine({ message: "m", code: c }, {}).code;
    expect([code("28P01"), code("28000"), code("3D000"), code("42501"), code("57014"), code("25006"), code("42P01")]).toEqual([
      "auth_failed", "auth_failed", "not_found", "permission_denied", "timeout", "invalid_request", "upstream_error",
    ]);
    expect(fromEngine({ message: "password authentication failed for user 'x'", code: "" }, {}).code).toBe("auth_failed");
  });
});

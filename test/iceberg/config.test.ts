import { describe, expect, it } from "vitest";
import { glueConnector } from "../../src/connectors/glue";
import { glueConfig } from "../../src/connectors/glue/config";
import { icebergConnector } from "../../src/connectors/iceberg";
import { icebergConfig, signingRegion } from "../../src/connectors/iceberg/config";
import { namespaceName, parseNamespace } from "../../src/connectors/iceberg/names";

// What the configs accept and which hosts they approve for egress.

describe("iceberg and glue configs", () => {
  it("approves the catalog, token and storage hosts, and nothing else", () => {
    const c = icebergConfig.parse({
      catalogUri: "https://polaris.example.com/api/catalog",
      tokenUrl: "https://idp.example.com/oauth2/token",
      storage: { region: "auto", endpoint: "https://acct.r2.cloudflarestorage.com" },
      storageHosts: ["bucket.s3.eu-west-1.amazonaws.com"],
    });
    expect(icebergConnector.hosts(c)).toEqual(["polaris.example.com", "idp.example.com", "acct.r2.cloudflarestorage.com", "bucket.s3.eu-west-1.amazonaws.com"]);
    expect(icebergConnector.hosts(icebergConfig.parse({ catalogUri: "https://catalog.cloudflarestorage.com/acct/bucket" }))).toEqual(["catalog.cloudflarestorage.com"]);
    expect(glueConnector.hosts(glueConfig.parse({ region: "eu-west-1" }))).toEqual(["glue.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", "*.s3.eu-west-1.amazonaws.com"]);
  });

  it("refuses headers that carry credentials or belong to the protocol, and URLs with credentials", () => {
    for (const h of ["Authorization", "cookie", "X-Amz-Security-Token", "x-iceberg-access-delegation", "Host"]) {
      expect(icebergConfig.safeParse({ catalogUri: "https://c.example.com", headers: { [h]: "x" } }).success, h).toBe(false);
    }
    expect(icebergConfig.safeParse({ catalogUri: "https://c.example.com", headers: { "x-goog-user-project": "p1" } }).success).toBe(true);
    expect(icebergConfig.safeParse({ catalogUri: "https://user:pw@c.example.com" }).success).toBe(false);
    expect(icebergConfig.safeParse({ catalogUri: "https://c.example.com?token=x" }).success).toBe(false);
    expect(icebergConfig.safeParse({ catalogUri: "https://c.example.com", extra: 1 }).success).toBe(false);
  });

  it("takes the SigV4 region from a Glue or S3 Tables host", () => {
    expect(signingRegion(icebergConfig.parse({ catalogUri: "https://glue.eu-central-1.amazonaws.com/iceberg", signingName: "glue" }))).toBe("eu-central-1");
    expect(signingRegion(icebergConfig.parse({ catalogUri: "https://s3tables.us-west-2.amazonaws.com/iceberg", signingName: "s3tables" }))).toBe("us-west-2");
    expect(signingRegion(icebergConfig.parse({ catalogUri: "https://catalog.example.com" }))).toBeUndefined();
  });

  it("names multipart namespaces so that they round-trip", () => {
    expect(namespaceName(["accounting", "tax"])).toBe("accounting.tax");
    expect(parseNamespace("accounting.tax")).toEqual(["accounting", "tax"]);
    const dotted = namespaceName(["v1.2", "raw"]);
    expect(parseNamespace(dotted)).toEqual(["v1.2", "raw"]);
  });
});

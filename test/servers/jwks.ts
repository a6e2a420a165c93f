import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Started } from "./index";

// A JWKS endpoint on loopback with one RSA and one EC P-256 key. The private halves go to the
// tests (as JWK) so they can sign tokens with WebCrypto inside workerd.
export async function start(): Promise<Started> {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pub = [
    { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1", alg: "ES256", use: "sig" },
  ];
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (req.url === "/stats") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requests }));
      return;
    }
    if (req.url !== "/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: pub }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    addresses: {
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      jwtRsaPrivateJwk: JSON.stringify(rsa.privateKey.export({ format: "jwk" })),
      jwtEcPrivateJwk: JSON.stringify(ec.privateKey.export({ format: "jwk" })),
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

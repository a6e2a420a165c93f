import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

// A throwaway certificate authority for the tests, made with the openssl command line on first use
// (kept in .tmp/test-tls/, git-ignored, remade after 20 days): a CA and a server certificate for
// localhost and 127.0.0.1 that the embedded PostgreSQL serves. workerd trusts the CA because
// vitest.config.ts sets NODE_EXTRA_CA_CERTS to it before Miniflare loads (Miniflare hands those
// certificates to workerd's outbound TLS). Never used outside tests.
export type TestCertificates = { dir: string; caFile: string; certFile: string; keyFile: string };

const MAX_AGE_MS = 20 * 24 * 3600 * 1000;

export function testCertificates(root = resolve(".tmp", "test-tls")): TestCertificates {
  const files = { dir: root, caFile: join(root, "ca.pem"), certFile: join(root, "server.pem"), keyFile: join(root, "server.key") };
  if (existsSync(files.keyFile) && Date.now() - statSync(files.keyFile).mtimeMs < MAX_AGE_MS) return files;
  const work = `${root}.${process.pid}.${Date.now()}`;
  mkdirSync(work, { recursive: true });
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: work, stdio: "pipe" });
  ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
    "-subj", "/CN=connections-api test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", "ca.key", "-out", "ca.pem");
  ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(work, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "30", "-out", "server.pem", "-extfile", "server.ext");
  rmSync(join(work, "ca.key")); // nothing more is signed with it
  rmSync(root, { recursive: true, force: true });
  try {
    renameSync(work, root);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another run made them at the same moment
  }
  return files;
}

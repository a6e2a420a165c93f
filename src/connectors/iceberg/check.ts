import { ConnectorError } from "../errors";
import type { TestResult } from "../types";
import { NETWORK_CODES, stepRecorder } from "../test-steps";
import type { IcebergClient } from "./client";
import { currentSchema } from "./columns";
import { namespaceName } from "./names";
import { identifierPage, loadTable, namespacePage } from "./rest";

// test(): connect + authenticate (OAuth2 token, then GET /v1/config), authorize (one namespace page),
// sample (load one table of the first namespace, if there is one). Reports, never throws.

export async function testConnection(client: IcebergClient): Promise<TestResult> {
  const { steps, step, failed, finish } = stepRecorder((m) => client.redact(m));
  const host = new URL(client.base).host;

  // connect/authenticate: the first request that reaches the catalog decides connect; a 401 (or a
  // refused token request) is the authentication failing.
  const t0 = Date.now();
  try {
    await client.authenticate();
    const s = await client.catalogSettings();
    step("connect", t0, "passed", `Reached ${host}`);
    const declared = s.endpoints ? `${s.endpoints.size} endpoints declared` : "no endpoints declared";
    step("authenticate", Date.now(), "passed", `Catalog config read (${s.prefix ? `prefix ${s.prefix}` : "no prefix"}, ${declared})`);
  } catch (err) {
    const code = err instanceof ConnectorError ? err.code : "upstream_error";
    if (NETWORK_CODES.has(code)) failed("connect", t0, err);
    else {
      step("connect", t0, "passed", `Reached ${host}`);
      failed("authenticate", Date.now(), err);
    }
    return finish();
  }

  const t1 = Date.now();
  let first: string[] | undefined;
  try {
    const page = await namespacePage(client, [], "", 1);
    first = page.items[0];
    step("authorize", t1, "passed", first ? `Namespaces can be listed (first: ${namespaceName(first)})` : "Namespaces can be listed (none yet)");
  } catch (err) {
    failed("authorize", t1, err);
    return finish();
  }

  const t2 = Date.now();
  try {
    if (!first) return (step("sample", t2, "passed", "No namespace, so no table to load"), finish());
    const tables = await identifierPage(client, first, "table", "", 1);
    const t = tables.items[0];
    if (!t) return (step("sample", t2, "passed", `Namespace ${namespaceName(first)} has no table to load`), finish());
    const loaded = await loadTable(client, t.namespace, t.name);
    const cols = currentSchema(loaded.metadata).fields.length;
    step("sample", t2, "passed", `Loaded table ${namespaceName(t.namespace)}.${t.name} (format v${loaded.metadata["format-version"]}, ${cols} columns)`);
  } catch (err) {
    failed("sample", t2, err);
  }
  return finish();
}

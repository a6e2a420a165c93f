import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { connections, pipelines } from "../db/schema";
import { checkIfMatch, concurrentChange } from "../lib/etag";
import { ApiError, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, keysetPage } from "../lib/pagination";
import { iso } from "../schemas/common";
import { isForeignKeyViolation } from "./db-errors";
import type { Tenant } from "./tenant";

export type PipelineRow = typeof pipelines.$inferSelect;

export const presentPipeline = (r: PipelineRow) => ({
  id: r.id,
  name: r.name,
  sourceConnectionId: r.sourceConnectionId,
  destinationConnectionId: r.destinationConnectionId,
  status: r.status,
  createdAt: iso(r.createdAt)!,
  updatedAt: iso(r.updatedAt)!,
});

const pipelineQuery = (t: Tenant, id: string) =>
  t.db.select().from(pipelines).where(and(eq(pipelines.id, id), eq(pipelines.workspaceId, t.workspaceId)));

const existingConnections = (t: Tenant, ids: string[]) =>
  t.db
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.workspaceId, t.workspaceId), inArray(connections.id, ids.length ? ids : ["-"])));

function requireConnections(found: { id: string }[], wanted: Record<string, string | undefined>) {
  const have = new Set(found.map((r) => r.id));
  const errors = Object.entries(wanted)
    .filter(([, id]) => id !== undefined && !have.has(id))
    .map(([field, id]) => ({ path: `body.${field}`, message: `connection ${id} does not exist in this workspace` }));
  if (errors.length) throw new ApiError(422, "connection_not_found", "A referenced connection does not exist", { errors });
}

export async function getPipeline(t: Tenant, id: string) {
  const [row] = await t.readOne(pipelineQuery(t, id));
  if (!row) throw notFound("Pipeline");
  return row;
}

export async function listPipelines(t: Tenant, q: { connectionId?: string; limit: number; cursor?: string }) {
  const after = decodeCursor("pipelines", q.cursor);
  const rows = await t.readOne(
    t.db
      .select()
      .from(pipelines)
      .where(
        and(
          eq(pipelines.workspaceId, t.workspaceId),
          q.connectionId
            ? sql`(${pipelines.sourceConnectionId} = ${q.connectionId} OR ${pipelines.destinationConnectionId} = ${q.connectionId})`
            : undefined,
          after ? gt(pipelines.id, after) : undefined,
        ),
      )
      .orderBy(asc(pipelines.id))
      .limit(q.limit + 1),
  );
  return keysetPage("pipelines", rows, q.limit, presentPipeline);
}

export async function createPipeline(
  t: Tenant,
  input: { name: string; sourceConnectionId: string; destinationConnectionId: string; status: "active" | "paused" },
) {
  const found = await t.readOne(existingConnections(t, [input.sourceConnectionId, input.destinationConnectionId]));
  requireConnections(found, { sourceConnectionId: input.sourceConnectionId, destinationConnectionId: input.destinationConnectionId });
  const now = Date.now();
  const row: PipelineRow = { id: newId("pipe"), workspaceId: t.workspaceId, ...input, version: 1, createdAt: now, updatedAt: now };
  try {
    await t.db.insert(pipelines).values(row);
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new ApiError(422, "connection_not_found", "A referenced connection was deleted meanwhile");
    throw err;
  }
  return row;
}

export async function updatePipeline(
  t: Tenant,
  id: string,
  patch: { name?: string; sourceConnectionId?: string; destinationConnectionId?: string; status?: "active" | "paused" },
  ifMatch?: string,
) {
  const refs = [patch.sourceConnectionId, patch.destinationConnectionId].filter((x): x is string => !!x);
  const [[current], found] = await t.read(pipelineQuery(t, id), existingConnections(t, refs));
  if (!current) throw notFound("Pipeline");
  checkIfMatch(ifMatch, current.version);
  requireConnections(found, { sourceConnectionId: patch.sourceConnectionId, destinationConnectionId: patch.destinationConnectionId });
  const next = { ...current, ...patch };
  if (next.status === "active" && (!next.sourceConnectionId || !next.destinationConnectionId)) {
    throw new ApiError(422, "pipeline_incomplete", "A pipeline needs a source and a destination connection to be active");
  }
  let rows: PipelineRow[];
  try {
    rows = await t.db
      .update(pipelines)
      .set({ ...patch, updatedAt: Date.now(), version: sql`${pipelines.version} + 1` })
      .where(and(eq(pipelines.id, id), eq(pipelines.workspaceId, t.workspaceId), eq(pipelines.version, current.version)))
      .returning();
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new ApiError(422, "connection_not_found", "A referenced connection was deleted meanwhile");
    throw err;
  }
  if (!rows[0]) throw ifMatch ? new ApiError(412, "precondition_failed", "The pipeline changed; GET it again") : concurrentChange();
  return rows[0];
}

export async function deletePipeline(t: Tenant, id: string, ifMatch?: string) {
  const current = await getPipeline(t, id);
  checkIfMatch(ifMatch, current.version);
  const rows = await t.db
    .delete(pipelines)
    .where(and(eq(pipelines.id, id), eq(pipelines.workspaceId, t.workspaceId), eq(pipelines.version, current.version)))
    .returning({ id: pipelines.id });
  if (!rows[0]) throw concurrentChange();
  return { id, deleted: true as const };
}

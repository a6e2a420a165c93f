import { z } from "@hono/zod-openapi";
import { allConnectors } from "../connectors/registry";
import type { ConnectorDefinition, CredentialMethod } from "../connectors/types";
import { isoTime } from "./common";
import { ENGINE_EXAMPLES } from "./engine-examples";

// Request and response bodies that depend on the engine, built from the registry's own zod schemas:
// one variant per engine (and per auth method), discriminated by `type` (and `method`). The same
// schemas validate requests and describe them in the OpenAPI document, so a generated client types
// each engine's config and secrets. An engine added to the registry appears here without edits.

const pascal = (s: string) => s.replace(/(^|[-_.])([a-z0-9])/g, (_, __, ch: string) => ch.toUpperCase());

type Variants = [z.ZodObject, ...z.ZodObject[]];
const nonEmpty = <T>(list: T[]): [T, ...T[]] => {
  if (!list.length) throw new Error("the connector registry is empty");
  return list as [T, ...T[]];
};

const configs = new Map<string, z.ZodType>();
export function configSchemaOf(def: ConnectorDefinition): z.ZodType {
  let s = configs.get(def.type);
  if (!s) {
    s = def.config.openapi(`${pascal(def.type)}Config`, { description: `Non-secret settings of a ${def.displayName} connection` });
    configs.set(def.type, s);
  }
  return s;
}

// An identity whose fields are all optional may be left out of a request.
const identityOf = (m: CredentialMethod) => (m.identity.safeParse({}).success ? m.identity.optional() : m.identity);

const methodsOf = (def: ConnectorDefinition) => Object.entries(def.credentials);

function perMethod(def: ConnectorDefinition, build: (method: string, m: CredentialMethod) => z.ZodObject) {
  // One method is its variant itself (a literal `method`); the validation hook gives a wrong one the
  // same unknown_auth_method answer as a union would.
  const variants = methodsOf(def).map(([name, m]) => build(name, m));
  return variants.length === 1 ? variants[0]! : z.discriminatedUnion("method", nonEmpty(variants) as Variants);
}

// The unions are built at run time from the registry, so their static type is the shape common to
// every variant; generated clients see each variant through the OpenAPI document.
const byType = <T>(variants: z.ZodType[]) => z.discriminatedUnion("type", nonEmpty(variants) as unknown as Variants) as unknown as z.ZodType<T>;

type Fields = Record<string, string>;
export type ConnectionInput = {
  name: string;
  type: string;
  config: Record<string, unknown>;
  credentialId?: string | null;
  cacheTtlSeconds?: number | null;
};
export type ConnectionOutput = {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  credentialId: string | null;
  cacheTtlSeconds: number | null;
  createdAt: string;
  updatedAt: string;
};
export type CredentialInput = { name: string; type: string; method: string; identity?: Fields; secrets: Fields; approvedHosts?: string[] };
export type CredentialOutput = {
  id: string;
  name: string;
  type: string;
  method: string;
  identity: Fields;
  secrets: Record<string, { set: true; updatedAt: string } | undefined>;
  approvedHosts: string[];
  createdAt: string;
  updatedAt: string;
};
export type TestSettingsInput = {
  type: string;
  config: Record<string, unknown>;
  credentialId?: string;
  credential?: { method: string; identity?: Fields; secrets: Fields };
};

const examplesOf = (type: string) => ENGINE_EXAMPLES[type];

// `shared` holds the members every engine's body has (name, credentialId, ...), declared with the
// other connection schemas; this adds `type` and the engine's `config`.
export function connectionBodies(shared: { create: z.ZodRawShape; present: z.ZodRawShape }) {
  const create = byType<ConnectionInput>(
    allConnectors().map((def) =>
      z
        .strictObject({ ...shared.create, type: z.literal(def.type), config: configSchemaOf(def) })
        .openapi(`Create${pascal(def.type)}Connection`, { example: examplesOf(def.type)?.createConnection }),
    ),
  );
  const present = byType<ConnectionOutput>(
    allConnectors().map((def) =>
      z
        .object({
          id: z.string().openapi({ example: "conn_0mia3k8x2abcdefghijkl" }),
          name: z.string(),
          type: z.literal(def.type),
          config: configSchemaOf(def).openapi({ description: "Resolved non-secret configuration (defaults applied)" }),
          ...shared.present,
          createdAt: isoTime,
          updatedAt: isoTime,
        })
        .openapi(`${pascal(def.type)}Connection`, { example: examplesOf(def.type)?.connection }),
    ),
  );
  return { create, present };
}

export function credentialBodies(fields: { name: z.ZodType; approvedHosts: z.ZodType; presentApprovedHosts: z.ZodType }) {
  const secretState = z.object({ set: z.literal(true), updatedAt: isoTime }).openapi("SecretFieldState");
  const create = byType<CredentialInput>(
    allConnectors().map((def) =>
      perMethod(def, (method, m) =>
        z
          .strictObject({
            name: fields.name,
            type: z.literal(def.type),
            method: z.literal(method),
            identity: identityOf(m),
            secrets: m.secrets,
            approvedHosts: fields.approvedHosts,
          })
          .openapi(`Create${pascal(def.type)}${pascal(method)}Credential`, { example: examplesOf(def.type)?.createCredential?.[method] }),
      ),
    ),
  );
  const present = byType<CredentialOutput>(
    allConnectors().map((def) =>
      perMethod(def, (method, m) =>
        z
          .object({
            id: z.string().openapi({ example: "cred_0mia3k8x2abcdefghijkl" }),
            name: z.string(),
            type: z.literal(def.type),
            method: z.literal(method),
            identity: m.identity.openapi({ description: "Non-secret identifying fields" }),
            secrets: z
              .object(Object.fromEntries(Object.keys(m.secrets.shape).map((k) => [k, secretState.optional()])))
              .openapi({ description: "Which secret fields are set and when each last changed. Values are never returned." }),
            approvedHosts: fields.presentApprovedHosts,
            createdAt: isoTime,
            updatedAt: isoTime,
          })
          .openapi(`${pascal(def.type)}${pascal(method)}Credential`),
      ),
    ),
  );
  return { create, present };
}

// POST /api/connections/test: settings of any engine, secrets from a stored or an inline credential.
export function testSettingsBody(fields: { credentialId: z.ZodType }) {
  return byType<TestSettingsInput>(
    allConnectors().map((def) =>
      z
        .strictObject({
          type: z.literal(def.type),
          config: configSchemaOf(def),
          credentialId: fields.credentialId,
          credential: perMethod(def, (method, m) =>
            z.strictObject({ method: z.literal(method), identity: identityOf(m), secrets: m.secrets }),
          )
            .optional()
            .openapi({ description: "Inline credential, used once and never stored" }),
        })
        .openapi(`Test${pascal(def.type)}Settings`, { example: examplesOf(def.type)?.testSettings }),
    ),
  );
}

// Codes for a discriminator value no variant has, so clients can branch on them.
export const DISCRIMINATOR_CODES: Record<string, string> = { type: "unknown_connector_type", method: "unknown_auth_method" };

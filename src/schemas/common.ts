import { z } from "@hono/zod-openapi";

export const isoTime = z.string().openapi({ format: "date-time", example: "2026-11-28T12:00:00.000Z" });
export const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export const idParam = (prefix: string) =>
  z.object({
    id: z
      .string()
      .regex(new RegExp(`^${prefix}_[0-9a-z]{21}$`), `must be a ${prefix}_ id`)
      .openapi({ param: { name: "id", in: "path" }, example: `${prefix}_0mia3k8x2abcdefghijkl` }),
  });

export const resourceName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters")
  .openapi({ example: "Analytics warehouse" });

export const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

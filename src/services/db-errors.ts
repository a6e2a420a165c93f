// D1 reports constraint failures only through the message text.
export const isUniqueViolation = (err: unknown) =>
  err instanceof Error && /UNIQUE constraint failed/i.test(`${err.message} ${(err as { cause?: Error }).cause?.message ?? ""}`);
export const isForeignKeyViolation = (err: unknown) =>
  err instanceof Error && /FOREIGN KEY constraint failed/i.test(`${err.message} ${(err as { cause?: Error }).cause?.message ?? ""}`);

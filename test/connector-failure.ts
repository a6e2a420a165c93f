// Awaits an operation that must fail and returns the ConnectorError's code, message and detail.
export async function caught(p: Promise<unknown>): Promise<{ code: string; message: string; detail: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; message: string; detail?: Record<string, unknown> };
    return { code: e.code, message: e.message, detail: e.detail ?? {} };
  }
  throw new Error("expected the operation to fail");
}

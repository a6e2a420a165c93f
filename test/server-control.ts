// The test-only control endpoints the contract servers share under /__test/: change their behaviour
// (control), expire the tokens they issued, and read what they counted (stats).
export function serverControl<Stats>(base: string) {
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${base}/__test/${path}`, { method: "POST", body: JSON.stringify(body ?? {}) });
    if (!res.ok) throw new Error(`control ${path}: ${res.status}`);
    return res.json();
  };
  return {
    control: (c: Record<string, unknown>) => post("control", c),
    expireTokens: () => post("expire-tokens"),
    stats: async (): Promise<Stats> => (await (await fetch(`${base}/__test/stats`)).json()) as Stats,
  };
}

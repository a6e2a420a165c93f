import type { TestProject } from "vitest/node";
import { startAll } from "./servers/index";

// Runs in Node, once per test run: starts every local server the tests need and hands their
// addresses to the tests (inject("servers")). Everything listens on loopback, on free ports.
export default async function setup(project: TestProject) {
  const { addresses, stop } = await startAll();
  project.provide("servers", addresses);
  return stop;
}

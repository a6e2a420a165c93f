// Prints the tables of bench/results.json (the last run of each part) as Markdown, for the README.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderTables } from "./lib/table";

const file = join(import.meta.dirname, "results.json");
const { machine, parts } = JSON.parse(readFileSync(file, "utf8"));
console.log(renderTables(machine, parts));

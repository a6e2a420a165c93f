// Prints the OpenAPI document the Worker serves at /openapi.json (for linting and client generation).
import { app } from "../src/app";

const res = await app.request("/openapi.json");
process.stdout.write(JSON.stringify(await res.json(), null, 2) + "\n");

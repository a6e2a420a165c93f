// Prints the OpenAPI document the Worker serves at /openapi.json (for linting and client generation).
import { app } from "../src/app";

// Asked as the local server, so the document lists only that one (it lists the origin it is served from).
const res = await app.request("http://127.0.0.1:8787/openapi.json");
process.stdout.write(JSON.stringify(await res.json(), null, 2) + "\n");

// Stand-in for zod/v4/locales/index.js in the Worker bundle: English messages only.
export { default as en } from "zod/v4/locales/en.js";

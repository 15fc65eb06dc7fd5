/** The demo company: what the CLI and the server use to fill an empty database. */
export { type DemoOptions, type DemoSummary, databaseIsEmpty, seedDemo } from "./seed.js";

/**
 * What the adapters may use from test clocks. Everything else in this folder
 * is private to it.
 */
export { testClockErrors } from "./errors.js";
export { testClockRoutes } from "./routes.js";
export { createTestClock } from "./service.js";

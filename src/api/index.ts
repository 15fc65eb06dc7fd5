export { buildApp } from "./app.js";
export { startServer } from "./server.js";

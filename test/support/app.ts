import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll } from "vitest";
import { createApiKey, ensureBootstrapAdmin } from "../../src/access/index.js";
import { buildApp } from "../../src/api/app.js";
import { systemContext } from "../../src/kernel/actor.js";
import type { Deps } from "../../src/kernel/deps.js";

export interface TestApp {
  app: FastifyInstance;
  /** Secret of an admin API key: `authorization: Bearer ${adminKey}`. */
  adminKey: string;
  /** A new API key with the given role (cached per role). */
  keyFor(role: string): Promise<string>;
  /** Headers for a request as the given key. */
  auth(secret: string): { authorization: string };
}

/** The real application on a test database, for `app.inject` route tests. */
export async function testApp(deps: Deps): Promise<TestApp> {
  const adminKey = `sk_test_${randomBytes(24).toString("base64url")}`;
  await ensureBootstrapAdmin(deps, { apiKeySecret: adminKey });
  const app = await buildApp(deps);
  await app.ready();
  afterAll(async () => {
    await app.close();
  });
  const keys = new Map<string, string>([["admin", adminKey]]);
  return {
    app,
    adminKey,
    auth: (secret) => ({ authorization: `Bearer ${secret}` }),
    keyFor: async (role) => {
      const cached = keys.get(role);
      if (cached !== undefined) return cached;
      const created = await createApiKey(deps, systemContext("test", "req_test"), { name: `${role} key`, role });
      keys.set(role, created.secret);
      return created.secret;
    },
  };
}

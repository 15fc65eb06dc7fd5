import type { FastifyInstance } from "fastify";

/** One operation from the OpenAPI document, with its path parameters filled. */
export interface Operation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  url: string;
  operation: OpenApiOperation;
  bodySchema: JsonSchema | undefined;
  querySchema: JsonSchema | undefined;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  [key: string]: unknown;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

/** Placeholder ids of the right shape for path parameters (they name nothing). */
export const SAMPLE_ID_SUFFIX = "01jd0000000000000000000000";

export async function operations(app: FastifyInstance): Promise<Operation[]> {
  const response = await app.inject({ method: "GET", url: "/openapi.json" });
  const document = response.json() as { paths: Record<string, Record<string, OpenApiOperation>> };
  const result: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    if (!path.startsWith("/v1/")) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const upper = method.toUpperCase() as Operation["method"];
      if (!["GET", "POST", "PUT", "PATCH", "DELETE"].includes(upper)) continue;
      const url = path.replace(/\{([^}]+)\}/g, () => `xx_${SAMPLE_ID_SUFFIX}`);
      const query = operation.parameters?.filter((parameter) => parameter.in === "query") ?? [];
      result.push({
        method: upper,
        path,
        url,
        operation,
        bodySchema: operation.requestBody?.content?.["application/json"]?.schema,
        querySchema:
          query.length === 0
            ? undefined
            : {
                type: "object",
                properties: Object.fromEntries(query.map((parameter) => [parameter.name, parameter.schema ?? {}])),
                required: query.filter((parameter) => parameter.required === true).map((parameter) => parameter.name),
              },
      });
    }
  }
  return result;
}

/** Public routes under /v1 that answer without credentials by design. */
export const PUBLIC_V1_ROUTES = new Set(["POST /v1/auth/login", "POST /v1/auth/logout", "GET /v1/auth/me"]);

export function isWrite(operation: Operation): boolean {
  return operation.method !== "GET";
}

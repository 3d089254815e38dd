import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ErrorBody, type ErrorCode } from '@communities/contracts';
import { HTTP_STATUS } from '../http/error-status';
import type { AuthMode, RouteSpec } from '../http/route';

const BEARER = 'bearerAuth';

/** Required: the token; optional: anonymous or the token (a bad token is still 401); none. */
const SECURITY: Record<AuthMode, Record<string, string[]>[]> = {
  required: [{ [BEARER]: [] }],
  optional: [{}, { [BEARER]: [] }],
  none: [],
};

/** `/communities/:id` → `/communities/{id}` */
function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_]+)/g, '{$1}');
}

/** Groups an endpoint's possible error codes by HTTP status (plus validation and 500). */
function errorResponses(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set<ErrorCode>(['VALIDATION_FAILED', ...codes, 'INTERNAL'])) {
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      {
        description: `error: ${group.join(', ')}`,
        content: { 'application/json': { schema: ErrorBody } },
      },
    ]),
  );
}

/** Builds the OpenAPI 3.1 document of every mounted route, from the same zod schemas. */
export function buildOpenApi(specs: RouteSpec[], basePath: string, version: string): object {
  const registry = new OpenAPIRegistry();
  // Shared shapes become components through the `id` in their zod metadata (see contracts).
  registry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'Access token from `POST /api/auth/login` (or `/api/auth/refresh`), sent as ' +
      '`Authorization: Bearer <token>`. Short-lived; refresh with the refresh token.',
  });

  for (const spec of specs) {
    const hasBody = spec.method === 'post' || spec.method === 'put';
    registry.registerPath({
      method: spec.method,
      path: `${basePath}${openApiPath(spec.path)}`,
      operationId: `${spec.method}${openApiPath(spec.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      security: SECURITY[spec.auth],
      request: {
        ...(spec.params ? { params: spec.params as never } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.headers ? { headers: spec.headers as never } : {}),
        ...(spec.body && hasBody
          ? {
              body: {
                required: !spec.body.safeParse(undefined).success,
                content: { 'application/json': { schema: spec.body } },
              },
            }
          : {}),
      },
      responses: {
        ...Object.fromEntries(
          [spec.response, ...(spec.response.alternatives ?? [])].map((answer) => [
            answer.status,
            {
              description: answer.description,
              ...('headers' in answer && answer.headers ? { headers: answer.headers } : {}),
              ...(spec.response.schema
                ? { content: { 'application/json': { schema: spec.response.schema } } }
                : {}),
            },
          ]),
        ),
        ...errorResponses([
          ...spec.errors,
          ...(spec.auth === 'none' ? [] : (['UNAUTHENTICATED'] as const)),
          ...(hasBody && spec.body
            ? (['INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'] as const)
            : []),
          // Path parameters are percent-decoded, bodies inflated: either can fail to decode.
          ...((hasBody && spec.body) || spec.path.includes(':')
            ? (['MALFORMED_REQUEST'] as const)
            : []),
        ]),
      },
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Communities API',
      version,
      description:
        'Communities, threads inside them, messages inside threads. Every list is a keyset page ' +
        '(`limit`, `cursor` → `next_cursor`). Every error is `{"error": {"code", "message", ' +
        '"details?", "request_id"}}`. Authentication: sign up with `POST /api/members/`, log in ' +
        'with `POST /api/auth/login`, send the access token as `Authorization: Bearer`. Reads of ' +
        'public communities need no token; every write does. Private communities answer 404 to ' +
        'non-members. Live updates: WebSocket `/ws/{user_id}`, authenticated with the access ' +
        'token, joins with grants from `POST /api/realtime/grants` (see `/asyncapi.json`).',
    },
    servers: [{ url: '/' }],
  });
}

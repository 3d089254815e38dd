import { AppError, type ErrorCode } from '@communities/contracts';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Actor, Authenticator } from '../auth/authenticator';
import type { RateLimitKind, RateLimiter } from './rate-limit';

type AnyObject = z.ZodType<Record<string, unknown>>;

/**
 * - `required`: an access token must be presented (401 otherwise);
 * - `optional`: anonymous is fine, a presented token must be valid (reads of public data);
 * - `none`: the Authorization header is ignored (sign-up, login, refresh).
 */
export type AuthMode = 'required' | 'optional' | 'none';
export type ActorFor<A extends AuthMode> = A extends 'required' ? Actor : Actor | undefined;

/** Headers, by lower-case name; non-strict, since every request carries headers of its own. */
type AnyHeaders = z.ZodObject;

/**
 * A success status the handler may answer with instead of the route's default, by returning
 * `reply(body, { status, headers })`: same body schema, and exactly these response headers.
 */
export interface AlternativeResponse {
  status: 200 | 201;
  description: string;
  headers?: z.ZodObject;
}

/** What a handler returns to answer with an alternative status (see `RouteSpec.response`). */
export class Reply<T> {
  constructor(
    readonly body: T,
    readonly status: AlternativeResponse['status'],
    readonly headers: Record<string, string>,
  ) {}
}

export function reply<T>(
  body: T,
  options: { status: AlternativeResponse['status']; headers?: Record<string, string> },
): Reply<T> {
  return new Reply(body, options.status, options.headers ?? {});
}

/**
 * One endpoint, declared once: Express mounts it with validation, and the OpenAPI document is
 * generated from the same declaration, so the docs cannot drift from what is served.
 * Paths use Express syntax (`/communities/:id`).
 */
export interface RouteSpec<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  A extends AuthMode = AuthMode,
  H extends AnyHeaders = AnyHeaders,
> {
  method: 'get' | 'post' | 'put' | 'delete';
  auth: A;
  /** Default: authenticated writes count as `write`; login and sign-up name their own limit. */
  rateLimit?: RateLimitKind;
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers the endpoint reads, by lower-case name (validated like the rest). */
  headers?: H;
  /**
   * 204 responses have no schema. `alternatives`: further success statuses the handler may pick
   * with `reply()`; answering with one not declared here is a bug (500), so the docs stay true.
   */
  response: {
    status: 200 | 201 | 204;
    schema?: R;
    description: string;
    alternatives?: AlternativeResponse[];
  };
  /** The catalogue errors this endpoint can answer with, besides validation and 500. */
  errors: ErrorCode[];
  handle(input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    headers: z.infer<H>;
    actor: ActorFor<A>;
    req: Request;
  }): Promise<z.infer<R> | Reply<z.infer<R>> | undefined>;
}

/** Type helper: infers a spec's generics from its schemas. */
export function route<
  P extends AnyObject,
  Q extends AnyObject,
  B extends z.ZodType,
  R extends z.ZodType,
  A extends AuthMode,
  H extends AnyHeaders,
>(spec: RouteSpec<P, Q, B, R, A, H>): RouteSpec {
  return spec;
}

export interface RouteDeps {
  authenticator: Authenticator;
  limiter: RateLimiter;
}

const NoParams = z.strictObject({});

/** Raised for a known path called with a method it does not have; carries the `Allow` list. */
export class MethodNotAllowed extends AppError {
  constructor(
    method: string,
    readonly allowed: string[],
  ) {
    super('METHOD_NOT_ALLOWED', `${method} is not allowed here; allowed: ${allowed.join(', ')}`);
  }
}

/**
 * Mounts specs on a router. Per request, in order: authentication (401 before anything else is
 * looked at), params, query and body each parsed with their strict schema, and the declared
 * headers (a ZodError becomes 400 with `details` whose paths start with `params`, `query`, `body`
 * or `headers`), then the rate limit (429).
 */
export function mountRoutes(specs: RouteSpec[], deps: RouteDeps): Router {
  const router = Router();
  for (const spec of specs) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      res.locals.routePattern = `${req.baseUrl}${spec.path}`;
      const actor =
        spec.auth === 'none'
          ? undefined
          : await deps.authenticator.fromHeader(req.headers.authorization);
      if (spec.auth === 'required' && !actor) {
        throw new AppError('UNAUTHENTICATED', 'this endpoint needs an access token (Bearer)');
      }
      const input = {
        params: parse(spec.params ?? NoParams, req.params, 'params'),
        query: parse(spec.query ?? NoParams, req.query, 'query'),
        body: spec.body ? parse(spec.body, req.body, 'body') : undefined,
        headers: spec.headers ? parse(spec.headers, req.headers, 'headers') : {},
        actor,
        req,
      };
      const limit = spec.rateLimit ?? (spec.method !== 'get' && actor ? 'write' : undefined);
      if (limit) {
        await deps.limiter.check(limit, {
          ip: req.ip ?? 'unknown',
          ...(actor ? { memberId: actor.id } : {}),
        });
      }
      const result = await spec.handle(input);
      if (result instanceof Reply) {
        res.set(declaredHeaders(spec, result)).status(result.status).json(result.body);
      } else if (spec.response.status === 204) res.status(204).end();
      else res.status(spec.response.status).json(result);
    });
  }
  // A known path with another method: 405 with the methods it has, rather than 404.
  const methodsByPath = new Map<string, string[]>();
  for (const spec of specs) {
    methodsByPath.set(spec.path, [
      ...(methodsByPath.get(spec.path) ?? []),
      spec.method.toUpperCase(),
    ]);
  }
  for (const [path, methods] of methodsByPath) {
    router.all(path, (req) => {
      throw new MethodNotAllowed(req.method, methods);
    });
  }
  return router;
}

/** The reply's headers, once checked against the alternative its status declares. */
function declaredHeaders(spec: RouteSpec, answer: Reply<unknown>): Record<string, string> {
  const declared = spec.response.alternatives?.find((a) => a.status === answer.status);
  if (!declared) {
    throw new Error(`${spec.method} ${spec.path} declares no alternative ${answer.status}`);
  }
  const headers = (declared.headers ?? z.object({})).strict().safeParse(answer.headers);
  if (!headers.success) {
    throw new Error(`${spec.method} ${spec.path} set undeclared headers: ${headers.error.message}`);
  }
  return headers.data;
}

function parse(schema: z.ZodType, value: unknown, where: string): never {
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (parsed.success) return parsed.data as never;
  throw new z.ZodError(
    parsed.error.issues.map((issue) => ({ ...issue, path: [where, ...issue.path] })),
  );
}

import { AppError, type ErrorCode } from '@communities/contracts';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';

type AnyObject = z.ZodType<Record<string, unknown>>;

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
> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** 204 responses have no schema. */
  response: { status: 200 | 201 | 204; schema?: R; description: string };
  /** The catalogue errors this endpoint can answer with, besides validation and 500. */
  errors: ErrorCode[];
  handle(input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    req: Request;
  }): Promise<z.infer<R> | undefined>;
}

/** Type helper: infers a spec's generics from its schemas. */
export function route<
  P extends AnyObject,
  Q extends AnyObject,
  B extends z.ZodType,
  R extends z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): RouteSpec {
  return spec;
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
 * Mounts specs on a router. Params, query and body are each parsed with their strict schema;
 * a failure throws a ZodError that the error handler turns into 400 with `details` whose paths
 * start with `params`, `query` or `body`.
 */
export function mountRoutes(specs: RouteSpec[]): Router {
  const router = Router();
  for (const spec of specs) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      res.locals.routePattern = `${req.baseUrl}${spec.path}`;
      const input = {
        params: parse(spec.params ?? NoParams, req.params, 'params'),
        query: parse(spec.query ?? NoParams, req.query, 'query'),
        body: spec.body ? parse(spec.body, req.body, 'body') : undefined,
        req,
      };
      const result = await spec.handle(input);
      if (spec.response.status === 204) res.status(204).end();
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

function parse(schema: z.ZodType, value: unknown, where: string): never {
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (parsed.success) return parsed.data as never;
  throw new z.ZodError(
    parsed.error.issues.map((issue) => ({ ...issue, path: [where, ...issue.path] })),
  );
}

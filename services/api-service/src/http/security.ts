import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

type CspDirectives = Record<string, string[]>;

/**
 * JSON never loads anything, so the API's policy allows nothing: no sources, no framing, no
 * base or form targets.
 */
const API_CSP: CspDirectives = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * What both docs pages need, all from our own origin (their assets are served from npm packages,
 * never a CDN): their scripts and stylesheet, `/openapi.json` and Swagger UI's "Try it out"
 * requests (connect-src), the icons that swagger-ui.css embeds as data: URIs. Inline script stays
 * forbidden. No `upgrade-insecure-requests`: on a plain-HTTP deployment (`npm start`, an internal
 * address) it would rewrite the pages' own asset URLs to https and break them.
 */
const DOCS_BASE_CSP: CspDirectives = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const SWAGGER_UI_CSP: CspDirectives = { ...DOCS_BASE_CSP };

/**
 * ReDoc renders with styled-components, which injects `<style>` elements at run time (hence
 * 'unsafe-inline' for styles, never for scripts), and builds its search index in a worker it
 * starts from a blob: URL.
 */
const REDOC_CSP: CspDirectives = {
  ...DOCS_BASE_CSP,
  styleSrc: ["'self'", "'unsafe-inline'"],
  workerSrc: ["'self'", 'blob:'],
};

/**
 * The web app (services/web, served at `/` by the standalone): its bundle, its stylesheet and its
 * calls, REST and WebSocket, all to our own origin ('self' matches ws:/wss: on the same host,
 * CSP Level 3). No inline script or style, no eval, no images from elsewhere (the app shows no
 * avatars), no framing. Stricter than the docs: nothing needs data: URIs.
 */
const WEB_APP_CSP: CspDirectives = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  fontSrc: ["'self'"],
  manifestSrc: ["'self'"],
  objectSrc: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Helmet's headers for these options, taken once at start: with no per-request directives (no
 * nonces) they are the same on every response, so each response gets them from a list instead
 * of running helmet's dozen middlewares again (a measurable share of a small GET).
 */
/**
 * Helmet's headers that only mean something on a document a browser renders (an HTML page):
 * left off JSON responses, which a browser never renders (their CSP allows nothing and nosniff
 * forbids guessing another type). What JSON keeps is OWASP's REST set: CSP, HSTS, nosniff,
 * X-Frame-Options, plus Referrer-Policy and Cross-Origin-Resource-Policy.
 */
export const DOCUMENT_ONLY_HEADERS = {
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const;

function headers(directives: CspDirectives, { document }: { document: boolean }): HeaderPlan {
  const set = new Map<string, string>();
  const remove = new Set<string>();
  const recorder = {
    setHeader: (name: string, value: unknown) => set.set(name, String(value)),
    removeHeader: (name: string) => remove.add(name) && set.delete(name),
  };
  let done = false;
  helmet({
    ...(document ? {} : DOCUMENT_ONLY_HEADERS),
    contentSecurityPolicy: { useDefaults: false, directives },
    xFrameOptions: { action: 'deny' },
  })({} as never, recorder as never, () => {
    done = true;
  });
  if (!done) throw new Error('helmet did not set its headers synchronously');
  return { set: [...set], remove: [...remove] };
}

/** Headers to set and (X-Powered-By) to remove on every response. */
interface HeaderPlan {
  set: [string, string][];
  remove: string[];
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Helmet's headers on every response, with a Content-Security-Policy chosen by path: the strict
 * API policy and no document-only headers everywhere, the docs policies and every helmet header
 * on `/docs/**` (Swagger UI) and `/redoc/**` (ReDoc), which are HTML pages.
 * Mount it on the app root, before any router, so error responses carry the headers too.
 */
export function securityHeaders(): RequestHandler {
  const api = headers(API_CSP, { document: false });
  const swaggerUi = headers(SWAGGER_UI_CSP, { document: true });
  const redoc = headers(REDOC_CSP, { document: true });
  return (req, res, next) => {
    const path = req.path;
    const chosen = under(path, '/docs') ? swaggerUi : under(path, '/redoc') ? redoc : api;
    for (const [name, value] of chosen.set) res.setHeader(name, value);
    for (const name of chosen.remove) res.removeHeader(name);
    next();
  };
}

/**
 * Every helmet header and the web app's policy, for the routes that serve the app's files. Mount
 * it on those routes only: it replaces what `securityHeaders()` set before it (the API policy).
 */
export function webAppHeaders(): RequestHandler {
  const plan = headers(WEB_APP_CSP, { document: true });
  return (_req, res, next) => {
    for (const [name, value] of plan.set) res.setHeader(name, value);
    for (const name of plan.remove) res.removeHeader(name);
    next();
  };
}

/** Request headers a browser client may send, and response headers it may read. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'Allow', 'Idempotent-Replayed'];

/**
 * CORS for browser clients on the listed origins. An origin not on the list gets no CORS
 * headers at all (its preflight goes on to the routes like any OPTIONS request), so the browser
 * refuses to hand the response to the page. No wildcard and no credentials: clients
 * authenticate with a bearer token, never a cookie. An allowed preflight is answered here with
 * 204 and cached by the browser for 10 minutes.
 */
export function corsPolicy(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
    preflightContinue: false,
  });
  return (req, res, next) => {
    // Every answer depends on Origin, including those without CORS headers: a shared cache must
    // not hand one origin's answer to another.
    res.vary('Origin');
    // No Origin (not a browser's cross-origin request): nothing for CORS to add.
    if (req.headers.origin === undefined) next();
    else handler(req, res, next);
  };
}

import { TOKEN_ISSUER_DEFAULT } from '@communities/contracts';
import { z } from 'zod';
import { parseSigningKeys, type SigningKeys } from './signing-keys';

/**
 * Settings both services read, with the same names and meaning: the api-service signs with these
 * keys, the gateway verifies with them. Spread into each service's config schema.
 */
export const AUTH_SETTINGS = {
  AUTH_JWT_KEYS: z
    .preprocess((value) => (value === '' ? undefined : value), z.string().optional())
    .transform((spec, ctx): SigningKeys | undefined => {
      if (spec === undefined) return undefined;
      try {
        return parseSigningKeys(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .describe(
      'JWT signing keys "kid:secret[,kid:secret]" (secrets ≥ 32 chars); the first signs, all ' +
        'verify. Required in production and for a split stack; unset in the embedded default ' +
        'means a random key per process',
    ),
  AUTH_JWT_ISSUER: z.string().min(1).default(TOKEN_ISSUER_DEFAULT).describe('JWT `iss`'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin.length > 0),
    )
    .describe(
      'comma-separated browser origins allowed to call the API and open WebSockets ' +
        '(e.g. "https://app.example.com"); empty: same-origin and non-browser clients only',
    ),
};

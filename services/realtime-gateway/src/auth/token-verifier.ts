import { TokenService } from '@communities/auth';
import { ConfigError, type GatewayConfig } from '../config';

export const MISSING_KEYS_MESSAGE =
  'AUTH_JWT_KEYS is required: the gateway verifies tokens signed by the api-service, so it must ' +
  'be given the same keys ("kid:secret[,kid:secret]")';

/**
 * The gateway's `TokenService` from its own config. It only verifies: tokens are signed by the
 * api-service, whose lifetimes the gateway does not know, so both lifetimes are 0 (anything this
 * instance signed by mistake would be born expired). Throws ConfigError without AUTH_JWT_KEYS.
 */
export function tokenVerifierFor(config: GatewayConfig): TokenService {
  if (!config.jwtKeys) throw new ConfigError(MISSING_KEYS_MESSAGE);
  return new TokenService({
    keys: config.jwtKeys,
    issuer: config.jwtIssuer,
    accessTtlSeconds: 0,
    grantTtlSeconds: 0,
  });
}

export { createGateway, type Gateway, type GatewayDeps } from './gateway';
export { loadConfig, ConfigError, type GatewayConfig } from './config';

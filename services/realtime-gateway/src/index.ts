export { createGateway, type Gateway, type GatewayDeps, type StopOptions } from './gateway';
export { loadConfig, ConfigError, type GatewayConfig } from './config';

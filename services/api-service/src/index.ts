export {
  createApp,
  createServices,
  apiRoutes,
  API_VERSION,
  type AppDeps,
  type Services,
} from './app';
export {
  createApiService,
  closeServer,
  tokenServiceFor,
  type ApiService,
  type ApiServiceOptions,
} from './service';
export { loadApiConfig, ApiConfigSchema, mongoDbName, type ApiConfig } from './config';
export { createLogger } from './logger';
export { openDocumentDb, type DocumentDb, type StoreSettings } from './store';
export type { EventPublisher } from './events/event-publisher';
export { ApiMetrics } from './http/metrics';
export { webAppHeaders } from './http/security';

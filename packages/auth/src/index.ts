export * from './signing-keys';
export * from './token-service';
export * from './rate-spec';
export * from './auth-settings';

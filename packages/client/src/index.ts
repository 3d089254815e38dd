export { RealtimeClient, type PostOptions } from './realtime-client';
export { HttpError } from './rest-api';
export { DEFAULT_BACKOFF, backoffCeiling, backoffDelay, type BackoffOptions } from './backoff';
export type {
  CloseEventLike,
  FetchInit,
  FetchLike,
  FetchResponseLike,
  MessageEventLike,
  Timers,
  WebSocketConstructor,
  WebSocketLike,
} from './platform';
export {
  RealtimeClientError,
  type AccessTokenRequest,
  type ClientErrorCode,
  type ClientEvents,
  type ClientState,
  type ClientStats,
  type CommunityHandlers,
  type RealtimeClientOptions,
  type ResyncInfo,
  type ResyncReason,
  type Subscription,
  type ThreadHandlers,
  type ThreadSubscribeOptions,
} from './types';

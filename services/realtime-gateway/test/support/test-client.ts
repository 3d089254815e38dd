/** The gateway suites' WebSocket client is the shared one from test-support. */
export { WsTestClient as TestClient, type WsFrame as Frame } from '@communities/test-support';

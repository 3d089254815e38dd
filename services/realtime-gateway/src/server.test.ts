import { type IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { pino } from 'pino';
import { type WebSocketServer } from 'ws';
import { type Authenticator } from './auth/authenticator';
import { createUpgradeHandler } from './server';

function upgradeSocket(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

describe('createUpgradeHandler', () => {
  it('gives every upgrading socket the same error listener, which holds no request', () => {
    const handle = createUpgradeHandler({
      wss: {} as WebSocketServer,
      logger: pino({ level: 'silent' }),
      authenticator: {} as Authenticator,
      originAllowed: () => true,
      accepting: () => false, // refused with 503: nothing else is needed here
      onSocket: () => undefined,
    });
    const [a, b] = [upgradeSocket(), upgradeSocket()];
    const request = (): IncomingMessage =>
      ({ url: '/ws/u1', headers: { authorization: 'Bearer t' } }) as IncomingMessage;
    handle(request(), a, Buffer.alloc(0));
    handle(request(), b, Buffer.alloc(0));
    const [listenerA] = a.listeners('error');
    expect(listenerA).toBeDefined();
    expect(b.listeners('error')[0]).toBe(listenerA);
  });
});

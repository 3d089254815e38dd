import { CLIENT_ACTIONS, DomainEvent } from '@communities/contracts';
import { CLIENT_EVENT_TYPES, buildAsyncApiDocument } from './asyncapi-document';

type Json = Record<string, unknown>;

/** Follows a local `#/a/b` reference through the document. */
function resolve(document: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((child) => refsIn(child, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

describe('AsyncAPI document', () => {
  const document = buildAsyncApiDocument('1.2.3');

  it('is an AsyncAPI 3.0 document with the three broker channels and the socket', () => {
    expect(document.asyncapi).toBe('3.0.0');
    const channels = document.channels as Record<string, { address: string }>;
    expect(Object.values(channels).map((c) => c.address)).toEqual([
      '/ws/{user_id}',
      'community:{community_id}',
      'thread:{thread_id}',
      'global:notifications',
    ]);
  });

  it('has a receive operation per client action and a send operation for every event', () => {
    const operations = document.operations as Record<string, { action: string; messages: Json[] }>;
    for (const action of CLIENT_ACTIONS) expect(operations[action]?.action).toBe('receive');
    const sent = Object.values(operations)
      .filter((op) => op.action === 'send')
      .flatMap((op) => op.messages.map((m) => String(m.$ref).split('/').pop()));
    for (const option of DomainEvent.options) {
      const type = option.shape.type.value;
      if (CLIENT_EVENT_TYPES.includes(type)) expect(sent).toContain(`${type}_event`);
      else expect(sent).not.toContain(`${type}_event`);
    }
    expect(sent).toContain('subscription_revoked_frame');
    expect(sent).toContain('resync_required_frame');
    expect(sent).toContain('reconnect_frame');
  });

  it('never documents the internal access_revoked event as something a client receives', () => {
    expect(CLIENT_EVENT_TYPES).not.toContain('access_revoked');
    expect(CLIENT_EVENT_TYPES).toContain('new_message');
    const messages = (document.components as { messages: Json }).messages;
    expect(messages).not.toHaveProperty('access_revoked_event');
    expect(messages).toHaveProperty('new_message_event');
  });

  it('documents authentication: the authenticate action, grants, security schemes, close codes', () => {
    const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas.authenticate_action?.required).toEqual(['action', 'token']);
    const joinThread = schemas.join_thread_action as { properties: Json };
    expect(joinThread.properties).toHaveProperty('grant');
    const schemes = (document.components as { securitySchemes: Json }).securitySchemes;
    expect(Object.keys(schemes)).toEqual(['bearer', 'queryToken']);
    const socket = (document.channels as Record<string, { description: string }>).socket;
    expect(socket?.description).toMatch(/4401/);
    expect(socket?.description).toMatch(/4403/);
    expect(socket?.description).toMatch(/4429 .*WS_MAX_SOCKETS_PER_MEMBER/);
  });

  it('documents resume: last_seq and epoch on joins, the ack position, drain and resume codes', () => {
    const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
    for (const join of ['join_thread_action', 'join_community_action']) {
      expect((schemas[join] as { properties: Json }).properties).toHaveProperty('last_seq');
      expect((schemas[join] as { properties: Json }).properties).toHaveProperty('epoch');
    }
    expect((schemas.ack_frame as { properties: Json }).properties).toHaveProperty('seq');
    expect(schemas.resync_required_frame?.required).toEqual(
      expect.arrayContaining(['channel', 'epoch', 'seq', 'reason']),
    );
    expect(schemas.reconnect_frame?.required).toEqual(['type', 'after_ms']);
    const socket = (document.channels as Record<string, { description: string }>).socket;
    expect(socket?.description).toMatch(/1012 .*reconnect and resume/);
    expect(socket?.description).toMatch(/1013 .*reconnect and resume/);
    expect(socket?.description).not.toMatch(/1001/);
  });

  it('resolves every $ref inside the document', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of refs) expect(resolve(document, ref)).toBeDefined();
  });
});

import { CLIENT_ACTIONS, DomainEvent } from '@communities/contracts';
import { buildAsyncApiDocument } from './asyncapi-document';

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
    for (const option of DomainEvent.options)
      expect(sent).toContain(`${option.shape.type.value}_event`);
  });

  it('resolves every $ref inside the document', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of refs) expect(resolve(document, ref)).toBeDefined();
  });
});

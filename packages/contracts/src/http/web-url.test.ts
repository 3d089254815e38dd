import { CreateCommunityBody, UpdateCommunityBody } from './community';
import { CreateMemberBody, UpdateMemberBody } from './member';
import { CreateMessageBody, UpdateMessageBody } from './message';
import { WebUrl, webUrlOrNull } from './web-url';

/** What a hostile client sends to have another member's browser run or load it. */
const DANGEROUS = [
  'javascript:alert(document.cookie)',
  'JavaScript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
  'file:///etc/passwd',
  'vbscript:msgbox(1)',
  'blob:https://example.com/0b0c',
  'ftp://example.com/a.png',
  ' java\tscript:alert(1)',
];
const NOT_ABSOLUTE = [
  '/avatars/a.png',
  '//cdn.example.com/a.png',
  'https:cdn.example.com',
  'https:///a',
];

describe('WebUrl', () => {
  it('accepts absolute https and http URLs', () => {
    for (const url of [
      'https://cdn.example.com/a.png',
      'http://localhost:8080/a.png?size=64#top',
      'https://127.0.0.1/a',
    ]) {
      expect({ url, ok: WebUrl.safeParse(url).success }).toEqual({ url, ok: true });
    }
  });

  it('refuses every other scheme, and URLs that are not absolute', () => {
    for (const url of [...DANGEROUS, ...NOT_ABSOLUTE, 'https://cdn.example.com/a b', '']) {
      expect({ url, ok: WebUrl.safeParse(url).success }).toEqual({ url, ok: false });
    }
  });

  it('refuses a dangerous URL in every body that takes one', () => {
    const member = { username: 'ada', email: 'ada@example.com', password: 'a long password' };
    for (const url of DANGEROUS) {
      expect(CreateMemberBody.safeParse({ ...member, avatar_url: url }).success).toBe(false);
      expect(UpdateMemberBody.safeParse({ avatar_url: url }).success).toBe(false);
      expect(CreateCommunityBody.safeParse({ name: 'c', avatar_url: url }).success).toBe(false);
      expect(UpdateCommunityBody.safeParse({ avatar_url: url }).success).toBe(false);
      expect(CreateMessageBody.safeParse({ content: 'hi', attachments: [url] }).success).toBe(
        false,
      );
      expect(UpdateMessageBody.safeParse({ attachments: [url] }).success).toBe(false);
    }
  });
});

describe('webUrlOrNull', () => {
  it('passes an http(s) URL through and reads anything else stored before the rule as null', () => {
    expect(webUrlOrNull('https://cdn.example.com/a.png')).toBe('https://cdn.example.com/a.png');
    expect(webUrlOrNull(null)).toBeNull();
    for (const url of [...DANGEROUS, 'not a url']) expect(webUrlOrNull(url)).toBeNull();
  });
});

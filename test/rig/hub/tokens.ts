import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { UserAccount } from './state';

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export interface TokenHolder {
  username: string;
  scope: string;
}

// Hub access tokens are JWTs; the claims mirror a decoded real one (iss https://api.docker.com/, aud
// https://hub.docker.com, a "https://hub.docker.com" claim carrying the username, 10-minute lifetime). The signature is
// HMAC because only the emulator itself verifies it.
export class TokenIssuer {
  private readonly secret = randomBytes(32);
  private readonly live = new Map<string, TokenHolder>();

  /** Every token handed out, so a test can look for any of them where no secret may be. */
  readonly issued: string[] = [];

  constructor(private readonly lifetimeSeconds: number) {}

  issue(user: UserAccount): string {
    const iat = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const claims = {
      aud: 'https://hub.docker.com',
      exp: iat + this.lifetimeSeconds,
      'https://hub.docker.com': {
        email: user.email,
        roles: [],
        session_id: jti,
        source: `docker_pat|${randomUUID()}`,
        username: user.username,
        uuid: user.profile.uuid,
      },
      iat,
      iss: 'https://api.docker.com/',
      jti,
      scope: user.scope,
    };
    const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    this.live.set(jti, { username: user.username, scope: user.scope });
    const token = `${unsigned}.${this.sign(unsigned)}`;
    this.issued.push(token);
    return token;
  }

  verify(token: string): TokenHolder | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp: number; jti: string };
    if (claims.exp <= Date.now() / 1000) return null;
    return this.live.get(claims.jti) ?? null;
  }

  expireAll(): void {
    this.live.clear();
  }

  private sign(unsigned: string): string {
    return createHmac('sha256', this.secret).update(unsigned).digest('base64url');
  }
}

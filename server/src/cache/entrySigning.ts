import { createHmac, timingSafeEqual } from 'node:crypto';
import { registerSecret } from '../http/redact';

const MAC_BYTES = 32;
const HEADER_BYTES = MAC_BYTES + 8;

/**
 * HMAC-SHA256 over what Redis holds that no digest can check (tag → digest, Hub answers, the quota ledger), with
 * DOCKERHUB_MCP_REDIS_KEY, which only the instances hold. The MAC covers the key's name, so a genuine entry cannot be
 * copied to another name (`nginx:1.0`'s digest passing for `nginx:latest`), and the expiry, so an old entry cannot be
 * replayed after its time.
 */
export class EntrySigner {
  private readonly key: Buffer;

  constructor(key: string) {
    registerSecret(key);
    this.key = Buffer.from(key, 'utf8');
  }

  /** `mac ‖ expiresAtMs (0: never) ‖ value`. */
  seal(name: string, value: Buffer, expiresAtMs: number): Buffer {
    const expiry = Buffer.alloc(8);
    expiry.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(expiresAtMs))));
    return Buffer.concat([this.mac(name, expiry, value), expiry, value]);
  }

  /** The value when the MAC holds for `name` and it has not expired; undefined otherwise. */
  open(name: string, stored: Buffer, nowMs: number): { value: Buffer; expiresAtMs: number } | undefined {
    if (stored.length < HEADER_BYTES) return undefined;
    const expiry = stored.subarray(MAC_BYTES, HEADER_BYTES);
    const value = stored.subarray(HEADER_BYTES);
    if (!timingSafeEqual(stored.subarray(0, MAC_BYTES), this.mac(name, expiry, value))) return undefined;
    const expiresAtMs = Number(expiry.readBigUInt64BE());
    if (expiresAtMs !== 0 && expiresAtMs <= nowMs) return undefined;
    return { value, expiresAtMs };
  }

  private mac(name: string, expiry: Buffer, value: Buffer): Buffer {
    return createHmac('sha256', this.key).update(name).update('\0').update(expiry).update(value).digest();
  }
}

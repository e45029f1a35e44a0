import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Protects the values of sensitive fields in field-change records: masked by default, or
 * encrypted with AES-256-GCM when a key is configured, so an auditor holding the key can still
 * see what changed while the audit store only holds ciphertext.
 *
 * Ciphertext format: `enc:v1:<key id>:<base64(iv ‖ tag ‖ ciphertext)>`; the key id (first 8 hex
 * chars of the key's SHA-256) tells which key to use after a key rotation.
 */

export interface FieldEncryptionOptions {
  /** 32-byte key: a Buffer, or 64 hex chars, or base64 of 32 bytes. */
  key: Buffer | string;
}

const PREFIX = 'enc:v1:';

export function parseKey(key: Buffer | string): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(key)) bytes = key;
  else if (/^[0-9a-fA-F]{64}$/.test(key)) bytes = Buffer.from(key, 'hex');
  else bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32) throw new Error('field encryption key must be 32 bytes (hex or base64)');
  return bytes;
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function encryptFieldValue(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${keyId(key)}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** Reverses `encryptFieldValue`; throws when the value was encrypted with another key or altered. */
export function decryptFieldValue(value: string, key: Buffer | string): string {
  const keyBytes = parseKey(key);
  if (!value.startsWith(PREFIX)) throw new Error('not an encrypted field value');
  const [id, payload] = value.slice(PREFIX.length).split(':');
  if (id !== keyId(keyBytes)) throw new Error(`value was encrypted with key ${id}, not ${keyId(keyBytes)}`);
  const raw = Buffer.from(payload ?? '', 'base64');
  const decipher = createDecipheriv('aes-256-gcm', keyBytes, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

export function isEncryptedFieldValue(value: string): boolean {
  return value.startsWith(PREFIX);
}

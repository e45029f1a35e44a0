import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

/** The Ed25519 key that signs this exporter's checkpoints. */
export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SubjectPublicKeyInfo PEM: what auditors are given. */
  publicKeyPem: string;
  path: string;
}

/** Where the signing key and writer id live when not configured: `<dataDir>/integrity/`. */
export function integrityDir(dataDir: string): string {
  return join(dataDir, 'integrity');
}

export function defaultKeyPath(dataDir: string): string {
  return join(integrityDir(dataDir), 'signing-key.pem');
}

/** Key id: the first 16 hex digits of SHA-256 over the public key's DER (SPKI) form. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function describe(privateKey: KeyObject, path: string): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `signing key ${path}: an Ed25519 private key expected, got ${privateKey.asymmetricKeyType}`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    path,
  };
}

/**
 * Loads the signing key (PKCS#8 PEM) from `path`, generating it on first start when `create`
 * (file mode 0600 in a 0700 directory). `warn` hears about a key file others may read.
 */
export function loadSigningKey(
  path: string,
  options: { create: boolean; warn?: (message: string) => void },
): SigningKey {
  if (!existsSync(path)) {
    if (!options.create) throw new Error(`signing key ${path} does not exist`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return describe(privateKey, path);
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    options.warn?.(
      `signing key ${path} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new Error(`signing key ${path}: not a PEM private key (${(error as Error).message})`);
  }
  return describe(privateKey, path);
}

/** Public keys from PEM files (public or private keys), by key id. */
export function loadPublicKeys(paths: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const path of paths) {
    const pem = readFileSync(path, 'utf8');
    let key: KeyObject;
    try {
      key = /PRIVATE KEY/.test(pem) ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    } catch (error) {
      throw new Error(`public key ${path}: not a PEM key (${(error as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`public key ${path}: not an Ed25519 key`);
    keys.set(keyIdOf(key), key);
  }
  return keys;
}

/**
 * This exporter instance's writer id: configured, or generated once and kept in
 * `<dataDir>/integrity/writer-id` so that it is stable across restarts.
 */
export function resolveWriterId(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const path = join(integrityDir(dataDir), 'writer-id');
  if (existsSync(path)) {
    const id = readFileSync(path, 'utf8').trim();
    if (id) return id;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const host = hostname()
    .replace(/[^A-Za-z0-9-]/g, '')
    .slice(0, 24);
  const id = `${host || 'exporter'}-${randomBytes(4).toString('hex')}`;
  writeFileSync(path, `${id}\n`, { mode: 0o600 });
  return id;
}

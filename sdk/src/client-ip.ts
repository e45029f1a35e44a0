import { BlockList, isIP } from 'node:net';

/**
 * Which peers may be believed when they say who the client is (X-Forwarded-For):
 * - `false` (default): nobody; the client is the socket peer.
 * - `true`: every hop; the client is the left-most address. Only behind a proxy that overwrites
 *   the header.
 * - a number n: the n proxies closest to us are trusted.
 * - addresses or CIDR ranges (`10.0.0.0/8`, `::1`): hops from those addresses are trusted.
 * - a function deciding per address.
 */
export type TrustProxy = boolean | number | readonly string[] | ((address: string, hop: number) => boolean);

export interface ClientAddressSource {
  remoteAddress: string | undefined;
  forwardedFor: string | string[] | undefined;
}

/** `::ffff:10.1.2.3` → `10.1.2.3`: the form users search for. */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

function trustList(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [network, prefix] = entry.split('/');
    const family = isIP(network ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(network ?? '', family);
    else list.addSubnet(network ?? '', Number(prefix), family);
  }
  return (address) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Compiles a TrustProxy setting into a resolver of the client address. */
export function clientAddressResolver(
  trust: TrustProxy = false,
): (source: ClientAddressSource) => string | undefined {
  const isTrusted: (address: string, hop: number) => boolean =
    typeof trust === 'function'
      ? trust
      : typeof trust === 'number'
        ? (_address, hop) => hop < trust
        : typeof trust === 'boolean'
          ? () => trust
          : (
              (check) => (address: string) =>
                check(address)
            )(trustList(trust));

  return ({ remoteAddress, forwardedFor }) => {
    const peer = remoteAddress === undefined ? undefined : normaliseAddress(remoteAddress);
    if (trust === false || forwardedFor === undefined || peer === undefined) return peer;
    const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map(normaliseAddress)
      .filter((a) => a !== '');
    // Walk from the closest hop outwards while the hop is trusted to tell who it talked to.
    const chain = [...forwarded, peer];
    let index = chain.length - 1;
    let hop = 0;
    while (index > 0 && isTrusted(chain[index] ?? '', hop)) {
      index--;
      hop++;
    }
    return chain[index];
  };
}

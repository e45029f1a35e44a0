import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddressResolver } from './client-ip.js';

const source = (remoteAddress: string, forwardedFor?: string) => ({ remoteAddress, forwardedFor });

test('without trust, X-Forwarded-For is ignored (it can be forged)', () => {
  const resolve = clientAddressResolver(false);
  assert.equal(resolve(source('::ffff:10.0.0.5', '203.0.113.1')), '10.0.0.5');
});

test('trust true: the left-most forwarded address', () => {
  const resolve = clientAddressResolver(true);
  assert.equal(resolve(source('10.0.0.5', '203.0.113.1, 10.0.0.9')), '203.0.113.1');
  assert.equal(resolve(source('10.0.0.5')), '10.0.0.5');
});

test('trust a hop count: only that many proxies closest to us', () => {
  const resolve = clientAddressResolver(1);
  // The client forged "1.1.1.1"; our one proxy appended the real peer 203.0.113.7.
  assert.equal(resolve(source('10.0.0.5', '1.1.1.1, 203.0.113.7')), '203.0.113.7');
  assert.equal(clientAddressResolver(2)(source('10.0.0.5', '1.1.1.1, 203.0.113.7')), '1.1.1.1');
});

test('trust a list of addresses and CIDR ranges, IPv4 and IPv6', () => {
  const resolve = clientAddressResolver(['10.0.0.0/8', '::1', 'fd00::/8']);
  assert.equal(resolve(source('10.1.2.3', '198.51.100.4, 10.9.9.9')), '198.51.100.4');
  assert.equal(resolve(source('::1', '2001:db8::1, fd00::2')), '2001:db8::1');
  // An untrusted peer is the client, whatever it claims.
  assert.equal(resolve(source('198.51.100.99', '1.2.3.4')), '198.51.100.99');
});

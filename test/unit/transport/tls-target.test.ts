import { describe, expect, it } from 'vitest';
import { forwardRefusal, tlsConnectOptions, tlsFailure, TlsOverSshError } from '../../../src/transport/tls-target.js';

const target = { host: '127.0.0.1', port: 2379, ca: 'CA', cert: 'CERT', key: 'KEY' };

describe('tlsConnectOptions', () => {
  it('checks an IP target against the IP and sends no SNI (Node refuses an IP there)', () => {
    const o = tlsConnectOptions(target);
    expect(o.host).toBe('127.0.0.1');
    expect(o).not.toHaveProperty('servername');
    expect(o.rejectUnauthorized).toBe(true);
    expect([o.ca, o.cert, o.key]).toEqual(['CA', 'CERT', 'KEY']);
  });
  it('checks a DNS servername and sends it as SNI, whatever host the forward goes to', () => {
    const o = tlsConnectOptions({ ...target, servername: 'kubernetes.default' });
    expect(o.host).toBe('kubernetes.default');
    expect(o.servername).toBe('kubernetes.default');
  });
  it('verifies the server unless the target says it makes its own certificate', () => {
    const o = tlsConnectOptions({ host: '127.0.0.1', port: 10257, selfSignedServer: true });
    expect(o.rejectUnauthorized).toBe(false);
    expect(o).not.toHaveProperty('ca');
    expect(o).not.toHaveProperty('cert');
  });
});

describe('forwardRefusal', () => {
  it('forwarding disabled in sshd is permanent, with the sshd_config setting as hint', () => {
    const e = forwardRefusal('10.0.0.1', '127.0.0.1', 2379, Object.assign(new Error('(SSH) Channel open failure: administratively prohibited'), { reason: 1 }));
    expect(e).toBeInstanceOf(TlsOverSshError);
    expect(e?.transient).toBe(false);
    expect(e?.hint).toMatch(/AllowTcpForwarding/);
    expect(e?.message).toMatch(/^10\.0\.0\.1: .*127\.0\.0\.1:2379/);
  });
  it('nothing listening is transient (a service that is starting answers later)', () => {
    const e = forwardRefusal('10.0.0.1', '127.0.0.1', 2379, Object.assign(new Error('(SSH) Channel open failure: Connection refused'), { reason: 2 }));
    expect(e?.transient).toBe(true);
    expect(e?.message).toMatch(/nothing answers at 127\.0\.0\.1:2379/);
  });
  it('a momentary shortage is left to the pool\'s channel retries', () => {
    expect(forwardRefusal('n', 'h', 1, Object.assign(new Error('(SSH) Channel open failure: resource shortage'), { reason: 4 }))).toBeUndefined();
  });
});

describe('tlsFailure', () => {
  it('certificate problems are permanent and say what must match', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE']) {
      const e = tlsFailure('n1', target, Object.assign(new Error('nope'), { code }));
      expect(e.transient, code).toBe(false);
      expect(e.hint).toMatch(/chain to the given CA and name 127\.0\.0\.1/);
    }
  });
  it('a reset during the handshake is transient', () => {
    const e = tlsFailure('n1', target, Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' }));
    expect(e.transient).toBe(true);
    expect(e.message).toBe('n1: TLS with 127.0.0.1:2379 (through the node) failed: Client network socket disconnected before secure TLS connection was established');
  });
});

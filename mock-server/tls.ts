/**
 * HTTPS for phones and simulators (the iOS SDK's App Transport Security wants TLS): a local
 * certificate authority, created once and kept in the data folder so that a device trusts it once,
 * and a server certificate it signs at every start for localhost, 127.0.0.1, ::1 and the public
 * URL's host. Keys are made with Node's crypto; node-forge builds and signs the certificates.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';
import { ConfigError, wallClock } from './core/index.js';

export interface CertificateAuthority {
  /** The CA certificate (PEM): what a device or client is told to trust. */
  certPem: string;
  keyPem: string;
  /** Where the certificate is kept, when it is kept. */
  certFile?: string;
}

export interface ServerCertificate {
  cert: string;
  key: string;
  /** The names it covers (DNS names and IP addresses). */
  hosts: string[];
}

const CA_NAME = 'digime-mock local CA (TEST ONLY)';
const DAY_MS = 86_400_000;

function newRsaKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** forge's key objects for a PEM private key. */
function forgeKeys(keyPem: string) {
  const privateKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
}

function serialNumber(): string {
  // Positive (high bit clear), 16 bytes.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** A new certificate authority, in memory. */
/** Certificates are checked against real time, never the mock clock. */
export function createCertificateAuthority(now = wallClock.now()): CertificateAuthority {
  const keyPem = newRsaKeyPem();
  const { privateKey, publicKey } = forgeKeys(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + 10 * 365 * DAY_MS);
  const subject = [{ name: 'commonName', value: CA_NAME }, { name: 'organizationName', value: 'digime-mock' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * The certificate authority kept in `dataDir` (`ca.pem`, and `ca-key.pem` with mode 0600), created
 * the first time. Files are written aside and linked into place, so processes starting together
 * end up with one authority. A damaged file stops the start with a line that names it.
 */
export function loadOrCreateCertificateAuthority(dataDir: string): CertificateAuthority {
  const certFile = join(dataDir, 'ca.pem');
  const keyFile = join(dataDir, 'ca-key.pem');
  if (!existsSync(keyFile)) {
    const ca = createCertificateAuthority();
    const tag = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(`${keyFile}.${tag}`, ca.keyPem, { mode: 0o600 });
      writeFileSync(`${certFile}.${tag}`, ca.certPem);
      try {
        linkSync(`${keyFile}.${tag}`, keyFile);
        renameSync(`${certFile}.${tag}`, certFile);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        unlinkSync(`${certFile}.${tag}`);
      } finally {
        unlinkSync(`${keyFile}.${tag}`);
      }
    } catch (err) {
      throw new ConfigError(`dataDir: cannot keep the certificate authority in ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const read = (file: string, what: string) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`https: ${file} cannot be read (${(err as NodeJS.ErrnoException).code}); move it away to create a new certificate authority`);
    }
    if (!text.includes(`-----BEGIN ${what}-----`)) {
      throw new ConfigError(`https: ${file} is not a PEM ${what.toLowerCase()}; move it away to create a new certificate authority`);
    }
    return text;
  };
  const ca = { certPem: read(certFile, 'CERTIFICATE'), keyPem: read(keyFile, 'PRIVATE KEY'), certFile };
  try {
    const cert = forge.pki.certificateFromPem(ca.certPem);
    const { publicKey } = forgeKeys(ca.keyPem);
    if (forge.pki.publicKeyToPem(cert.publicKey) !== forge.pki.publicKeyToPem(publicKey)) throw new Error('the key does not match');
  } catch (err) {
    throw new ConfigError(`https: ${certFile} and ${keyFile} do not make a certificate authority (${(err as Error).message}); move them away to create a new one`);
  }
  return ca;
}

/** The host part of a URL, as a certificate names it (IPv6 without brackets). */
export function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** A server certificate for `hosts`, signed by the authority, valid for 397 days (what browsers and iOS accept). */
export function issueServerCertificate(ca: CertificateAuthority, extraHosts: string[] = [], now = wallClock.now()): ServerCertificate {
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...extraHosts])];
  const keyPem = newRsaKeyPem();
  const { publicKey } = forgeKeys(keyPem);
  const issuer = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + 397 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: hosts.find((h) => !isIP(h)) ?? hosts[0]! }]);
  cert.setIssuer(issuer.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  cert.sign(forgeKeys(ca.keyPem).privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert) + ca.certPem, key: keyPem, hosts };
}

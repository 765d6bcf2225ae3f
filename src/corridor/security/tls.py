"""A local certificate authority for `corridor serve --tls` on a field laptop.

Phones reach the coordinator's laptop by its LAN address, and a phone's camera and service
worker need a secure context (HTTPS). There is no public name to get a certificate for, so
corridor makes its own small authority once, which officers install on their phones (a QR code
leads to it), and issues the laptop a server certificate for its current addresses at every
start.

The authority can only vouch for private addresses and local names: its name constraints
permit the private IPv4 ranges, loopback, ``localhost`` and ``.local`` names, and nothing else,
so a phone that trusts it cannot be fooled by it about any site on the internet, even if the
authority's key were stolen. It lives 90 days; server certificates 30 days.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from corridor.domain.errors import InvalidValue

AUTHORITY_DAYS = 90
SERVER_DAYS = 30
RENEW_BEFORE_DAYS = 7
"""An authority this close to its end is replaced (phones then install the new one)."""

PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16"))
"""The addresses the authority may vouch for."""

LOCAL_NAMES = ("localhost", "local")
"""The names it may vouch for (``local`` covers every ``*.local`` name)."""


@dataclass(frozen=True)
class Pem:
    """A private key and its certificate, PEM-encoded."""

    key: bytes
    certificate: bytes

    def loaded(self) -> x509.Certificate:
        """The certificate, parsed."""
        return x509.load_pem_x509_certificate(self.certificate)


def fingerprint(certificate_pem: bytes) -> str:
    """The SHA-256 fingerprint of a certificate, as phones show it (AB:CD:...)."""
    der = x509.load_pem_x509_certificate(certificate_pem).public_bytes(
        serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_authority(label: str, now: datetime) -> Pem:
    """A new authority named after ``label`` (the operation or the laptop), valid from ``now``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "corridor"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"corridor local authority: "
                                                              f"{label}"[:64])])
    permitted: list[x509.GeneralName] = [x509.IPAddress(network) for network in PRIVATE_NETWORKS]
    permitted += [x509.DNSName(local) for local in LOCAL_NAMES]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=AUTHORITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.NameConstraints(permitted_subtrees=permitted,
                                            excluded_subtrees=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256()))
    return Pem(_key_pem(key), certificate.public_bytes(serialization.Encoding.PEM))


def needs_renewal(authority: Pem, now: datetime) -> bool:
    """Whether the authority ends within :data:`RENEW_BEFORE_DAYS` (or has ended)."""
    ends = authority.loaded().not_valid_after_utc
    return ends - now < timedelta(days=RENEW_BEFORE_DAYS)


def _host(value: str) -> x509.GeneralName:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        name = value.strip().lower().rstrip(".")
        if name != "localhost" and not name.endswith(".local"):
            raise InvalidValue(f"{value!r} is not a private address or a .local name: the "
                               "local authority can only vouch for those", "host") from None
        return x509.DNSName(name)
    if not any(address in network for network in PRIVATE_NETWORKS):
        raise InvalidValue(f"{value} is not a private address (10.x, 172.16-31.x, 192.168.x, "
                           "127.x): the local authority cannot vouch for it", "host")
    return x509.IPAddress(address)


def issue_server(authority: Pem, hosts: list[str], now: datetime) -> Pem:
    """A server certificate for ``hosts`` (private addresses and local names), signed by the
    authority."""
    if not hosts:
        raise InvalidValue("a server certificate needs at least one address or name", "host")
    names = list(dict.fromkeys(_host(host) for host in hosts))
    ca_key = serialization.load_pem_private_key(authority.key, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise InvalidValue("the authority's key is not an elliptic-curve key", "key")
    ca = authority.loaded()
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0][:64])]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=SERVER_DAYS), ca.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256()))
    return Pem(_key_pem(key), certificate.public_bytes(serialization.Encoding.PEM))


def now_utc() -> datetime:
    """The clock certificates are made with."""
    return datetime.now(UTC)

"""A throw-away certificate authority and server certificate for the local R2 endpoint.

R2's S3 API is HTTPS only, and boto3 behaves differently over HTTPS (it moves its default
checksum into an aws-chunked trailer, which R2 refuses), so the local R2 path must be HTTPS
too. The stack makes a fresh pair whenever no other stack of the checkout runs on the old one;
the functions trust the CA through the R2_CA_BUNDLE param. Nothing here is secret: the files
live under .devstack/ and die with it.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

VALID_FOR = datetime.timedelta(days=30)


@dataclass(frozen=True)
class LocalTls:
    ca_file: Path  # what clients trust (R2_CA_BUNDLE)
    cert_file: Path  # the server's certificate followed by the CA's
    key_file: Path


def local_tls_files(directory: Path, prefix: str = "r2") -> LocalTls:
    """Where make_local_tls(directory, prefix=prefix) writes its files."""
    return LocalTls(directory / f"{prefix}-ca.pem", directory / f"{prefix}-cert.pem", directory / f"{prefix}-key.pem")


def make_local_tls(
    directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"), prefix: str = "r2"
) -> LocalTls:
    """Writes <prefix>-ca.pem, <prefix>-cert.pem and <prefix>-key.pem into `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    not_before, not_after = now - datetime.timedelta(minutes=5), now + VALID_FOR

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Phoenix local R2 CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    directory.mkdir(parents=True, exist_ok=True)
    tls = local_tls_files(directory, prefix)
    pem = serialization.Encoding.PEM
    tls.ca_file.write_bytes(ca_cert.public_bytes(pem))
    tls.cert_file.write_bytes(cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    tls.key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    tls.key_file.chmod(0o600)
    return tls

"""A certificate authority the tests make for themselves, and the certificates it signs (a day
long, EC P-256): server certificates for loopback names and addresses, client certificates."""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def pem(key: ec.EllipticCurvePrivateKey) -> str:
    """A private key in PEM (PKCS #8, unencrypted)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def subject_name(name: str) -> x509.GeneralName:
    """A subject alternative name: an IP address, or else a DNS name."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@dataclasses.dataclass(frozen=True)
class Issued:
    """A certificate and its key, in PEM, as a kubernetes.io/tls Secret holds them."""

    cert: str
    key: str

    def secret(self) -> dict[str, str]:
        """The keys of its kubernetes.io/tls Secret."""
        return {"tls.crt": self.cert, "tls.key": self.key}

    def write(self, folder: Path, stem: str) -> tuple[Path, Path]:
        """Write <stem>.crt and <stem>.key (readable by their owner only) and return them."""
        folder.mkdir(parents=True, exist_ok=True)
        cert, key = folder / f"{stem}.crt", folder / f"{stem}.key"
        cert.write_text(self.cert)
        key.touch(mode=0o600)
        key.write_text(self.key)
        return cert, key


class CertificateAuthority:
    """A self-signed CA that signs server and client certificates."""

    def __init__(self, name: str = "glance test CA") -> None:
        """Make the CA's key and certificate."""
        self.name = name
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._cert = self._sign(name, self._key.public_key(), ca=True)

    @property
    def pem(self) -> str:
        """The CA's certificate in PEM: the bundle that verifies what it signs."""
        return self._cert.public_bytes(serialization.Encoding.PEM).decode()

    def write(self, path: Path) -> Path:
        """Write the CA bundle to a file and return its path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.pem)
        return path

    def issue(self, subject: str, *names: str, client: bool = False) -> Issued:
        """A certificate for `subject` that names `names` (host names or addresses), for a
        server, or for a client with client=True."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self._sign(subject, key.public_key(), names=names, client=client)
        return Issued(cert.public_bytes(serialization.Encoding.PEM).decode(), pem(key))

    def _sign(
        self,
        subject: str,
        public_key: ec.EllipticCurvePublicKey,
        ca: bool = False,
        names: tuple[str, ...] = (),
        client: bool = False,
    ) -> x509.Certificate:
        """A certificate for a day, signed by the CA (by its own key for the CA's own)."""
        now = datetime.datetime.now(datetime.UTC)
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([subject_name(name) for name in names]),
                critical=False,
            )
        return builder.sign(self._key, hashes.SHA256())

"""TLS for remote Dask clusters: certificate options, their checks, and a private CA.

Whoever can reach a Dask scheduler port can run arbitrary code on every worker,
so a cluster that other machines can reach must speak ``tls://``. Dask's TLS is
mutual: the scheduler, every worker and every client present a certificate
signed by the cluster's own certificate authority (CA), and connections without
one are refused. Host names are not checked, so the CA must be private to the
cluster.

This module gives the batch system's command line three options
(``--tls-ca-file``, ``--tls-cert``, ``--tls-key``), turns them into a
:class:`distributed.Security` with clear errors for every way they can be
wrong, and can write a private CA plus one certificate for all cluster members::

    python -m orchestration.security certs --host scheduler.example.org

Instead of the options, the standard Dask configuration also works (a YAML file
under ``~/.config/dask/`` or the environment variables in :data:`TLS_ENVIRONMENT`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import ipaddress
import os
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from skibidy.errors import SkibidyError

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Security

__all__ = [
    "TLS_ENVIRONMENT",
    "CertificateFiles",
    "add_tls_arguments",
    "address_scheme",
    "secure_choice",
    "security_for",
    "security_from_args",
    "write_certificates",
]

#: Environment variables that configure a client's TLS without command-line options
#: (Dask reads them into ``distributed.comm.tls.*``).
TLS_ENVIRONMENT = {
    "ca_file": "DASK_DISTRIBUTED__COMM__TLS__CA_FILE",
    "cert": "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT",
    "key": "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY",
    "require_encryption": "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION",
}

_FIX = (
    "pass --tls-ca-file CA.pem --tls-cert CERT.pem --tls-key KEY.pem, or set "
    f"{TLS_ENVIRONMENT['ca_file']}, {TLS_ENVIRONMENT['cert']} and {TLS_ENVIRONMENT['key']}"
)


def add_tls_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--tls-ca-file``, ``--tls-cert`` and ``--tls-key`` to a subcommand.

    Parameters
    ----------
    parser
        The subcommand's parser (``sweep``, ``batch``). The values land in
        ``args.tls_ca_file``, ``args.tls_cert`` and ``args.tls_key``; give the
        parsed namespace to :func:`security_from_args`.
    """
    group = parser.add_argument_group(
        "TLS", "certificates for a tls:// scheduler (see README, 'Running on a cluster')"
    )
    group.add_argument(
        "--tls-ca-file", metavar="PEM", type=Path, default=None,
        help="the cluster's CA certificate",
    )
    group.add_argument(
        "--tls-cert", metavar="PEM", type=Path, default=None,
        help="this client's certificate, signed by that CA",
    )
    group.add_argument(
        "--tls-key", metavar="PEM", type=Path, default=None,
        help="the private key of --tls-cert (omit if it is appended to the certificate)",
    )


def address_scheme(address: str) -> str:
    """Return the protocol of a Dask address (``"tcp"`` when none is written).

    Examples
    --------
    >>> address_scheme("tls://10.0.0.5:8786")
    'tls'
    >>> address_scheme("localhost:8786")
    'tcp'
    """
    return address.split("://", 1)[0].lower() if "://" in address else "tcp"


def security_from_args(address: str | None, args: argparse.Namespace) -> "Security | None":
    """:func:`security_for` with the options added by :func:`add_tls_arguments`."""
    return security_for(
        address,
        ca_file=getattr(args, "tls_ca_file", None),
        cert=getattr(args, "tls_cert", None),
        key=getattr(args, "tls_key", None),
    )


def security_for(
    address: str | None,
    *,
    ca_file: str | os.PathLike[str] | None = None,
    cert: str | os.PathLike[str] | None = None,
    key: str | os.PathLike[str] | None = None,
) -> "Security | None":
    """Return the client-side security for connecting to ``address``.

    Parameters
    ----------
    address
        The scheduler address the client will connect to, or ``None`` for an
        embedded local cluster.
    ca_file, cert, key
        PEM files: the cluster's CA, this client's certificate and its private
        key (``key`` may be omitted when it is appended to ``cert``).

    Returns
    -------
    distributed.Security or None
        A security object that requires encryption when certificates were
        given; ``None`` when Dask's defaults apply (plain ``tcp://``, or
        ``tls://`` configured through Dask's configuration or environment).

    Raises
    ------
    SkibidyError
        Certificates given for a non-TLS address or without an address, a
        ``tls://`` address without certificates, an incomplete set of files, a
        missing or unreadable file, or files that do not form a valid
        certificate/key pair. Each message names the fix.
    """
    given = {"--tls-ca-file": ca_file, "--tls-cert": cert, "--tls-key": key}
    named = [flag for flag, value in given.items() if value is not None]
    if address is None:
        if named:
            raise SkibidyError(
                f"{', '.join(named)} only apply to a remote scheduler: "
                "add --scheduler tls://HOST:PORT"
            )
        return None
    scheme = address_scheme(address)
    if scheme != "tls":
        if named:
            host_port = address.split("://", 1)[-1]
            raise SkibidyError(
                f"{', '.join(named)} given, but the scheduler address {address!r} does not use "
                f"TLS: write tls://{host_port}"
            )
        return None
    if not named:
        if _tls_configured():
            return None  # distributed.Security() reads the Dask configuration itself
        raise SkibidyError(f"the scheduler address {address!r} uses TLS but no certificates were given: {_FIX}")
    if ca_file is None or cert is None:
        missing = [flag for flag in ("--tls-ca-file", "--tls-cert") if given[flag] is None]
        raise SkibidyError(f"TLS needs the CA and a client certificate: add {' and '.join(missing)}")
    paths = {flag: _readable(flag, value) for flag, value in given.items() if value is not None}

    from distributed import Security

    security = Security(
        tls_ca_file=paths["--tls-ca-file"],
        tls_client_cert=paths["--tls-cert"],
        tls_client_key=paths.get("--tls-key"),
        require_encryption=True,
    )
    try:  # build the SSL context now, so a bad file fails here and not on connect
        security.get_connection_args("client")
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise SkibidyError(
            f"could not load the TLS files (CA {paths['--tls-ca-file']}, certificate "
            f"{paths['--tls-cert']}, key {paths.get('--tls-key', 'inside the certificate')}): "
            f"{exc}. Check that they are PEM files and that the key belongs to the certificate"
        ) from exc
    return security


def secure_choice(choice: Any, args: argparse.Namespace | None, table: Mapping[str, Any] | None) -> Any:
    """Attach the client's TLS security to a resolved cluster choice.

    The ``--tls-*`` options win; without them, the ``tls_*`` keys of the
    ``[cluster]`` table apply when the address came from that table; otherwise
    Dask's configuration does (see :func:`security_for`).

    Parameters
    ----------
    choice
        An :class:`orchestration.cluster.ClusterChoice` (its ``address`` and
        ``source`` are read, a copy with ``security`` set is returned).
    args
        The parsed command line (``None`` from the Python API).
    table
        The sweep config's ``[cluster]`` table, if any.

    Returns
    -------
    ClusterChoice
    """
    if any(getattr(args, name, None) for name in ("tls_ca_file", "tls_cert", "tls_key")):
        security = security_from_args(choice.address, args)
    elif table and choice.source == "[cluster]":
        security = security_for(
            choice.address, ca_file=table.get("tls_ca_file"), cert=table.get("tls_cert"),
            key=table.get("tls_key"),
        )
    else:
        security = security_for(choice.address)
    return dataclasses.replace(choice, security=security)


def _tls_configured() -> bool:
    import dask.config

    return bool(
        dask.config.get("distributed.comm.tls.ca-file", None)
        and dask.config.get("distributed.comm.tls.client.cert", None)
    )


def _readable(flag: str, value: str | os.PathLike[str]) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        raise SkibidyError(f"{flag} {str(value)!r}: no such file")
    if not os.access(path, os.R_OK):
        raise SkibidyError(f"{flag} {str(value)!r}: the file is not readable by this user")
    return str(path)


@dataclass(frozen=True)
class CertificateFiles:
    """Paths written by :func:`write_certificates`.

    Attributes
    ----------
    ca
        The CA certificate: give it to every scheduler, worker and client.
    ca_key
        The CA's private key: keep it off the cluster; it signs new certificates.
    cert, key
        One certificate and key, signed by the CA, usable by the scheduler,
        the workers and the clients (``--tls-cert`` / ``--tls-key``).
    """

    ca: Path
    ca_key: Path
    cert: Path
    key: Path


def write_certificates(
    directory: str | os.PathLike[str],
    hosts: Iterable[str] = ("localhost", "127.0.0.1"),
    *,
    days: int = 365,
    overwrite: bool = False,
) -> CertificateFiles:
    """Write a private CA and one certificate for every member of a cluster.

    Parameters
    ----------
    directory
        Where to write ``ca.pem``, ``ca-key.pem``, ``node.pem`` and
        ``node-key.pem`` (created if needed). Keys are written with mode 0600.
    hosts
        Host names and IP addresses recorded in the certificate's subject
        alternative names. Dask does not check them, but other TLS tools do.
    days
        Validity of both certificates.
    overwrite
        Replace existing files instead of refusing.

    Returns
    -------
    CertificateFiles
        The four paths.

    Raises
    ------
    SkibidyError
        ``cryptography`` is not installed, or the files exist and
        ``overwrite`` is false.
    """
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:
        raise SkibidyError(
            "writing certificates needs the 'cryptography' package: pip install cryptography "
            "(or make them with openssl; see the README section 'Running on a cluster')"
        ) from exc

    out = Path(directory)
    files = CertificateFiles(out / "ca.pem", out / "ca-key.pem", out / "node.pem", out / "node-key.pem")
    existing = [str(p) for p in vars(files).values() if p.exists()]
    if existing and not overwrite:
        raise SkibidyError(f"refusing to overwrite {', '.join(existing)}: choose another directory")
    out.mkdir(parents=True, exist_ok=True)

    now = datetime.datetime.now(datetime.timezone.utc)
    valid_from, valid_to = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=days)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skibidy cluster CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    node_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    node_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skibidy cluster member")]))
        .issuer_name(ca_name)
        .public_key(node_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    def private(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    _write(files.ca, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(files.ca_key, private(ca_key), 0o600)
    _write(files.cert, node_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(files.key, private(node_key), 0o600)
    return files


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m orchestration.security DIR``: write a CA and a cluster certificate."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.security",
        description="Write a private CA and one certificate for a Dask cluster's TLS.",
    )
    parser.add_argument("directory", type=Path, help="where to write the PEM files")
    parser.add_argument(
        "--host", action="append", default=None, metavar="NAME",
        help="host name or IP put in the certificate (repeatable; default localhost and 127.0.0.1)",
    )
    parser.add_argument("--days", type=int, default=365, help="validity in days (default 365)")
    args = parser.parse_args(argv)
    hosts = args.host or ["localhost", "127.0.0.1"]
    try:
        files = write_certificates(args.directory, hosts, days=args.days)
    except SkibidyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {files.ca}, {files.cert}, {files.key} (and the CA key {files.ca_key}: keep it off the cluster)\n"
        f"client options: --tls-ca-file {files.ca} --tls-cert {files.cert} --tls-key {files.key}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

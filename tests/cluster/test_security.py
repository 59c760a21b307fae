"""TLS options: every way they can be wrong gives one clear error; certificates are sound."""

from __future__ import annotations

import argparse
import ssl
import stat
from pathlib import Path
from typing import Iterator

import pytest

from orchestration.security import (
    TLS_ENVIRONMENT,
    add_tls_arguments,
    address_scheme,
    main,
    security_for,
    security_from_args,
    write_certificates,
)
from skibidy.errors import SkibidyError

pytestmark = pytest.mark.cluster

TLS = "tls://127.0.0.1:8786"


def _files(certs: Path) -> dict[str, Path]:
    return {"ca_file": certs / "ca.pem", "cert": certs / "node.pem", "key": certs / "node-key.pem"}


@pytest.fixture(autouse=True)
def _no_tls_config() -> Iterator[None]:
    """Start each test from a Dask configuration without TLS files."""
    import dask.config
    import distributed  # noqa: F401  (its config defaults must exist before the set below)

    with dask.config.set({"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None}):
        yield


def test_plain_tcp_needs_no_security() -> None:
    assert security_for("tcp://127.0.0.1:8786") is None
    assert security_for(None) is None


def test_certificates_give_a_security_that_requires_encryption(certificates: Path) -> None:
    security = security_for(TLS, **_files(certificates))
    assert security.require_encryption is True
    assert security.tls_ca_file == str(certificates / "ca.pem")
    context = security.get_connection_args("client")["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_tls_address_without_certificates_names_the_options_and_variables() -> None:
    with pytest.raises(SkibidyError) as exc:
        security_for(TLS)
    message = str(exc.value)
    assert "--tls-ca-file" in message and TLS_ENVIRONMENT["ca_file"] in message


def test_tls_address_with_dask_configuration_uses_it(certificates: Path) -> None:
    import dask.config

    files = _files(certificates)
    with dask.config.set({
        "distributed.comm.tls.ca-file": str(files["ca_file"]),
        "distributed.comm.tls.client.cert": str(files["cert"]),
    }):
        assert security_for(TLS) is None  # distributed.Security() reads the configuration


def test_certificates_for_a_tcp_address_ask_for_tls(certificates: Path) -> None:
    with pytest.raises(SkibidyError, match=r"write tls://10\.0\.0\.5:8786"):
        security_for("tcp://10.0.0.5:8786", **_files(certificates))


def test_certificates_without_a_scheduler_ask_for_one(certificates: Path) -> None:
    with pytest.raises(SkibidyError, match="--scheduler tls://"):
        security_for(None, ca_file=certificates / "ca.pem")


def test_incomplete_certificates_name_the_missing_option(certificates: Path) -> None:
    with pytest.raises(SkibidyError, match="add --tls-cert"):
        security_for(TLS, ca_file=certificates / "ca.pem")


def test_missing_file_is_named(certificates: Path, tmp_path: Path) -> None:
    files = {**_files(certificates), "key": tmp_path / "nope.pem"}
    with pytest.raises(SkibidyError, match=r"--tls-key .*nope\.pem.*no such file"):
        security_for(TLS, **files)


def test_key_of_another_certificate_is_rejected_before_connecting(
    certificates: Path, tmp_path: Path
) -> None:
    other = write_certificates(tmp_path / "other")
    with pytest.raises(SkibidyError, match="key belongs to the certificate"):
        security_for(TLS, ca_file=certificates / "ca.pem", cert=certificates / "node.pem", key=other.key)


def test_cli_options_reach_security(certificates: Path) -> None:
    parser = argparse.ArgumentParser()
    add_tls_arguments(parser)
    files = _files(certificates)
    args = parser.parse_args(
        ["--tls-ca-file", str(files["ca_file"]), "--tls-cert", str(files["cert"]), "--tls-key", str(files["key"])]
    )
    assert security_from_args(TLS, args).tls_client_key == str(files["key"])
    assert security_from_args("tcp://h:1", parser.parse_args([])) is None


def test_address_scheme() -> None:
    assert address_scheme("TLS://h:1") == "tls"
    assert address_scheme("h:8786") == "tcp"


def test_written_certificates_chain_to_the_ca_and_keys_are_private(tmp_path: Path) -> None:
    from cryptography import x509

    files = write_certificates(tmp_path, ["localhost", "127.0.0.1", "node.example.org"])
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "node.example.org" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    for key in (files.key, files.ca_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_existing_certificates_are_not_overwritten(tmp_path: Path) -> None:
    write_certificates(tmp_path)
    with pytest.raises(SkibidyError, match="refusing to overwrite"):
        write_certificates(tmp_path)


def test_module_command_writes_certificates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "certs"), "--host", "scheduler.example.org"]) == 0
    assert "--tls-ca-file" in capsys.readouterr().out
    assert (tmp_path / "certs" / "node-key.pem").is_file()
    assert main([str(tmp_path / "certs")]) == 2


def test_command_line_files_win_over_the_cluster_table(certificates: Path, tmp_path: Path) -> None:
    from dataclasses import dataclass
    from typing import Any

    from orchestration.security import secure_choice

    @dataclass(frozen=True)
    class Choice:
        address: str
        source: str
        security: Any = None

    files = _files(certificates)
    table = {"scheduler": TLS, "tls_ca_file": str(files["ca_file"]), "tls_cert": str(files["cert"]),
             "tls_key": str(files["key"])}
    from_table = secure_choice(Choice(TLS, "[cluster]"), None, table)
    assert from_table.security.tls_client_cert == str(files["cert"])

    other = write_certificates(tmp_path / "other")
    args = argparse.Namespace(tls_ca_file=other.ca, tls_cert=other.cert, tls_key=other.key)
    from_args = secure_choice(Choice(TLS, "--scheduler"), args, table)
    assert from_args.security.tls_client_cert == str(other.cert)

    with pytest.raises(SkibidyError, match="no certificates were given"):
        secure_choice(Choice(TLS, "--scheduler"), argparse.Namespace(), table)  # table is not its source

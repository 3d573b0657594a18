"""Which setting can help with a TLS certificate that does not verify.

One table for every client that verifies a server (the IMAP poller, the outbound
relay): a certificate made out to other names wants another host name, one that
expired or was revoked wants the server fixed, and only the others (an unknown or
missing issuer, a self-signed certificate) are helped by naming a CA file. Saying
"set ca_file" for all of them sent administrators to the one setting that cannot help.
"""

from __future__ import annotations

from enum import Enum


class CertFix(Enum):
    HOST = "host"  # valid, but for other names: the host setting is what to change
    SERVER = "server"  # the certificate itself does not fit: no setting of ours helps
    CA_FILE = "ca_file"  # an issuer we do not know: a CA file that names it helps


# OpenSSL's verify codes (X509_V_ERR_*, ssl.SSLCertVerificationError.verify_code)
# after which no CA in a CA file can help; every other code is CertFix.CA_FILE
FIX_BY_CODE: dict[int, CertFix] = {
    62: CertFix.HOST,  # HOSTNAME_MISMATCH: valid, for other names
    64: CertFix.HOST,  # IP_ADDRESS_MISMATCH: valid, for other addresses
    9: CertFix.SERVER,  # CERT_NOT_YET_VALID (or this machine's clock is behind: said so)
    10: CertFix.SERVER,  # CERT_HAS_EXPIRED
    23: CertFix.SERVER,  # CERT_REVOKED
}


def cert_fix(exc: BaseException) -> CertFix:
    """What can help with ``exc``, an ``ssl.SSLCertVerificationError`` (its
    ``verify_code`` is unset on one raised by hand: then a CA file, as before)."""
    code = getattr(exc, "verify_code", None)
    return FIX_BY_CODE.get(code, CertFix.CA_FILE) if isinstance(code, int) else CertFix.CA_FILE

"""An operating-system error said in the reader's language.

``OSError.strerror`` is the C library's English ("No such file or directory",
"Connection refused"); put into a translated message it leaves an English sentence
in a Japanese mail, page or CLI line. Everything that shows a person why a file,
a socket, a name lookup or a TLS handshake failed says it with :func:`os_error`,
which looks the failure up in the tables below (a comment per row) and, for one
that no row names, says its errno name (``ENOTUNIQ``) or its class — a code a
person can look up, never the library's prose. ``str()`` of the result is the
English, for logs.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gateway.core.i18n import N_, Msg

if TYPE_CHECKING:
    import socket
    import ssl

# errno -> what a person reads. One row per failure our files, pipes and sockets meet.
ERRNO_SAID: Mapping[int, Msg] = {
    errno.ENOENT: N_("no such file or folder"),  # open/stat of a path that is not there
    errno.EACCES: N_("permission denied"),  # mode bits or an ACL refuse our user
    errno.EPERM: N_("operation not permitted"),  # refused whatever the mode (chown, immutable)
    errno.EISDIR: N_("it is a folder, not a file"),  # a folder named where a file belongs
    errno.ENOTDIR: N_("a part of the path is not a folder"),  # file/x, or a folder wanted
    errno.ENOSPC: N_("no space left on the disk"),  # the file system is full
    errno.EDQUOT: N_("the disk quota is used up"),  # our user's quota, not the disk
    errno.EROFS: N_("the file system is mounted read-only"),  # a read-only mount or image
    errno.EEXIST: N_("it exists already"),  # exclusive create of a name that is taken
    errno.ENOTEMPTY: N_("the folder is not empty"),  # rmdir/rename over a full folder
    errno.EMFILE: N_("too many open files in this process"),  # our descriptor limit
    errno.ENFILE: N_("too many open files on this machine"),  # the system's file table
    errno.ENAMETOOLONG: N_("the file name is too long"),  # a name over NAME_MAX/PATH_MAX
    errno.ELOOP: N_("too many symbolic links (a link that points at itself?)"),  # link loop
    errno.EIO: N_("input/output error (a failing disk or network file system)"),  # device
    errno.EBUSY: N_("the file or device is busy"),  # a mount point, a locked device
    errno.ETXTBSY: N_("the file is busy (a running program)"),  # write to a running binary
    errno.EFBIG: N_("the file is too large"),  # RLIMIT_FSIZE or the file system's limit
    errno.ENXIO: N_("no such device, or a named pipe nobody reads"),  # O_NONBLOCK FIFO write
    errno.ENODEV: N_("no such device"),  # a device node without a driver
    errno.EAGAIN: N_("the resource is busy now, try again"),  # non-blocking, would block
    errno.EINVAL: N_("an invalid argument for this file or socket"),  # e.g. a bad port
    errno.EPIPE: N_("the other side closed the connection"),  # write to a closed pipe
    errno.ECONNREFUSED: N_("connection refused (nothing listens on that port)"),  # RST on SYN
    errno.ECONNRESET: N_("the connection was reset by the other side"),  # RST mid-session
    errno.ECONNABORTED: N_("the connection was aborted"),  # aborted by our own stack
    errno.ETIMEDOUT: N_("timed out"),  # the kernel gave up connecting or waiting
    errno.EHOSTUNREACH: N_("no route to the host"),  # ICMP host unreachable, firewall
    errno.ENETUNREACH: N_("the network is unreachable"),  # no route to the network at all
    errno.ENETDOWN: N_("the network is down"),  # the interface is down
    errno.EADDRINUSE: N_("the address is already in use (another program listens there)"),
    errno.EADDRNOTAVAIL: N_("the address is not one of this machine's"),  # bind to a foreign IP
    errno.ENOTCONN: N_("not connected"),  # a socket the other side already left
    errno.ENOMEM: N_("out of memory"),  # the kernel could not allocate
    errno.ENOEXEC: N_("not a program this machine can run"),  # exec of a non-executable
    errno.E2BIG: N_("the argument list is too long"),  # exec with too large argv/env
    errno.EBADF: N_("it is closed"),  # a descriptor not open: standard output shut (>&-)
}

# getaddrinfo's EAI_* codes (socket.gaierror's errno), by name: the numbers differ
# from one C library to another.
EAI_SAID: Mapping[str, Msg] = {
    "EAI_NONAME": N_("no such host name (the DNS does not know it)"),  # NXDOMAIN, a typo
    "EAI_NODATA": N_("the host name has no address"),  # a name with no A/AAAA record
    "EAI_AGAIN": N_("the name server did not answer; try again later"),  # DNS down
    "EAI_FAIL": N_("the name server failed"),  # SERVFAIL
    "EAI_SERVICE": N_("unknown service or port"),  # a port name /etc/services lacks
    "EAI_ADDRFAMILY": N_("the host name has no address of this kind"),  # IPv6 only, etc.
}

# OpenSSL's X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code).
CERT_SAID: Mapping[int, Msg] = {
    10: N_("the server's certificate has expired"),  # X509_V_ERR_CERT_HAS_EXPIRED
    9: N_("the server's certificate is not valid yet (is the clock right?)"),  # NOT_YET_VALID
    18: N_("the server's certificate is self-signed and not trusted"),  # DEPTH_ZERO_SELF_SIGNED
    19: N_("the server's certificate chain ends in an untrusted self-signed CA"),  # IN_CHAIN
    20: N_("the server's certificate was issued by a CA we do not trust (set ca_file?)"),
    21: N_("the server's certificate cannot be verified: its issuer is missing"),  # LEAF
    23: N_("the server's certificate has been revoked"),  # X509_V_ERR_CERT_REVOKED
    62: N_("the server's certificate is not for this host name"),  # HOSTNAME_MISMATCH
    64: N_("the server's certificate is not for this address"),  # IP_ADDRESS_MISMATCH
}

# Exception classes that carry no errno (or whose errno says less than the class),
# by module and name: ``ssl`` is not imported for this (the MTA pipe starts lean), and
# an exception of a module nobody imported cannot happen. The first that fits wins.
CLASS_SAID: tuple[tuple[str, str, Msg], ...] = (
    ("builtins", "TimeoutError", N_("timed out")),  # socket.timeout is TimeoutError (3.10)
    ("ssl", "SSLZeroReturnError", N_("the server closed the TLS connection")),  # close_notify
    ("ssl", "SSLEOFError", N_("the TLS connection was cut off")),  # EOF, no close_notify
    ("builtins", "ConnectionRefusedError", ERRNO_SAID[errno.ECONNREFUSED]),  # no errno: asyncio
    ("builtins", "ConnectionResetError", ERRNO_SAID[errno.ECONNRESET]),  # the same
    ("builtins", "BrokenPipeError", ERRNO_SAID[errno.EPIPE]),  # the same
    ("builtins", "FileNotFoundError", ERRNO_SAID[errno.ENOENT]),  # raised by hand, no errno
    ("builtins", "PermissionError", ERRNO_SAID[errno.EACCES]),  # the same
    ("smtplib", "SMTPServerDisconnected", N_("the server closed the connection")),  # no cause
)


def os_error(exc: BaseException) -> Msg:
    """Why ``exc`` (an OSError, a TLS or name-lookup failure) happened, in our words:
    a row of the tables above, else its errno name or its TLS reason code, else its
    class name; never the library's English sentence. A :class:`Msg` whose ``str()``
    is English, for logs."""
    ssl_module, socket_module = sys.modules.get("ssl"), sys.modules.get("socket")
    if socket_module is not None and isinstance(exc, socket_module.gaierror):
        return _unresolved(exc, socket_module)
    # an SSLError's errno is OpenSSL's SSL_ERROR_* (1: SSL_ERROR_SSL), not the system's
    tls = ssl_module is not None and isinstance(exc, ssl_module.SSLError)
    code = exc.errno if isinstance(exc, OSError) and isinstance(exc.errno, int) else None
    if not tls and code is not None and code in ERRNO_SAID:
        return ERRNO_SAID[code]
    inner = exc.__cause__ or exc.__context__  # smtplib's "Connection unexpectedly closed:
    if code is None and isinstance(inner, OSError) and inner is not exc:  # timed out"
        return os_error(inner)
    for module_name, class_name, said in CLASS_SAID:
        kind = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(kind, type) and isinstance(exc, kind):
            return said
    if ssl_module is not None and isinstance(exc, ssl_module.SSLCertVerificationError):
        return _unverified(exc)
    if tls:
        return _coded(N_("the TLS handshake failed"), exc)
    if code is not None and code > 0:
        return N_("system error {code}", code=errno.errorcode.get(code, str(code)))
    return N_("system error {code}", code=type(exc).__name__)


def _unverified(exc: ssl.SSLCertVerificationError) -> Msg:
    """A certificate the handshake refused: OpenSSL's verify code said, else its reason code."""
    code = getattr(exc, "verify_code", None)  # unset on one raised by hand
    said = CERT_SAID.get(code) if isinstance(code, int) else None
    return said or _coded(N_("the server's certificate could not be verified"), exc)


def _unresolved(exc: socket.gaierror, socket_module: object) -> Msg:
    """A name lookup that failed: the resolver's EAI_* code said, else named."""
    names = [n for n in dir(socket_module) if n.startswith("EAI_")]
    name = next((n for n in names if getattr(socket_module, n) == exc.errno), str(exc.errno))
    said = EAI_SAID.get(name)
    return said or N_("the host name cannot be resolved ({code})", code=name)


def _coded(said: Msg, exc: BaseException) -> Msg:
    """``said`` with OpenSSL's reason code (``WRONG_VERSION_NUMBER``): a code, not prose."""
    reason = getattr(exc, "reason", None)
    if not reason:
        return said
    return N_("{problem} ({code})", problem=said, code=str(reason))

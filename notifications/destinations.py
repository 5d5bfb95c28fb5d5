"""Where a webhook may go: public addresses only, unless the operator allows a private network.

Server-side request forgery guard. A subscription URL is checked when it is saved (early, friendly
feedback) and again at every send, where it matters: the host name is resolved, every address it
resolves to must be public (or inside `NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS`), and the sender
then connects to exactly those checked addresses (see `delivery.post_webhook`), so a DNS answer
that changes between check and connect (rebinding) cannot bypass the check.

Not public: loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 incl. cloud metadata,
fe80::/10), multicast, reserved, unspecified (0.0.0.0, ::), shared/benchmarking/documentation
ranges, and the same IPv4 addresses wrapped in IPv6 (::ffff:a.b.c.d, 6to4, NAT64)."""

import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from . import conf

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
SETTING_HINT = (
    "Webhooks may only go to public addresses; an operator can allow private networks with "
    "OPSDESK_WEBHOOK_ALLOWED_NETWORKS."
)


class Refused(Exception):
    """The destination is not allowed; retrying cannot help."""


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, 6to4, NAT64), if any."""
    if address.version == 4:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public_kind(address: IPAddress) -> str | None:
    """Why `address` is not a public destination ("loopback", "private", ...), or None if it is."""
    address = embedded_ipv4(address) or address
    checks = [
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("site-local", getattr(address, "is_site_local", False)),
        ("non-global", not address.is_global),
    ]
    return next((kind for kind, matches in checks if matches), None)


@lru_cache(maxsize=8)
def _parse_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in value.replace(";", ",").split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError as exc:
                raise ImproperlyConfigured(f"OPSDESK_WEBHOOK_ALLOWED_NETWORKS: {exc}") from exc
    return tuple(networks)


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The operator's exceptions: a comma-separated string or a list of CIDR networks."""
    value = conf.get("WEBHOOK_ALLOWED_NETWORKS") or ""
    if not isinstance(value, str):
        value = ",".join(map(str, value))
    return _parse_networks(value)


def _allowed(address: IPAddress) -> bool:
    candidates = {address, embedded_ipv4(address) or address}
    return any(a in net for net in allowed_networks() for a in candidates if a.version == net.version)


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be sent to ("a loopback address"), or None if it may."""
    kind = non_public_kind(address)
    if kind is None or _allowed(address):
        return None
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} address"


@dataclass(frozen=True)
class Destination:
    """A checked webhook target: connect to `addresses` (in order), speak to `host` (Host/SNI)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError as exc:
        raise Refused(f"Not a valid URL: {exc}.") from exc
    if scheme not in DEFAULT_PORTS or not host:
        raise Refused(f"Not an http(s) URL: {url!r}.")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise Refused(f"Not a valid host name: {host!r}.") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or DEFAULT_PORTS[scheme], path


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(url: str) -> Destination:
    """Resolve and check a webhook URL for sending. Raises `Refused` (never worth retrying) or
    `OSError` (`socket.gaierror`: the name does not resolve now; worth retrying)."""
    scheme, host, port, path = _split(url)
    if (literal := _literal(host)) is not None:
        addresses = [literal]
    else:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        # Strip an IPv6 zone ("fe80::1%eth0"): the address itself is what is classified.
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if refused := [f"{address}, {reason}" for address in addresses if (reason := refusal(address))]:
        what = (
            f"{literal} is {refusal(literal)}"
            if literal is not None
            else f"{host} resolves to {'; '.join(refused)}"
        )
        raise Refused(f"Refused destination: {what}. {SETTING_HINT}")
    return Destination(scheme, host, port, path, tuple(str(address) for address in addresses))


def url_refusal(url: str) -> str | None:
    """For forms and the API: why `url` is refused, or None. A name that does not resolve now is
    accepted (it may be created later); it is checked again, like every name, at each send."""
    try:
        resolve(url)
    except Refused as exc:
        return str(exc)
    except OSError:
        return None
    return None

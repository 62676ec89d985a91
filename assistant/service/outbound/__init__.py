"""Outbound-request policy for every delivery and callback (server-side request forgery guard).

A delivery or callback URL comes from a client (`delivery.postiz.base_url`, `delivery.wecom.webhook_url`,
`callback_url`), so without a guard any API key could make the server POST to its own loopback services, the
office LAN or the cloud metadata endpoint (169.254.169.254) and read the answer back. The policy lives here, in
one place:

- `addresses`: which addresses are public (tables, not `ip.is_global`);
- `policy`: `OutboundPolicy` (URL checks without DNS, address checks after DNS) and the operator's allowlist
  `HUATI_OUTBOUND_ALLOW`; refusals are `OutboundRefused` (an `httpx.TransportError`) naming the setting;
- `transport`: `outbound_client` / `async_outbound_client`, the only clients the service builds for
  client-supplied URLs: the check runs at connect time, on the vetted IP literal, for every redirect hop;
- `excerpt`: what may be stored and shown of a receiver's answer (status and ≤ 200 sanitised characters).
"""

from assistant.service.outbound.addresses import CATEGORY_TEXT, address_category, embedded_ipv4
from assistant.service.outbound.excerpt import (
    EXCERPT_LIMIT,
    READ_LIMIT,
    aread_capped,
    mask_secrets,
    read_capped,
    sanitize_excerpt,
    summarize_response,
)
from assistant.service.outbound.policy import (
    ALLOW_SETTING,
    AllowEntry,
    OutboundPolicy,
    OutboundRefused,
    parse_allowlist,
    policy_for,
    policy_of,
)
from assistant.service.outbound.transport import (
    AsyncGuardedBackend,
    AsyncGuardedTransport,
    GuardedBackend,
    GuardedTransport,
    async_outbound_client,
    outbound_client,
)

__all__ = [
    "ALLOW_SETTING",
    "CATEGORY_TEXT",
    "EXCERPT_LIMIT",
    "READ_LIMIT",
    "AllowEntry",
    "AsyncGuardedBackend",
    "AsyncGuardedTransport",
    "GuardedBackend",
    "GuardedTransport",
    "OutboundPolicy",
    "OutboundRefused",
    "address_category",
    "aread_capped",
    "async_outbound_client",
    "embedded_ipv4",
    "mask_secrets",
    "outbound_client",
    "parse_allowlist",
    "policy_for",
    "policy_of",
    "read_capped",
    "sanitize_excerpt",
    "summarize_response",
]

"""Bot-protection interstitials: pages a site sends to scripts instead of the content.

The European Parliament answers non-browser clients with an AWS WAF JavaScript
challenge (HTTP 202 with a small HTML page), others with Cloudflare's "Just a
moment...", Akamai's "Access Denied" or Imperva's incident page. None of them
is ever content: a feed that gets one has failed, and an article page that is
one has no text. Vendor markers alone are not proof on a normal page (Cloudflare
injects its challenge-platform script into ordinary pages too), so a page only
counts as a challenge when it has a marker and little visible text.
"""

from __future__ import annotations

import re
from html import unescape

_VENDORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("AWS WAF", r"awswaf|AwsWafIntegration|gokuProps|aws-waf-token"),
        ("Cloudflare", r"cf-browser-verification|cf_chl_|challenge-platform|cf-turnstile"),
        ("Cloudflare", r"<title>\s*(Just a moment|Attention Required)"),
        ("Akamai", r"bm-verify|sec-if-cpt|_abck|errors\.edgesuite\.net"),
        ("Akamai", r"(?s)<title>\s*Access Denied\s*</title>.*?Reference\s*#"),
        ("Imperva", r"_Incapsula_Resource|Incapsula incident ID"),
        ("DataDome", r"captcha-delivery\.com|datadome"),
        ("Sucuri", r"sucuri_cloudproxy|Sucuri WebSite Firewall"),
    )
)
_GENERIC = re.compile(
    r"enable JavaScript and cookies|please enable JavaScript|JavaScript is (required|disabled)"
    r"|checking (if the site connection is secure|your browser)|verify(ing)? (that )?you are (a )?human"
    r"|are you a robot|unusual traffic from your",
    re.IGNORECASE,
)
_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)
SMALL_PAGE = 2000  # visible characters: interstitials say one or two sentences


def challenge_reason(text: str) -> str | None:
    """Why this HTML is a bot-protection interstitial, or None when it looks like a page."""
    # Akamai writes its page with character references ("Reference&#32;&#35;18...").
    head = unescape(text[:200_000])
    visible = len(" ".join(_TAGS.sub(" ", head).split()))
    if visible > SMALL_PAGE:
        return None
    for vendor, pattern in _VENDORS:
        if pattern.search(head):
            return f"blocked by a browser check ({vendor} challenge): this source needs a browser"
    if _GENERIC.search(head):
        return "blocked by a browser check (JavaScript challenge): this source needs a browser"
    return None

"""Inline SVG under the Content-Security-Policy (style-src 'self' plus the request's nonce).

    {% load csp_inline %}{{ compliance_chart|csp_svg:request }}

The SVG charts (reports/charts.py) carry one <style> element, which gets the request's nonce, and a
hidden tooltip's `style="opacity: 0"`, which becomes the equivalent presentation attribute (CSP
governs style attributes, not presentation attributes)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def csp_svg(svg, request) -> SafeString:
    markup = str(svg) if isinstance(svg, SafeString) else escape(svg)
    lazy_nonce = getattr(request, "csp_nonce", None)  # falsy until read: compare with None
    nonce = "" if lazy_nonce is None else str(lazy_nonce)
    if nonce:
        markup = markup.replace("<style>", f'<style nonce="{nonce}">')
        markup = markup.replace('<style type="text/css">', f'<style type="text/css" nonce="{nonce}">')
    return mark_safe(markup.replace(' style="opacity: 0"', ' opacity="0"'))

"""French number formatting and the site's small template helpers."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat

from edhub.indicators import coverage as coverage_rules

register = template.Library()

NOT_COMMUNICATED = "N.C."


@register.filter
def fr_int(value):
    """1234567 → "1 234 567"; a missing value → "N.C."."""
    if value is None or value == "":
        return NOT_COMMUNICATED
    return intcomma(round(value))


@register.filter
def fr_decimal(value, digits=1):
    """12345.678 → "12 345,7"; a missing value → "N.C."."""
    if value is None or value == "":
        return NOT_COMMUNICATED
    return floatformat(value, f"{digits}g")


def fr_count(number, singular, plural):
    """3, "école", "écoles" → "3 écoles"; French uses the singular for 0 and 1."""
    return f"{fr_int(number)} {singular if number <= 1 else plural}"


@register.filter
def counted(number, forms):
    """{{ 3|counted:"école|écoles" }} → "3 écoles"."""
    singular, plural = forms.split("|")
    return fr_count(number, singular, plural)


@register.filter
def fr_percent(part, whole):
    """Share of `part` in `whole` as "42,5 %"; "N.C." when it cannot be computed."""
    if part is None or not whole:
        return NOT_COMMUNICATED
    return f"{floatformat(100 * part / whole, '1g')}\u00a0%"


@register.filter
def indicator_number(value, indicator):
    """A value of an indicator as published, without its unit: its decimals, French style; "N.C." when missing."""
    if value is None:
        return NOT_COMMUNICATED
    return fr_decimal(value, indicator.decimals) if indicator.decimals else fr_int(value)


@register.filter
def indicator_value(value, indicator):
    """A value of an indicator with its unit: "12,3 %", "1 234 écoles"; "N.C." when missing."""
    number = indicator_number(value, indicator)
    return number if value is None else f"{number}\u00a0{indicator.unit}"


@register.filter
def coverage_percent(coverage):
    """A coverage from 0 to 1 as "97,5 %" (no decimal when round); "N.C." when unknown."""
    if coverage is None:
        return NOT_COMMUNICATED
    return f"{floatformat(round(100 * coverage, 1), '-1g')}\u00a0%"


@register.filter
def partial_coverage(value, coverage):
    """{{ value|partial_coverage:coverage }}: whether a published value rests on part of what it describes."""
    return coverage_rules.is_partial(value, coverage)


@register.filter
def missing_reason(coverage):
    """{{ coverage|missing_reason }}: why a value is « N.C. » (see edhub.indicators.coverage)."""
    return coverage_rules.missing_reason(coverage)


@register.inclusion_tag("includes/pagination.html", takes_context=True)
def pagination(context, page_obj, param="page", label="Pagination"):
    """DSFR pagination whose links change only `param` in the current query string."""
    query = context["request"].GET.copy()

    def link(number):
        query[param] = number
        return f"?{query.urlencode()}"

    pages = [{"number": item, "link": None if item == "…" else link(item)} for item in page_numbers(page_obj)]
    return {
        "page_obj": page_obj,
        "label": label,
        "pages": pages,
        "first": link(1) if page_obj.has_previous() else None,
        "previous": link(page_obj.previous_page_number()) if page_obj.has_previous() else None,
        "next": link(page_obj.next_page_number()) if page_obj.has_next() else None,
        "last": link(page_obj.paginator.num_pages) if page_obj.has_next() else None,
    }


def page_numbers(page_obj):
    """[1, 2, "…", 7, 8, 9, "…", 41, 42]: the first two, the last two and the neighbours of the current page."""
    last, current = page_obj.paginator.num_pages, page_obj.number
    shown = sorted({n for n in (1, 2, current - 1, current, current + 1, last - 1, last) if 1 <= n <= last})
    numbers = []
    for number in shown:
        if numbers and number - numbers[-1] == 2:
            numbers.append(number - 1)
        elif numbers and number - numbers[-1] > 2:
            numbers.append("…")
        numbers.append(number)
    return numbers

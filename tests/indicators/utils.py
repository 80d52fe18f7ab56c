from edhub.indicators.measures import Value
from edhub.indicators.models import IndicatorValue
from edhub.schools.models import School


def value_of(indicator, owner, period):
    """The stored Value (value, numerator, denominator, coverage, note) of a territory or school, or None."""
    owner_field = "school" if isinstance(owner, School) else "territory"
    row = (
        IndicatorValue.objects.filter(indicator=indicator, period=period, **{owner_field: owner})
        .values_list("value", "numerator", "denominator", "coverage", "note")
        .first()
    )
    return None if row is None else Value(*row)

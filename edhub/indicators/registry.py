"""Where the apps that feed the observatory plug in, from their AppConfig.ready(), as open-data sources register
themselves: the inputs the engine reads by name, and the indicators of the catalogue. The engine imports none of
these apps (tests/test_architecture.py keeps it so).
"""

from django.core.exceptions import ImproperlyConfigured

# {slug: Indicator}, in the order of the observatory: the built-in indicators (catalogue.py), then the registered
# ones in the order of INSTALLED_APPS.
CATALOGUE = {}
# {name: loader}: loader() returns what the measures reading `name` get (Inputs.registered); the hash of its repr is
# the input's fingerprint.
INPUTS = {}


def register_input(name, loader):
    if INPUTS.get(name, loader) is not loader:
        raise ImproperlyConfigured(f"Indicator input {name!r} registered twice.")
    INPUTS[name] = loader


def register_indicators(indicators):
    """Add indicators to the catalogue (registering the same one again changes nothing)."""
    for indicator in indicators:
        if CATALOGUE.get(indicator.slug, indicator) != indicator:
            raise ImproperlyConfigured(f"Indicator {indicator.slug!r} registered twice.")
        CATALOGUE[indicator.slug] = indicator

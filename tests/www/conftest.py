import pytest
from django.core.cache import cache

from tests.schools.factories import small_world


@pytest.fixture
def world(db):
    return small_world()


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()

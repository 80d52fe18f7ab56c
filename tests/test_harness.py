"""The test harness itself: what edhub/settings/test.py and tests/conftest.py promise every other test."""

import pytest
from django.template import TemplateSyntaxError, loader

from edhub.inventories.models import Upload
from edhub.territories.models import Territory


def test_an_unknown_variable_in_an_edhub_template_fails():
    template = loader.get_template("includes/provenance.html")
    with pytest.raises(TemplateSyntaxError, match=r"^Variable introuvable source\.title dans /.*/provenance\.html$"):
        template.render({"sources": [{"vintage": 2024}]})


def test_an_unknown_variable_in_another_package_template_stays_empty():
    rendered = loader.get_template("dsfr/button.html").render({})
    assert rendered.startswith('<button class="fr-btn"\n        onclick=""\n        \n        type=""')


def test_a_query_without_order_comes_back_in_random_order():
    assert str(Territory.objects.all().query) == str(Territory.objects.order_by("?").query)
    assert str(Territory.objects.order_by("code").query).endswith(' ORDER BY "territories_territory"."code" ASC')
    assert str(Upload.objects.all().query).endswith('."created_at" DESC, "inventories_upload"."id" DESC')
    assert "ORDER BY" not in str(Territory.objects.distinct().query)

"""The policy registries: how a lower app asks a higher one without importing it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.policies import PolicyRegistry
from takedowns import policies as takedowns_policies


def _registry():
    return PolicyRegistry(asker="lower", answerer="higher", policies={"answer": "x -> int"})


def test_a_registered_policy_is_the_function_registered():
    registry = _registry()
    registry.register("answer", len)
    assert registry.get("answer") is len


def test_an_unregistered_policy_names_the_app_that_should_answer_it():
    with pytest.raises(ImproperlyConfigured, match="lower policy 'answer'; is higher in INSTALLED_APPS"):
        _registry().get("answer")


def test_a_policy_the_registry_does_not_list_is_refused_at_registration():
    with pytest.raises(ImproperlyConfigured, match="lower asks for no policy named 'anwser'"):
        _registry().register("anwser", len)


def test_good_faith_answers_every_policy_takedowns_asks_for():
    for name in takedowns_policies.POLICIES:
        assert callable(takedowns_policies.policy(name)), name

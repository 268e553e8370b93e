"""The penalty ladder (DOMAIN.md "Penalties"). Placeholder handlers; see issue 4."""


def effect_penalise(effect):
    raise NotImplementedError


def effect_reverse_penalty(effect):
    raise NotImplementedError


def effect_reimburse(effect):
    raise NotImplementedError

"""Power models and env.power_models."""

import faassim


def test_env_power_models_component():
    env = faassim.Environment()
    assert env.power_models == {}
    assert env.power_models is env.power_models
    assert faassim.Environment().power_models is not env.power_models
    env.power_models["nano_0"] = object()
    assert list(env.power_models) == ["nano_0"]
    mine = {"a": object()}
    env.power_models = mine
    assert env.power_models is mine
    del env.power_models
    assert env.power_models == {}

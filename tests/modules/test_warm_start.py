"""Warm start: the served model's weights copied layer for layer, or one clear line when the shapes differ."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("tf_keras")

from tfxkit.modules.warm_start import WarmStartMismatch, initial_weights, warm_start  # noqa: E402


def _model(hidden: int, seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(4,), name="x")
    hidden_layer = keras.layers.Dense(hidden, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, name="logits")(hidden_layer))


def _served(tmp_path, hidden: int = 8) -> tuple[keras.Model, str]:
    served = _model(hidden, seed=1)
    path = str(tmp_path / "served")
    served.save(path, save_format="tf")
    return served, path


def test_a_model_of_the_same_shape_starts_from_the_served_weights(tmp_path):
    served, path = _served(tmp_path)
    model = _model(8, seed=2)
    assert not np.allclose(model.get_weights()[0], served.get_weights()[0])
    assert warm_start(model, path) == f"warm start: 2 layers initialised from the served model {path}"
    for ours, theirs in zip(model.get_weights(), served.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), served.predict(x, verbose=0), rtol=1e-6)


def test_another_shape_is_one_line_naming_the_layer_and_nothing_is_copied(tmp_path):
    _, path = _served(tmp_path, hidden=8)
    model = _model(16, seed=2)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(WarmStartMismatch) as refused:
        warm_start(model, path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"warm start: layer '{model.layers[1].name}' has weights [(4, 16), (16,)] here and "
                              "[(4, 8), (8,)] in the served model")
    assert "trainer.warm_start: false" in message
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def test_the_first_run_with_nothing_served_trains_from_scratch_and_says_so(monkeypatch):
    from tfxkit.modules import warm_start as module

    logged = []
    monkeypatch.setattr(module.logging, "info", lambda message, *args: logged.append(message % args))
    model = _model(8, seed=2)
    before = [w.copy() for w in model.get_weights()]
    assert initial_weights(model, {"warm_start": True}, None) is None
    assert logged == ["tfxkit trainer: warm start: no model is served yet, training from scratch"]
    assert initial_weights(model, {"warm_start": False}, "/served/model") is None  # not asked: never looked at
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def _wide_deep(payment_types: int) -> keras.Model:
    """The taxi model's shape: one numeric column, two categorical ones (ids and the vocabulary's size)."""
    from tfxkit.modules.model_builder import ModelInputs, model_body

    keras.utils.set_random_seed(3)
    found = ModelInputs()
    found.numeric["fare_xf"] = keras.Input(shape=(1,), name="fare_xf")
    for key, depth in (("company_xf", 100), ("payment_type_xf", payment_types)):
        found.categorical[key] = (keras.Input(shape=(), dtype="int64", name=key), depth)
    inputs = [found.numeric["fare_xf"], *(inp for inp, _ in found.categorical.values())]
    model_cfg = {"type": "wide_deep", "wide_deep": {"wide": ["payment_type"], "embedding_dim": 8},
                 "hidden_units": [4], "activation": "relu", "dropout": 0.0, "batch_norm": False,
                 "regularization": {"l1": 0.0, "l2": 0.0}}
    return keras.Model(inputs, model_body(found, model_cfg, 1))


def test_a_vocabulary_that_changed_size_is_refused_naming_its_column(tmp_path):
    """A window with one more payment type: the embedding that differs is named after the column, so the
    user knows which vocabulary moved (docs/continuous.md: a column whose values come and go wants `hash`)."""
    path = str(tmp_path / "served")
    _wide_deep(payment_types=6).save(path, save_format="tf")
    with pytest.raises(WarmStartMismatch) as refused:
        warm_start(_wide_deep(payment_types=7), path)
    assert str(refused.value).startswith("warm start: layer 'payment_type_xf_embedding' has weights [(7, 8)] here "
                                         "and [(6, 8)] in the served model"), str(refused.value)
    assert warm_start(_wide_deep(payment_types=6), path).startswith("warm start: ")

"""Beam's DoFn argument introspection asked once per function: the same answers as Beam's, the same checks."""

from __future__ import annotations

import functools

import apache_beam as beam
import pytest
from apache_beam.coders import VarIntCoder
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import core, userstate
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec

from tfxkit.modules import beam_introspection


class _Counting:
    """Beam's own `get_function_args_defaults`, counting the functions it is asked about."""

    def __init__(self, ask):
        self.ask, self.asked = ask, []

    def __call__(self, f):
        self.asked.append(getattr(f, "__name__", type(f).__name__))
        return self.ask(f)


@pytest.fixture
def memoized(monkeypatch):
    """The memo over a counting copy of Beam's function, undone after the test."""
    counting = _Counting(core.get_function_args_defaults)
    monkeypatch.setattr(core, "get_function_args_defaults", beam_introspection._memoized(counting))
    return counting


COUNT = ReadModifyWriteStateSpec("count", VarIntCoder())
FLUSH = TimerSpec("flush", beam.TimeDomain.WATERMARK)


class _Stateful(beam.DoFn):
    def process(self, element, count=beam.DoFn.StateParam(COUNT), timer=beam.DoFn.TimerParam(FLUSH)):
        seen = (count.read() or 0) + 1
        count.write(seen)
        yield element[0], seen

    @userstate.on_timer(FLUSH)
    def flush(self):
        return []


class _TwoStatesOneName(beam.DoFn):
    def process(self, element, a=beam.DoFn.StateParam(COUNT),
                b=beam.DoFn.StateParam(ReadModifyWriteStateSpec("count", VarIntCoder()))):
        yield element


class _CallableObject:
    def __call__(self, x, y=3):
        return x + y


def _function(element, scale=2, *rest, key=None):
    return element * scale


CALLABLES = [_function, _Stateful().process, _Stateful.process, lambda x, y=1: x, functools.partial(_function, scale=3),
             _CallableObject(), len]


@pytest.mark.parametrize("f", CALLABLES, ids=lambda f: getattr(f, "__name__", type(f).__name__))
def test_the_answer_is_beams_own_first_and_again(f):
    beams = getattr(core.get_function_args_defaults, "__wrapped__", core.get_function_args_defaults)
    memo = beam_introspection._memoized(beams)
    expected = beams(f)
    assert memo(f) == expected
    assert memo(f) == expected
    first = memo(f)
    first[0].append("changed by a caller")
    assert memo(f) == expected


def test_each_function_is_asked_once_however_often_beam_checks_its_dofns(memoized):
    one, two = _Stateful(), _Stateful()
    for dofn in (one, two, one):
        assert userstate.is_stateful_dofn(dofn)
        userstate.validate_stateful_dofn(dofn)
    asked_for_process = memoized.asked.count("process")
    assert asked_for_process == 1
    assert len(memoized.asked) == len(set(memoized.asked))


def test_other_callables_are_asked_every_time(memoized):
    partial, instance = functools.partial(_function, scale=3), _CallableObject()
    for _ in range(2):
        core.get_function_args_defaults(partial)
        core.get_function_args_defaults(instance)
    assert memoized.asked == ["partial", "_CallableObject"] * 2


def test_beams_checks_still_refuse_a_dofn_with_two_states_of_one_name(memoized):
    for _ in range(2):
        with pytest.raises(ValueError, match="duplicate process method parameters"):
            userstate.validate_stateful_dofn(_TwoStatesOneName())


def test_a_stateful_pipeline_runs_as_before(memoized):
    with beam.Pipeline() as pipeline:
        counted = (pipeline | beam.Create([("a", 1), ("a", 2), ("b", 3)]) | beam.ParDo(_Stateful()))
        assert_that(counted, equal_to([("a", 1), ("a", 2), ("b", 1)]))


def test_memoizing_twice_wraps_once(monkeypatch):
    monkeypatch.setattr(core, "get_function_args_defaults", core.get_function_args_defaults)
    beam_introspection.memoize_dofn_introspection()
    wrapped = core.get_function_args_defaults
    beam_introspection.memoize_dofn_introspection()
    assert core.get_function_args_defaults is wrapped
    assert wrapped.__wrapped__ is not wrapped

"""Hostile and contradictory specs: each class of input gives exact one-line located errors, fast.

Issue 10, "Spec files": alias bombs and oversize documents, non-core tags,
control characters and undecodable bytes, invisible characters in keys, an
invalid curated schema, errors inside tagged unions, contradictory settings,
data files that are empty, header-only or use another delimiter, and a closed
stdout. Each case asserts the full line `file:line:col: key.path: message`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tfxkit.config.errors import SpecErrors
from tfxkit.config.load import load_spec
from tfxkit.config.yaml_loader import MAX_DEPTH, MAX_VALUES
from tfxkit.config.yaml_positions import MAX_FILE_BYTES

# Line numbers matter: expected positions below refer to them.
BASE = """\
version: 1
pipeline:
  name: penguin
  root: runs
data:
  path: data.csv
  label: species
schema:
  file: schema.pbtxt
transform:
  features:
    bill_length_mm: zscore
    island: vocabulary
model:
  task: multiclass
trainer:
  epochs: 5
"""
#  1 version     5 data        9   file          13     island     17   epochs
#  2 pipeline    6   path     10 transform       14 model
#  3   name      7   label    11   features      15   task
#  4   root      8 schema     12     bill_length_mm  16 trainer

CSV = "species,island,bill_length_mm\nAdelie,Torgersen,39.1\nGentoo,Biscoe,46.1\n"
SCHEMA = """\
feature {
  name: "species"
  type: BYTES
}
feature {
  name: "island"
  type: BYTES
}
feature {
  name: "bill_length_mm"
  type: FLOAT
}
"""

# A hang guard, not a speed target (speed is measured by benchmarks): an unbounded alias bomb or a
# quadratic path runs for minutes, while these inputs are refused in about a second on an idle machine.
HANG = 30.0


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test sees a cold schema cache of its own (and never writes to the user's)."""
    monkeypatch.setenv("TFXKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def edit(*edits: tuple[str, str]) -> str:
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def write(tmp_path: Path, text: str | bytes | None = None, csv: str | bytes = CSV,
          schema: str | bytes = SCHEMA) -> Path:
    (tmp_path / "data.csv").write_bytes(csv.encode() if isinstance(csv, str) else csv)
    (tmp_path / "schema.pbtxt").write_bytes(schema.encode() if isinstance(schema, str) else schema)
    path = tmp_path / "spec.yaml"
    text = BASE if text is None else text
    path.write_bytes(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        load_spec(path)
    return [str(e) for e in info.value.errors]


def one_error(path: Path) -> str:
    errors = errors_of(path)
    assert len(errors) == 1, errors
    return errors[0]


def test_base_is_valid(tmp_path):
    assert load_spec(write(tmp_path)).spec.pipeline.name == "penguin"


# --- alias expansion ("billion laughs") and size limits ---

def laughs(levels: int, width: int = 9, flow: bool = True) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        items = ", ".join([f"*l{i - 1}"] * width)
        lines.append(f"l{i}: &l{i} [{items}]" if flow else f"l{i}: &l{i}\n" + "".join(f"  - *l{i - 1}\n" for _ in range(width)).rstrip("\n"))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, where, alias", [
    pytest.param(laughs(9), "5:15", "l3", id="flow-lists-9-levels"),
    pytest.param(laughs(30, width=2), "13:12", "l11", id="doubling-30-levels"),
    pytest.param(edit(("trainer:\n  epochs: 5\n", "trainer:\n  epochs: 5\nx: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
                       "y: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nz: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "w: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n")),
                 "21:69", "c", id="inside-a-spec"),
    pytest.param("a: &a {k1: v, k2: v, k3: v, k4: v, k5: v}\nb: &b {a1: *a, a2: *a, a3: *a, a4: *a, a5: *a}\n"
                 "c: &c {b1: *b, b2: *b, b3: *b, b4: *b, b5: *b}\nd: &d {c1: *c, c2: *c, c3: *c, c4: *c, c5: *c}\n"
                 "e: &e {d1: *d, d2: *d, d3: *d, d4: *d, d5: *d}\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
                 "6:9", "e", id="mappings"),
])
def test_alias_bomb_is_refused_fast(tmp_path, text, where, alias):
    path = write(tmp_path, text)
    start = time.monotonic()
    error = one_error(path)
    assert time.monotonic() - start < HANG
    assert error == f"{path}:{where}: alias *{alias} expands the spec to more than {MAX_VALUES} values " \
        f"(expected at most {MAX_VALUES}; aliases that repeat content over and over are refused)"


@pytest.mark.parametrize("text, expected", [
    pytest.param("a: &a [1, *a]\n", "1:11: alias *a refers to a node that contains it "
                 "(expected an alias to a node that ends before it)", id="recursive-list"),
    pytest.param("a: &a\n  b: *a\n", "2:6: alias *a refers to a node that contains it "
                 "(expected an alias to a node that ends before it)", id="recursive-mapping"),
    pytest.param("a: " + "[" * 200 + "]" * 200 + "\n", f"1:{MAX_DEPTH + 3}: nested more than {MAX_DEPTH} levels deep "
                 f"(expected at most {MAX_DEPTH})", id="deep-flow"),
    pytest.param("a: " + "{b: " * 100 + "1" + "}" * 100 + "\n", f"1:{4 * MAX_DEPTH - 3}: nested more than {MAX_DEPTH} "
                 f"levels deep (expected at most {MAX_DEPTH})", id="deep-mappings"),
    pytest.param("a: [" + ", ".join(["1"] * (MAX_VALUES + 5)) + "]\n", f"1:{5 + 3 * (MAX_VALUES - 1)}: the spec has "
                 f"more than {MAX_VALUES} values (expected at most {MAX_VALUES})", id="many-values-no-alias"),
])
def test_structure_limits(tmp_path, text, expected):
    path = write(tmp_path, text)
    start = time.monotonic()
    assert one_error(path) == f"{path}:{expected}"
    assert time.monotonic() - start < HANG


@pytest.mark.parametrize("size", [MAX_FILE_BYTES + 1, 4 * MAX_FILE_BYTES])
def test_oversize_file(tmp_path, size):
    text = BASE + "#" * (size - len(BASE) - 1) + "\n"
    path = write(tmp_path, text)
    assert one_error(path) == f"{path}:1:1: spec file is too large: {size} bytes " \
        f"(expected at most {MAX_FILE_BYTES} bytes)"


# --- tags: only core tags, each on its kind; nothing is ever constructed ---

@pytest.mark.parametrize("edits, expected", [
    pytest.param([("model:\n", "model: !!python/object:os.system\n")],
                 "14:8: model: tag !!python/object:os.system is not allowed", id="python-object-on-mapping"),
    pytest.param([("task: multiclass", "task: !!python/name:os.system multiclass")],
                 "15:9: model.task: tag !!python/name:os.system is not allowed", id="python-name-on-scalar"),
    pytest.param([("task: multiclass", "task: !foo multiclass")],
                 "15:9: model.task: tag !foo is not allowed", id="local-tag-on-scalar"),
    pytest.param([("  epochs: 5\n", "  epochs: 5\n  batch_size: !!python/object/apply:os.system [echo hi]\n")],
                 "18:15: trainer.batch_size: tag !!python/object/apply:os.system is not allowed",
                 id="python-apply-on-sequence"),
    pytest.param([("    island: vocabulary\n", "    island: !!binary dm9jYWJ1bGFyeQ==\n")],
                 "13:13: transform.features.island: tag !!binary is not allowed", id="binary"),
    pytest.param([("  features:\n", "  features: !!set\n")],
                 "11:13: transform.features: tag !!set is not allowed", id="set-on-mapping"),
    pytest.param([("  epochs: 5\n", "  !!python/name:os.system epochs: 5\n")],
                 "17:3: trainer.epochs: tag !!python/name:os.system is not allowed", id="tag-on-key"),
    pytest.param([("  epochs: 5\n", "  epochs: !<tag:example.com,2024:int> 5\n")],
                 "17:11: trainer.epochs: tag tag:example.com,2024:int is not allowed", id="verbatim-tag"),
])
def test_non_core_tag_is_refused(tmp_path, edits, expected):
    path = write(tmp_path, edit(*edits))
    assert one_error(path) == f"{path}:{expected} (a spec holds plain values and never constructs objects; " \
        "expected no tag)"


@pytest.mark.parametrize("edits, expected", [
    pytest.param([("epochs: 5", "epochs: !!float [1]")],
                 "17:11: trainer.epochs: tag !!float does not fit a list (expected !!seq or no tag)", id="float-on-list"),
    pytest.param([("model:\n", "model: !!str\n")],
                 "14:8: model: tag !!str does not fit a mapping (expected !!map or no tag)", id="str-on-mapping"),
    pytest.param([("epochs: 5", "epochs: !!int five")],
                 "17:11: trainer.epochs: 'five' is not a valid !!int", id="int-not-a-number"),
    pytest.param([("name: penguin", "name: !!bool maybe")],
                 "3:9: pipeline.name: 'maybe' is not a valid !!bool", id="bool-not-a-bool"),
])
def test_core_tag_misused(tmp_path, edits, expected):
    path = write(tmp_path, edit(*edits))
    assert one_error(path) == f"{path}:{expected}"


def test_core_tags_and_merge_keys_are_accepted(tmp_path):
    text = edit(("  epochs: 5\n", "  epochs: !!int 5\n  batch_size: !!int \"8\"\n"),
                ("trainer:\n", "defaults: &d {epochs: 3}\ntrainer:\n"))
    path = write(tmp_path, text.replace("defaults: &d {epochs: 3}\n", ""))
    assert load_spec(path).spec.trainer.batch_size == 8
    merged = write(tmp_path, BASE.replace("model:\n  task: multiclass\n", "model:\n  <<: {task: binary}\n"))
    assert load_spec(merged).spec.model.task == "binary"


def test_dates_stay_strings(tmp_path):
    path = write(tmp_path, edit(("root: runs", "root: 2024-13-45")))
    assert load_spec(path).spec.pipeline.root == "2024-13-45"


# --- control characters, undecodable bytes, invisible characters ---

@pytest.mark.parametrize("text, expected", [
    pytest.param(edit(("root: runs", "root: ru\x00ns")), "4:11: pipeline.root: control character \\x00 (U+0000) "
                 "is not allowed (expected printable text)", id="nul-in-value"),
    pytest.param(edit(("root: runs", "root: ru\x1b[31mns")), "4:11: pipeline.root: control character \\x1b (U+001B) "
                 "is not allowed (expected printable text)", id="esc-in-value"),
    pytest.param(edit(("  label: species", "  lab\x07el: species")), "7:6: data.lab\\x07el: control character \\x07 "
                 "(U+0007) is not allowed (expected printable text)", id="bell-in-key"),
    pytest.param(edit(("task: multiclass", "task: multi\x7fclass")), "15:14: model.task: control character \\x7f "
                 "(U+007F) is not allowed (expected printable text)", id="del"),
    pytest.param(edit(("task: multiclass", "task: multi\x9bclass")), "15:14: model.task: control character \\x9b "
                 "(U+009B) is not allowed (expected printable text)", id="c1-csi"),
    pytest.param(edit(("root: runs", "root: \"ru\\x1bns\"")), "4:9: pipeline.root: control character \\x1b (U+001B) "
                 "in a value is not allowed (expected printable text)", id="escaped-esc-in-quoted"),
    pytest.param(edit(("root: runs", "root: \"ru\\0ns\"")), "4:9: pipeline.root: control character \\x00 (U+0000) "
                 "in a value is not allowed (expected printable text)", id="escaped-nul-in-quoted"),
    pytest.param(edit(("# nothing", "")) if False else "# a comment with \x01\n" + BASE,
                 "1:18: control character \\x01 (U+0001) is not allowed (expected printable text)",
                 id="in-a-comment"),
])
def test_control_characters(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert one_error(path) == f"{path}:{expected}"


@pytest.mark.parametrize("raw, expected", [
    pytest.param(edit(("root: runs", "root: r\udce9ns")), "4:10: pipeline.root: byte 0xe9 is not valid UTF-8 "
                 "(expected UTF-8 text; re-save the file as UTF-8)", id="latin-1-in-value"),
    pytest.param(edit(("  label: species", "  lab\udcffel: species")), "7:6: data.lab\\xffel: byte 0xff is not "
                 "valid UTF-8 (expected UTF-8 text; re-save the file as UTF-8)", id="bad-byte-in-key"),
    pytest.param(edit(("task: multiclass", "task: \udc80multiclass")), "15:9: model.task: byte 0x80 is not valid "
                 "UTF-8 (expected UTF-8 text; re-save the file as UTF-8)", id="lone-continuation-byte"),
    pytest.param(b"\xff\xfe" + BASE.encode("utf-16-le"), "1:1: the file is UTF-16 encoded (expected UTF-8 text)",
                 id="utf-16-bom"),
    pytest.param(BASE.encode("utf-16-le"), "1:1: the file is not UTF-8 text: a quarter of its bytes are NUL "
                 "(UTF-16 or binary?) (expected UTF-8 text)", id="utf-16-no-bom"),
])
def test_undecodable_bytes(tmp_path, raw, expected):
    path = write(tmp_path, raw)
    assert one_error(path) == f"{path}:{expected}"


def test_many_bad_lines_are_capped(tmp_path):
    text = "".join(f"k{i}: v\x00\n" for i in range(30))
    errors = errors_of(write(tmp_path, text))
    assert len(errors) == 10
    assert errors[-1].endswith("(expected printable text) (and 20 more lines like it)")
    assert errors[0].endswith(":1:6: k0: control character \\x00 (U+0000) is not allowed (expected printable text)")


@pytest.mark.parametrize("key, shown, hint", [
    ("batch\u200b_size", "batch\\u200b_size", "it contains the invisible character \\u200b; did you mean 'batch_size'?"),
    ("epo\u200dchs", "epo\\u200dchs", "it contains the invisible character \\u200d; did you mean 'epochs'?"),
    ("\u202eepochs", "\\u202eepochs", "it contains the invisible character \\u202e; did you mean 'epochs'?"),
    ("max\u00a0steps", "max\\xa0steps", "it contains the invisible character \\xa0; did you mean 'max_steps'?"),
    ("\ufeffoptimizer", "\\ufeffoptimizer", "it contains the invisible character \\ufeff; did you mean 'optimizer'?"),
])
def test_invisible_characters_in_keys_are_escaped(tmp_path, key, shown, hint):
    path = write(tmp_path, edit(("  epochs: 5\n", f"  epochs: 5\n  {key}: 16\n")))
    assert one_error(path) == f"{path}:18:3: trainer.{shown}: unknown key ({hint})"


def test_invisible_character_in_a_column_name(tmp_path):
    path = write(tmp_path, edit(("    island: vocabulary", "    isl\u200band: vocabulary")))
    error = one_error(path)
    assert error == f"{path}:13:5: transform.features.isl\\u200band: no column 'isl\\u200band' in the data " \
        "(did you mean 'island'?)"


def test_source_line_is_escaped_and_caret_aligned(tmp_path):
    path = write(tmp_path, edit(("  epochs: 5\n", "  epochs: 5\n  \u200bx\u200by: 1\n")))
    with pytest.raises(SpecErrors) as info:
        load_spec(path)
    shown = info.value.render(show_source=True).splitlines()
    assert shown[1:] == ["      \\u200bx\\u200by: 1", "      ^"]
    assert "\u200b" not in info.value.render(show_source=True)


# --- the curated schema file: parsed as ImportSchemaGen parses it, errors in its own file ---

@pytest.mark.parametrize("schema, where, message", [
    pytest.param(SCHEMA[:-3], "11:9", "not a valid schema: Expected \"}\"", id="truncated"),
    pytest.param(json.dumps({"feature": [{"name": "species", "type": "BYTES"}]}), "1:1",
                 "not a valid schema: Expected identifier or number, got {", id="json"),
    pytest.param(SCHEMA.replace("type: FLOAT", "typ: FLOAT"), "11:3", "not a valid schema: Message type "
                 "\"tensorflow.metadata.v0.Feature\" has no field named \"typ\"", id="unknown-field"),
    pytest.param(SCHEMA.replace("type: FLOAT", "type: DOUBLE"), "11:9", "not a valid schema: Enum type "
                 "\"tensorflow.metadata.v0.FeatureType\" has no value named DOUBLE", id="unknown-enum"),
    pytest.param(SCHEMA.replace('name: "island"', 'name: "island'), "6:9",
                 "not a valid schema: String missing ending quote: '\"island'", id="unclosed-string"),
    pytest.param("", "1:1", "the schema declares no features (expected feature { name: ... type: ... } entries)",
                 id="empty"),
    pytest.param(SCHEMA + SCHEMA.split("}\n")[0] + "}\n", "14:3", "feature 'species' is declared twice (expected each feature once)",
                 id="duplicate-feature"),
    pytest.param(b"feature {\n  name: \"sp\xe9cies\"\n}\n", "2:12", "byte 0xe9 is not valid UTF-8 (expected a "
                 "text-format tensorflow_metadata Schema)", id="not-utf8"),
])
def test_invalid_schema_file(tmp_path, schema, where, message):
    path = write(tmp_path, schema=schema)
    expected = f"{tmp_path / 'schema.pbtxt'}:{where}: schema.file: {message}"
    if "(expected" not in message:
        expected += " (expected a text-format tensorflow_metadata Schema)"
    assert one_error(path) == expected


def test_schema_cache_is_keyed_by_content(tmp_path):
    path = write(tmp_path)
    load_spec(path)  # parsed and remembered
    (tmp_path / "schema.pbtxt").write_text(SCHEMA.replace("type: FLOAT", "typ: FLOAT"))
    assert one_error(path).endswith('has no field named "typ" (expected a text-format tensorflow_metadata Schema)')
    (tmp_path / "schema.pbtxt").write_text(SCHEMA)
    assert load_spec(path).spec.schema_.file == "schema.pbtxt"


# --- tagged unions: the user's key path and the real allowed keys ---

@pytest.mark.parametrize("rate, expected", [
    pytest.param("{schedule: cosine, initial: 0.1, decay_step: 10}",
                 "18:51: trainer.learning_rate.decay_step: unknown key for schedule 'cosine' "
                 "(did you mean 'decay_steps'?)", id="cosine-typo"),
    pytest.param("{schedule: cosine, initial: 0.1, decay_steps: 10, colour: red}",
                 "18:68: trainer.learning_rate.colour: unknown key for schedule 'cosine' "
                 "(expected one of: initial, warmup_steps, schedule, decay_steps, alpha)", id="cosine-unknown"),
    pytest.param("{initial: 0.1, decay_steps: 10}",
                 "18:33: trainer.learning_rate.decay_steps: unknown key for schedule 'constant' ('decay_steps' "
                 "belongs to schedule exponential, cosine or polynomial; expected one of: initial, warmup_steps, "
                 "schedule)", id="default-constant"),
    pytest.param("{schedule: exponential, initial: 0.1, decay_steps: 10, decay_rate: 0.5, alpha: 0.1}",
                 "18:90: trainer.learning_rate.alpha: unknown key for schedule 'exponential' ('alpha' belongs to "
                 "schedule cosine or cosine_restarts; expected one of: initial, warmup_steps, schedule, decay_steps, "
                 "decay_rate, staircase)", id="exponential-alpha"),
    pytest.param("{schedule: piecewise, boundaries: [10], values: [0.1, 0.01], initial: 3}",
                 "18:79: trainer.learning_rate.initial: unknown key for schedule 'piecewise' ('initial' belongs to "
                 "schedule constant, exponential, cosine, cosine_restarts, polynomial or reduce_on_plateau; "
                 "expected one of: schedule, boundaries, values, warmup_steps)", id="piecewise-initial"),
    pytest.param("{schedule: reduce_on_plateau, initial: 0.1, monitr: val_loss}",
                 "18:62: trainer.learning_rate.monitr: unknown key for schedule 'reduce_on_plateau' "
                 "(did you mean 'monitor'?)", id="plateau-typo"),
    pytest.param("{schedule: cosine_restarts, initial: 0.1, first_decay_steps: 0}",
                 "18:79: trainer.learning_rate.first_decay_steps: 0 is too small (expected >= 1)",
                 id="value-error-inside-member"),
])
def test_union_errors_use_the_users_path(tmp_path, rate, expected):
    path = write(tmp_path, edit(("  epochs: 5\n", f"  epochs: 5\n  learning_rate: {rate}\n")))
    error = one_error(path)
    assert error == f"{path}:{expected}"
    assert "expected one of: )" not in error


@pytest.mark.parametrize("optimizer, expected", [
    pytest.param("{nme: adam}", "18:15: trainer.optimizer.nme: unknown key (did you mean 'name'?)", id="typo"),
    pytest.param("{name: adam, colour: 1}", "18:27: trainer.optimizer.colour: unknown key (expected one of: name, "
                 "momentum, nesterov, weight_decay, clipnorm, clipvalue)", id="unknown"),
    pytest.param("{name: adamm}", "18:21: trainer.optimizer.name: 'adamm' is not allowed (did you mean 'adam'?)",
                 id="long-form-name"),
    pytest.param("5", "18:14: trainer.optimizer: expected an optimizer name (adam, sgd, rmsprop, adagrad, adamw) or "
                 "a mapping with 'name', got 5", id="number"),
    pytest.param("[adam]", "18:14: trainer.optimizer: expected an optimizer name (adam, sgd, rmsprop, adagrad, "
                 "adamw) or a mapping with 'name', got a list", id="list"),
])
def test_optimizer_forms(tmp_path, optimizer, expected):
    path = write(tmp_path, edit(("  epochs: 5\n", f"  epochs: 5\n  optimizer: {optimizer}\n")))
    assert one_error(path) == f"{path}:{expected}"


def test_fill_value_union_path(tmp_path):
    path = write(tmp_path, edit(("island: vocabulary", "island: {transform: vocabulary, fill_value: {a: 1}}")))
    assert one_error(path) == f"{path}:13:49: transform.features.island.fill_value: expected a number, " \
        "an integer or a string, got a mapping"


# --- contradictory settings: a run that would be silently wrong is an error ---

TUNE = "tuning:\n  search_space:\n    dropout: {type: float, min: 0.0, max: 0.5}\n"


@pytest.mark.parametrize("task, extra, expected", [
    pytest.param("multiclass", "tuning:\n  objective: val_loss\n  direction: max\n  search_space:\n"
                 "    dropout: {type: float, min: 0.0, max: 0.5}\n",
                 "18:14: tuning.direction: 'max' would maximize 'val_loss', for which lower is better: the tuner "
                 "would pick the worst trial (expected min or auto)", id="tune-max-loss"),
    pytest.param("regression", "tuning:\n  objective: val_mae\n  direction: max\n  search_space:\n"
                 "    dropout: {type: float, min: 0.0, max: 0.5}\n",
                 "18:14: tuning.direction: 'max' would maximize 'val_mae', for which lower is better: the tuner "
                 "would pick the worst trial (expected min or auto)", id="tune-max-mae"),
    pytest.param("binary", "tuning:\n  objective: val_auc\n  direction: min\n  search_space:\n"
                 "    dropout: {type: float, min: 0.0, max: 0.5}\n",
                 "18:14: tuning.direction: 'min' would minimize 'val_auc', for which higher is better: the tuner "
                 "would pick the worst trial (expected max or auto)", id="tune-min-auc"),
    pytest.param("multiclass", TUNE.replace("tuning:\n", "tuning:\n  direction: min\n"),
                 "17:14: tuning.direction: 'min' would minimize 'val_accuracy' (the default objective), for which "
                 "higher is better: the tuner would pick the worst trial (expected max or auto)",
                 id="tune-default-objective"),
    pytest.param("regression", TUNE.replace("tuning:\n", "tuning:\n  objective: val_accuracy\n"),
                 "17:14: tuning.objective: 'val_accuracy' is not computed while training a regression model, so the "
                 "tuner would have nothing to compare (expected one of: val_loss, val_mae, loss, mae)",
                 id="tune-objective-not-computed"),
    pytest.param("multiclass", "trainer:\n  early_stopping: {monitor: val_loss, mode: max}\n",
                 "17:45: trainer.early_stopping.mode: mode 'max' treats 'val_loss' as higher is better, but lower is "
                 "better: training would stop while the model improves (expected min or auto)", id="stop-max-loss"),
    pytest.param("binary", "trainer:\n  early_stopping: {monitor: val_auc, mode: min}\n",
                 "17:44: trainer.early_stopping.mode: mode 'min' treats 'val_auc' as lower is better, but higher is "
                 "better: training would stop while the model improves (expected max or auto)", id="stop-min-auc"),
    pytest.param("multiclass", "trainer:\n  early_stopping: {monitor: val_auc}\n",
                 "17:29: trainer.early_stopping.monitor: 'val_auc' is not computed while training a multiclass model, "
                 "so early stopping would never trigger (did you mean 'val_accuracy'?)", id="stop-monitor-missing"),
    pytest.param("regression", "trainer:\n  early_stopping: {monitor: val_rmse}\n",
                 "17:29: trainer.early_stopping.monitor: 'val_rmse' is not computed while training a regression "
                 "model, so early stopping would never trigger (rmse is computed by the Evaluator only; expected one of: "
                 "val_loss, val_mae, loss, mae)",
                 id="stop-monitor-eval-only-metric"),
    pytest.param("binary", "trainer:\n  learning_rate: {schedule: reduce_on_plateau, initial: 0.1, monitor: val_auc}\n",
                 "17:71: trainer.learning_rate.monitor: Keras' ReduceLROnPlateau treats 'val_auc' as lower is better "
                 "(it counts only names with 'acc' as higher is better), so the rate would drop while the model "
                 "improves (expected a loss or an accuracy: val_loss, val_accuracy, loss, accuracy)",
                 id="plateau-on-auc"),
    pytest.param("multiclass", "trainer:\n  learning_rate: {schedule: reduce_on_plateau, initial: 0.1, "
                 "monitor: val_mse}\n",
                 "17:71: trainer.learning_rate.monitor: 'val_mse' is not computed while training a multiclass model, "
                 "so the rate would never be reduced (did you mean 'val_loss'?)", id="plateau-monitor-missing"),
    pytest.param("multiclass", "trainer:\n  learning_rate: {schedule: reduce_on_plateau, initial: 0.1, patience: 3}\n"
                 "  early_stopping: {patience: 2}\n",
                 "18:30: trainer.early_stopping.patience: early stopping after 2 epochs without improvement ends "
                 "training before reduce_on_plateau (patience 3) ever lowers the rate (expected a patience above 3)",
                 id="stop-before-plateau"),
])
def test_contradictory_training_settings(tmp_path, task, extra, expected):
    text = BASE.replace("task: multiclass", f"task: {task}").replace("trainer:\n  epochs: 5\n", extra)
    if task == "regression":
        text = text.replace("label: species", "label: bill_length_mm").replace("bill_length_mm: zscore",
                                                                                "species: vocabulary")
    path = write(tmp_path, text)
    assert one_error(path) == f"{path}:{expected}"


@pytest.mark.parametrize("thresholds, expected", [
    pytest.param("    loss: {lower_bound: 0.3}\n", "20:12: evaluation.thresholds.loss.lower_bound: a lower_bound alone "
                 "blesses only models whose loss is at least 0.3, but lower is better for loss (expected upper_bound)",
                 id="lower-bound-on-loss"),
    pytest.param("    accuracy: {upper_bound: 0.8}\n", "20:16: evaluation.thresholds.accuracy.upper_bound: an "
                 "upper_bound alone blesses only models whose accuracy is at most 0.8, but higher is better for "
                 "accuracy (expected lower_bound)", id="upper-bound-on-accuracy"),
    pytest.param("    accuracy: {lower_bound: 80}\n", "20:29: evaluation.thresholds.accuracy.lower_bound: no model "
                 "can reach lower_bound 80: accuracy is at most 1 (expected a bound between 0 and 1)",
                 id="percent-not-fraction"),
    pytest.param("    loss: {upper_bound: -1}\n", "20:25: evaluation.thresholds.loss.upper_bound: no model can reach "
                 "upper_bound -1: loss is never negative (expected a bound >= 0)", id="negative-loss-bound"),
    pytest.param("    example_count: {min_improvement: 10}\n", "20:21: evaluation.thresholds.example_count."
                 "min_improvement: min_improvement does not apply to example_count: a count of examples is neither "
                 "better nor worse (expected lower_bound or upper_bound)", id="example-count-improvement"),
    pytest.param("    accuracy: {min_improvement: 2}\n", "20:33: evaluation.thresholds.accuracy.min_improvement: no "
                 "model can improve on its baseline by 2: accuracy is between 0 and 1 (expected a change below 1; "
                 "negative: how much worse it may be)", id="improvement-beyond-range"),
])
def test_contradictory_thresholds(tmp_path, thresholds, expected):
    path = write(tmp_path, BASE + "evaluation:\n  thresholds:\n" + thresholds)
    assert one_error(path) == f"{path}:{expected}"


def test_consistent_thresholds_and_ranges_pass(tmp_path):
    text = BASE + ("evaluation:\n  thresholds:\n    accuracy: {lower_bound: 0.5, upper_bound: 0.999}\n"
                   "    loss: {upper_bound: 2.0, min_improvement: -0.01}\n    example_count: {lower_bound: 1}\n")
    assert load_spec(write(tmp_path, text)).spec.evaluation.thresholds["loss"].upper_bound == 2.0


@pytest.mark.parametrize("line, expected", [
    pytest.param("dropout: {type: float, min: 0.0, max: 1.5}", "20:43: tuning.search_space.dropout.max: max 1.5 "
                 "does not fit model.dropout (expected < 1.0)", id="dropout-range"),
    pytest.param("optimizer: {type: choice, values: [adam, adamm]}", "20:46: tuning.search_space.optimizer.values[1]: "
                 "'adamm' does not fit trainer.optimizer (expected 'adam', 'sgd', 'rmsprop', 'adagrad' or 'adamw')",
                 id="optimizer-choice"),
    pytest.param("units: {type: float, min: 8, max: 64}", "20:19: tuning.search_space.units.type: units sets the "
                 "units of each hidden layer, which takes whole numbers (expected type: int or choice)",
                 id="units-float"),
    pytest.param("activation: {type: int, min: 1, max: 3}", "20:24: tuning.search_space.activation.type: activation "
                 "sets model.activation, which takes names, not an int range (expected type: choice with values)",
                 id="activation-range"),
    pytest.param("learning_rate: {type: float, min: 0.0001, max: 20, log: true}", "20:52: "
                 "tuning.search_space.learning_rate.max: max 20 does not fit the initial learning rate "
                 "(expected <= 10.0)", id="learning-rate-range"),
    pytest.param("num_layers: {type: int, min: 0, max: 3}", "20:34: tuning.search_space.num_layers.min: min 0 does "
                 "not fit the number of hidden layers (expected >= 1)", id="zero-layers"),
])
def test_search_space_the_model_refuses(tmp_path, line, expected):
    path = write(tmp_path, BASE + f"tuning:\n  search_space:\n    {line}\n")
    assert one_error(path) == f"{path}:{expected}"


# --- data files at validate time: one line naming the cause ---

@pytest.mark.parametrize("csv, message", [
    pytest.param(b"", "'{data}' is empty (expected a header row and data rows)", id="empty"),
    pytest.param(b"\n\n  \n", "'{data}' has only blank lines (expected a header row and data rows)", id="blank"),
    pytest.param(CSV.splitlines()[0] + "\n", "'{data}' has a header but no data rows (expected at least one example)",
                 id="header-only"),
    pytest.param(CSV.splitlines()[0], "'{data}' has a header but no data rows (expected at least one example)",
                 id="header-only-no-newline"),
    pytest.param(CSV.replace(",", ";"), "'{data}' seems to use ';' as its delimiter, not ',' (header: "
                 "'species;island;bill_length_mm') (expected ','-separated columns, or set data.delimiter: ';' "
                 "if that is intended)", id="semicolon"),
    pytest.param("species;island;bill_length_mm\nAdelie;Torgersen;39,1\nGentoo;Biscoe;46,1\n",
                 "'{data}' seems to use ';' as its delimiter, not ',' (header: 'species;island;bill_length_mm') "
                 "(expected ','-separated columns, or set data.delimiter: ';' if that is intended)",
                 id="semicolon-decimal-comma"),
    pytest.param(CSV.replace(",", "\t"), "'{data}' seems to use a tab as its delimiter, not ',' (header: "
                 "'species\\tisland\\tbill_length_mm') (expected ','-separated columns, or set data.delimiter: "
                 "\"\\t\" if that is intended)", id="tab"),
    pytest.param(CSV.replace(",", "|"), "'{data}' seems to use '|' as its delimiter, not ',' (header: "
                 "'species|island|bill_length_mm') (expected ','-separated columns, or set data.delimiter: '|' "
                 "if that is intended)", id="pipe"),
    pytest.param(b"species,island\nAdelie,Torg\xe9rsen\n", "'{data}' is not UTF-8: byte 0xe9 on line 2 in column "
                 "'island' (expected a UTF-8 CSV file)", id="latin-1-row"),
    pytest.param(b"sp\xe9cies,island,bill_length_mm\nA,b,1\n", "the header of '{data}' is not UTF-8: byte 0xe9 at "
                 "column 3 (expected a UTF-8 CSV file)", id="latin-1-header"),
])
def test_data_file_problem_is_one_line(tmp_path, csv, message):
    path = write(tmp_path, csv=csv)
    data = tmp_path / "data.csv"
    assert errors_of(path) == [f"{path}:6:9: data.path: {message.format(data=data)}"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_declared_delimiter_reads_the_columns(tmp_path, delimiter):
    path = write(tmp_path, csv=CSV.replace(",", delimiter))
    assert load_spec(path, {"data.delimiter": delimiter}).spec.data.delimiter == delimiter
    with pytest.raises(SpecErrors):  # and the same file without it is refused, naming the delimiter
        load_spec(path)


def test_an_unknown_delimiter_lists_the_known_ones(tmp_path):
    with pytest.raises(SpecErrors) as info:
        load_spec(write(tmp_path), {"data.delimiter": ":"})
    assert "data.delimiter" in str(info.value) and "';'" in str(info.value)


def test_comma_file_with_pipes_in_values_is_fine(tmp_path):
    csv = "species,island,bill_length_mm\nAdelie|x,Torgersen|y,39.1\nGentoo,Biscoe,46.1\n"
    assert load_spec(write(tmp_path, csv=csv)).spec.data.label == "species"


# --- the CLI: exit 2, no traceback; a closed stdout ends quietly with the true exit status ---

def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tfxkit", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120, **kwargs)


@pytest.mark.parametrize("text", [
    pytest.param(laughs(12), id="alias-bomb"),
    pytest.param(edit(("task: multiclass", "task: !!python/name:os.system multiclass")), id="python-tag"),
    pytest.param(edit(("root: runs", "root: ru\x00ns")), id="nul"),
    pytest.param(edit(("root: runs", "root: r\udce9ns")), id="latin-1"),
])
def test_cli_hostile_spec_exits_2_in_one_line(tmp_path, text):
    path = write(tmp_path, text)
    start = time.monotonic()
    result = cli("validate", str(path))
    assert time.monotonic() - start < 30
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{path}:") and lines[1] == f"tfxkit: 1 problem in {path}"
    assert all(ch.isprintable() for ch in result.stderr.replace("\n", ""))


def test_cli_invalid_schema_names_the_schema_file(tmp_path):
    path = write(tmp_path, schema=SCHEMA.replace("type: FLOAT", "typ: FLOAT"))
    result = cli("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'schema.pbtxt'}:11:3: schema.file: not a valid schema: Message type "
        "\"tensorflow.metadata.v0.Feature\" has no field named \"typ\" (expected a text-format "
        "tensorflow_metadata Schema)",
        f"tfxkit: 1 problem in {path}",
    ]


def closed_pipe_run(*args: str) -> subprocess.CompletedProcess:
    """The command with stdout and stderr on a pipe whose reader has already left."""
    read, write_end = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "tfxkit", *args], cwd=REPO_ROOT, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args, code", [
    (["plan", "pipelines/penguin.yaml", "--json"], 0),
    (["plan", "pipelines/taxi.yaml"], 0),
    (["validate", "pipelines/penguin.yaml", "pipelines/taxi.yaml"], 0),
    (["schema"], 0),
])
def test_closed_stdout_ends_quietly(args, code):
    result = closed_pipe_run(*args)
    assert result.returncode == code
    assert result.stderr == ""


def test_closed_stdout_keeps_the_true_exit_status(tmp_path):
    bad = write(tmp_path, edit(("  epochs: 5\n", "  epocs: 5\n")))
    result = closed_pipe_run("validate", "pipelines/penguin.yaml", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{bad}:17:3: trainer.epocs: unknown key (did you mean 'epochs'?)",
                                          f"tfxkit: 1 problem in {bad}"]


def test_head_of_a_real_pipe(tmp_path):
    out = subprocess.run(f"{sys.executable} -m tfxkit schema | head -c 1; {sys.executable} -m tfxkit plan "
                         "pipelines/taxi.yaml --json | head -1", shell=True, cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.stderr == "" and out.stdout == "{[\n"


# --- validate stays fast: nothing heavy imported for hostile specs or the schema check ---

PROBE = """
import contextlib, io, json, sys
from tfxkit.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
heavy = ["tensorflow", "tfx", "apache_beam", "tensorflow_transform", "tf_keras", "keras"]
print(json.dumps({"code": code, "heavy": sorted(m for m in heavy if m in sys.modules)}))
"""


@pytest.mark.parametrize("text, schema, code", [
    pytest.param(None, SCHEMA, 0, id="valid-with-schema"),
    pytest.param(None, SCHEMA.replace("type: FLOAT", "typ: FLOAT"), 2, id="bad-schema"),
    pytest.param(laughs(12), SCHEMA, 2, id="alias-bomb"),
    pytest.param(BASE + TUNE, SCHEMA, 0, id="tuning"),
])
def test_validate_imports_nothing_heavy(tmp_path, text, schema, code):
    path = write(tmp_path, text, schema=schema)
    env = {**os.environ, "TFXKIT_CACHE_DIR": ""}
    out = subprocess.run([sys.executable, "-c", PROBE, "validate", str(path)], cwd=REPO_ROOT, capture_output=True,
                         text=True, check=True, env=env)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"code": code, "heavy": []}


def test_cached_schema_skips_protobuf(tmp_path):
    path = write(tmp_path)
    env = {**os.environ, "TFXKIT_CACHE_DIR": str(tmp_path / "cache")}
    probe = PROBE.replace('heavy = [', 'heavy = ["google.protobuf.text_format", ')
    runs = [json.loads(subprocess.run([sys.executable, "-c", probe, "validate", str(path)], cwd=REPO_ROOT,
                                      capture_output=True, text=True, check=True, env=env).stdout.splitlines()[-1])
            for _ in range(2)]
    assert runs == [{"code": 0, "heavy": ["google.protobuf.text_format"]}, {"code": 0, "heavy": []}]


def test_thousands_of_mistakes_are_listed_up_to_a_cap(tmp_path):
    from tfxkit.config.load import MAX_REPORTED

    text = BASE + "".join(f"k{i}: 1\n" for i in range(3000))
    start = time.monotonic()
    errors = errors_of(write(tmp_path, text))
    assert time.monotonic() - start < HANG
    assert len(errors) == MAX_REPORTED + 1
    assert errors[0].endswith(":18:1: k0: unknown key (expected one of: " + errors[0].split("expected one of: ")[1])
    assert errors[-1].endswith(f":{18 + MAX_REPORTED}:1: {3000 - MAX_REPORTED} more problems from here on "
                               f"(only the first {MAX_REPORTED} are listed)")


@pytest.mark.parametrize("text, expected", [
    ("5", 5), ("[16, 8]", [16, 8]), ("{schedule: cosine, initial: 0.1}", {"schedule": "cosine", "initial": 0.1}),
    ("2024-01-01", "2024-01-01"),
])
def test_parse_value_for_overrides(text, expected):
    from tfxkit.config.yaml_positions import parse_value

    assert parse_value(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("!!python/name:os.system x", "1:1: tag !!python/name:os.system is not allowed"),
    ("a: [", "1:5: invalid YAML"),
    ("ab\x1bc", "1:3: control character \\x1b (U+001B) is not allowed"),
])
def test_parse_value_refuses_what_a_spec_refuses(text, expected):
    from tfxkit.config.yaml_positions import parse_value
    from tfxkit.config.yaml_problem import YamlProblem

    with pytest.raises(YamlProblem) as info:
        parse_value(text)
    assert f"{info.value.line}:{info.value.col}: {info.value.message}".startswith(expected)

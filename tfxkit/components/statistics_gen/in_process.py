"""A split's statistics computed in this process with TFDV's own generators, as its Beam pipeline computes them.

TFDV's `GenerateStatistics` on Beam runs two kinds of generator over the RecordBatches:
combiners (BasicStatsGenerator and the schema's sparse, weighted and natural-language
ones), which TFDV wraps in one CombineFn, and the exact top-k and uniques counts
(TopKUniquesStatsGenerator), which are Beam transforms: a count per (feature, value)
summed with CombinePerKey, the largest with Top.PerKey, the distinct values counted. Here
the same CombineFn object runs without Beam, the counts are summed in a dict (TFDV's
own `_to_topk_tuples` makes them), the largest are taken in the order Top.PerKey gives,
and TFDV's own functions make every proto; the results are merged with TFDV's merge, as
its pipeline's last step does. On one DirectRunner worker the work is the same, less
Beam's fixed cost per stage: most of StatisticsGen's time on small data.

`unsupported` says when this cannot give what TFDV's pipeline gives (other transform
generators, example weights, sampling, slicing, feature partitions): the caller then
runs TFX's Beam path.
"""

from __future__ import annotations

import collections
import heapq
from collections.abc import Iterable

import pyarrow as pa
from tensorflow_data_validation.statistics import stats_impl, stats_options
from tensorflow_data_validation.statistics.generators import stats_generator
from tensorflow_data_validation.statistics.generators.top_k_uniques_stats_generator import (
    TopKUniquesStatsGenerator,
    _to_topk_tuples,
)
from tensorflow_data_validation.utils import schema_util, top_k_uniques_stats_util
from tensorflow_metadata.proto.v0 import statistics_pb2
from tfx_bsl.statistics import merge_util


def unsupported(options: stats_options.StatsOptions) -> str | None:
    """Why these options need TFDV's Beam pipeline (None: `split_statistics` gives the same statistics)."""
    if options.sample_rate is not None:
        return "examples sampled"
    if options.slicing_config or options.experimental_slice_functions or options.experimental_slice_sqls:
        return "sliced statistics"
    if options.feature_allowlist:
        return "a feature allowlist"
    if options.experimental_num_feature_partitions != 1 or options.experimental_result_partitions != 1:
        return "feature partitions"
    if options.example_weight_map.all_weight_features():
        return "example weights"
    others = [g.name for g in stats_impl.get_generators(options)
              if not isinstance(g, (stats_generator.CombinerStatsGenerator, TopKUniquesStatsGenerator))]
    if others:
        return f"generators that run on Beam only ({', '.join(others)})"
    return None


def split_statistics(batches: Iterable[pa.RecordBatch],
                     options: stats_options.StatsOptions) -> statistics_pb2.DatasetFeatureStatisticsList:
    """The statistics TFDV's GenerateStatistics(options) gives for these RecordBatches (`unsupported` is None)."""
    generators = stats_impl.get_generators(options)
    combiners = [g for g in generators if isinstance(g, stats_generator.CombinerStatsGenerator)]
    combine = stats_impl._CombinerStatsGeneratorsCombineFn(combiners, options.desired_batch_size)  # noqa: SLF001
    combine.setup()
    accumulator = combine.create_accumulator()
    top_k = any(isinstance(g, TopKUniquesStatsGenerator) for g in generators)
    schema = options.schema
    bytes_features = frozenset(schema_util.get_bytes_features(schema) if schema else [])
    categorical_numeric = schema_util.get_categorical_numeric_feature_types(schema) if schema else {}
    counts: dict[tuple, int] = collections.Counter()
    read_any = False
    for batch in batches:
        read_any = True
        accumulator = combine.add_input(accumulator, batch)
        if top_k:
            for (_, path, value), (count, _) in _to_topk_tuples((None, batch), bytes_features, categorical_numeric,
                                                                options.example_weight_map):
                counts[path, value] += count
    if not read_any:  # Beam's combine has no key to output: TFDV's placeholder for empty input
        parts = [statistics_pb2.DatasetFeatureStatistics()]
    else:
        parts = [combine.extract_output(combine.compact(accumulator))] + _top_k_and_uniques(counts, options)
    return merge_util.merge_dataset_feature_statistics(parts)


def _top_k_and_uniques(counts: dict[tuple, int],
                       options: stats_options.StatsOptions) -> list[statistics_pb2.DatasetFeatureStatistics]:
    """TopKUniquesStatsGenerator's protos (unweighted) from the summed (feature path, value) counts."""
    per_feature: dict[tuple, list[tuple[int, object]]] = collections.defaultdict(list)
    for (path, value), count in counts.items():
        per_feature[path].append((count, value))
    keep = max(options.num_top_values, options.num_rank_histogram_buckets)
    protos = []
    for path, pairs in per_feature.items():
        largest = heapq.nlargest(keep, pairs)  # Top.PerKey's order: by (count, value), largest first
        protos.append(top_k_uniques_stats_util.make_dataset_feature_stats_proto_topk_single(
            feature_path_tuple=path,
            value_count_list=[top_k_uniques_stats_util.FeatureValueCount(value, count) for count, value in largest],
            is_weighted_stats=False, num_top_values=options.num_top_values,
            frequency_threshold=options.frequency_threshold,
            num_rank_histogram_buckets=options.num_rank_histogram_buckets))
        protos.append(top_k_uniques_stats_util.make_dataset_feature_stats_proto_unique_single(
            feature_path_tuple=path, num_uniques=len(pairs)))
    return protos

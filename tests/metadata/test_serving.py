"""Which push serves: the highest version folder present in the pipeline's destination."""

from __future__ import annotations

from tfxkit.metadata.serving import PushRecord, push_record, serving, serving_in, serving_order, tfx_push_records


def test_the_highest_version_present_serves_and_removed_folders_are_left_out(tmp_path):
    for version in (100, 300):
        (tmp_path / str(version)).mkdir()
    pushes = [PushRecord(1, str(tmp_path / "100")), PushRecord(2, str(tmp_path / "300")),
              PushRecord(3, str(tmp_path / "200")), PushRecord(4, str(tmp_path / "400"))]  # 200, 400: removed
    assert [p.id for p in serving_order(pushes)] == [2, 1]
    assert serving(pushes).version == 300


def test_only_the_newest_push_s_destination_counts(tmp_path):
    (tmp_path / "old" / "900").mkdir(parents=True)
    (tmp_path / "new" / "100").mkdir(parents=True)
    pushes = [PushRecord(1, str(tmp_path / "old" / "900")), PushRecord(2, str(tmp_path / "new" / "100"))]
    assert serving(pushes).id == 2  # the spec moved its destination: the old folder is no longer polled


def test_when_no_folder_is_visible_the_newest_push_stands_in(tmp_path):
    pushes = [PushRecord(1, "gs://bucket/serving/5"), PushRecord(2, "gs://bucket/serving/4")]
    assert [p.id for p in serving_order(pushes)] == [2, 1]
    assert serving([]) is None


def test_a_promotion_never_names_the_pipeline_s_destination_nor_its_served_push(tmp_path):
    for folder in ("staging/100", "staging/200", "production/900"):
        (tmp_path / folder).mkdir(parents=True)
    pushes = [PushRecord(1, str(tmp_path / "staging/100")), PushRecord(2, str(tmp_path / "staging/200")),
              PushRecord(3, str(tmp_path / "production/900"), promoted_to="production")]  # the newest: a promotion
    assert [p.id for p in serving_order(pushes)] == [2, 1]  # not production's 900, though newer and higher
    assert [p.id for p in serving_in(pushes, str(tmp_path / "production"))] == [3]
    assert serving([pushes[2]]) is None  # only promotions: the pipeline itself serves nothing yet


def test_records_from_properties_flag_promotions_and_leave_out_pushes_that_did_not_push():
    assert push_record(7, {"pushed": 1, "pushed_destination": "/s/3", "promoted_to": "production"}) == \
        PushRecord(7, "/s/3", "production")
    assert push_record(8, {"pushed": 1, "pushed_destination": "/s/4", "promoted_to": ""}).promoted_to is None
    assert push_record(9, {"pushed": 0, "pushed_destination": ""}) is None


class _TfxArtifact:
    """The two getters of tfx.types.Artifact a resolver strategy reads ('' and 0 for a missing property)."""

    def __init__(self, id: int, **properties):
        self.id, self._properties = id, properties

    def get_int_custom_property(self, name):
        return self._properties.get(name, 0)

    def get_string_custom_property(self, name):
        return self._properties.get(name, "")


def test_tfx_artifacts_make_the_same_records():
    artifacts = [_TfxArtifact(1, pushed=1, pushed_destination="/s/1"), _TfxArtifact(2, pushed=0),
                 _TfxArtifact(3, pushed=1, pushed_destination="/p/9", promoted_to="production")]
    assert tfx_push_records(artifacts) == [PushRecord(1, "/s/1"), PushRecord(3, "/p/9", "production")]

"""Which push serves: the highest version folder present in the pipeline's destination."""

from __future__ import annotations

from tfxkit.metadata.serving import PushRecord, serving, serving_order


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

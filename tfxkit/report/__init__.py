"""The HTML run report: one self-contained page per run (DAG, data, training, evaluation, lineage).

`collect` gathers a run's facts through tfxkit.lineage and tfxkit.metadata plus the
artifacts' own files (statistics, TensorBoard logs, tuner results); `plots` writes their
charts as inline SVG; `page` renders the Jinja2 template. No TensorFlow, TFX
or Beam is imported: `tfxkit report` answers in seconds, and a run writes its report
without loading anything new.
"""

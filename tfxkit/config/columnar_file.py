"""A Parquet or Avro file's column names from its schema alone, never its rows, and without TensorFlow.

Parquet: the footer's schema, read by pyarrow. Avro: the container header's
writer schema (JSON in the header's metadata block), read by fastavro, which
Beam's Avro reader already brings into the lock.
"""

from __future__ import annotations

from tfxkit.config.csv_file import CsvLook as ColumnsLook


def look_at_parquet(path: str) -> ColumnsLook:
    """The Parquet file's column names, or why they cannot be read."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except OSError as exc:
        return ColumnsLook(None, f"cannot read '{path}' as Parquet ({_first_line(exc)}) (expected a Parquet file)")
    except Exception as exc:  # pyarrow raises ArrowInvalid (a ValueError) for a file that is not Parquet
        return ColumnsLook(None, f"'{path}' is not a Parquet file ({_first_line(exc)})")
    return ColumnsLook(list(schema.names))


def look_at_avro(path: str) -> ColumnsLook:
    """The Avro container's record field names, or why they cannot be read."""
    import fastavro

    try:
        with open(path, "rb") as fh:
            schema = fastavro.reader(fh).writer_schema
    except OSError as exc:
        return ColumnsLook(None, f"cannot read '{path}' ({exc.strerror or exc.__class__.__name__})")
    except Exception as exc:  # fastavro raises ValueError and others for a file that is not an Avro container
        return ColumnsLook(None, f"'{path}' is not an Avro container file ({_first_line(exc)})")
    if not isinstance(schema, dict) or schema.get("type") != "record":
        return ColumnsLook(None, f"'{path}' holds Avro values of type {_type_name(schema)}, not records "
                           "(expected one record per example)")
    return ColumnsLook([f["name"] for f in schema.get("fields", [])])


def _type_name(schema: object) -> str:
    return str(schema.get("type")) if isinstance(schema, dict) else str(schema)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]

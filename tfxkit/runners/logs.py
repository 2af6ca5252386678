"""A run's log file, and the console kept to progress lines, with the store's password never written.

TFX, Beam and TensorFlow log a great deal, and TFX logs the metadata connection
config with its password; a person running a pipeline wants one progress line
per component on the console and everything else in a file they can send on.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from typing import Iterator

from tfxkit.config.load import LoadedSpec
from tfxkit.config.metadata_url import parse_metadata_url
from tfxkit.runners.progress import ProgressHandler

REDACTED = "***"


class PrintToLog(io.TextIOBase):
    """A stdout (or stderr) that sends printed lines to the log file (KerasTuner prints its trial summaries).

    Writers send a line in pieces (Python's report of an ignored exception does), so a line is logged
    when it ends, or when the writer flushes.
    """

    def __init__(self, stream: str = "stdout"):
        super().__init__()
        self._log = logging.getLogger(stream)
        self._line = ""

    def write(self, text: str) -> int:
        *lines, self._line = (self._line + text).split("\n")
        for line in lines:
            if line.strip():
                self._log.info(line)
        return len(text)

    def flush(self) -> None:
        line, self._line = self._line, ""
        if line.strip():
            self._log.info(line)


class Redact(logging.Filter):
    """Replaces secrets in every log record (TFX logs the metadata connection config, password included)."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            try:
                message = record.getMessage()
            except Exception:  # a malformed foreign record: leave it to the handler
                return True
            for secret in self._secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, None
        return True


def metadata_password(loaded: LoadedSpec) -> str:
    """The password in the spec's metadata URL ("" without one): what no log or record may hold."""
    url = loaded.spec.pipeline.metadata
    return parse_metadata_url(url).password if url else ""


def redact(text: str | None, password: str) -> str | None:
    """`text` with the password replaced, for what is recorded (an error may quote the connection)."""
    return text.replace(password, REDACTED) if text and password else text


@contextlib.contextmanager
def logging_to(path: str, progress: ProgressHandler, verbose: bool, secrets: list[str]) -> Iterator[None]:
    """Send every log record to `path` and component progress to the console.

    Unless verbose, console handlers that the TFX stack installed on import
    (Beam calls logging.basicConfig) are detached for the run and restored after.
    """
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.INFO)
    absl_logging.use_python_logging(quiet=True)
    root = logging.getLogger()
    old_level, detached = root.level, [] if verbose else list(root.handlers)
    tf_logger = logging.getLogger("tensorflow")
    tf_handlers = [] if verbose else list(tf_logger.handlers)
    for h in detached:
        root.removeHandler(h)
    for h in tf_handlers:
        tf_logger.removeHandler(h)
    root.setLevel(logging.INFO)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    file_handler = logging.FileHandler(path)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    ours = [file_handler, progress]
    for h in ours:
        root.addHandler(h)
    redacting, filtered = Redact(secrets), list(root.handlers)  # the console too, when verbose
    for h in filtered:
        h.addFilter(redacting)
    # Libraries print too (KerasTuner's trial summaries): into the log, unless verbose.
    stdout = PrintToLog()
    printed = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(stdout)
    try:
        with printed:
            yield
    finally:
        stdout.flush()  # a last line printed without its end
        for h in filtered:
            h.removeFilter(redacting)
        for h in ours:
            root.removeHandler(h)
        file_handler.close()
        for h in detached:
            root.addHandler(h)
        for h in tf_handlers:
            tf_logger.addHandler(h)
        root.setLevel(old_level)

"""What the run prints goes to its log a whole line at a time, however the writer splits it."""

from __future__ import annotations

import logging

from tfxkit.runners.logs import PrintToLog


def test_printed_pieces_are_logged_as_whole_lines(caplog):
    out = PrintToLog("stderr")
    with caplog.at_level("INFO", logger="stderr"):
        for piece in ["Exception ignored in: ", "<function f>", "\nTraceback (most recent call last):\n  File",
                      ' "x.py"\n\n', "KeyboardInterrupt: "]:  # as Python reports an ignored exception
            out.write(piece)
        assert [r.getMessage() for r in caplog.records] == [
            "Exception ignored in: <function f>", "Traceback (most recent call last):", '  File "x.py"']
        out.flush()  # the last line has no end: a flush logs it
        assert caplog.records[-1].getMessage() == "KeyboardInterrupt: "
        out.flush()
        assert len(caplog.records) == 4 and {r.name for r in caplog.records} == {"stderr"}
        assert all(r.levelno == logging.INFO for r in caplog.records)

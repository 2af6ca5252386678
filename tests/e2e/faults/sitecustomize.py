"""Test harness, loaded by `python` when this folder is on PYTHONPATH: with TFXKIT_TEST_SLOW_PUSH=SECONDS,
the Pusher's copy into a hidden `.partial` folder stops half-way (one file written) for that long, so an
e2e test can kill -9 the run mid-push and check that no partial model is ever visible to a server."""

import os
import shutil
import time

if os.environ.get("TFXKIT_TEST_SLOW_PUSH"):
    _copytree = shutil.copytree

    def _slow_copytree(src, dst, *args, **kwargs):
        if os.path.basename(dst).endswith(".partial"):
            os.makedirs(dst)
            shutil.copy2(os.path.join(src, "saved_model.pb"), dst)
            time.sleep(float(os.environ["TFXKIT_TEST_SLOW_PUSH"]))
            shutil.rmtree(dst)
        return _copytree(src, dst, *args, **kwargs)

    shutil.copytree = _slow_copytree

"""One module per CLI verb (group): parse arguments, call the layer below, print.

Each module exposes `register(subparsers)`; `tfxkit.cli` only collects them.
"""

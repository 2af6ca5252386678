"""Custom TFX components that pipeline specs add to their DAG under `components:`.

Each component lives in its own folder (component.py: the ComponentSpec and the
component class; executor.py: the BaseExecutor; a test and a README beside
them), written the way TFX's own components are. A spec names a component by
its import path, e.g. `components.serving_check.component.ServingCheck`;
`tfxkit validate` reads component.py with `ast` (nothing here is imported
until a run), and the whole folder's source is hashed into the component's
execution parameters so that editing it invalidates TFX's cache.
"""

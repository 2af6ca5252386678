"""`tfxkit init`: a new pipeline project in the layout tfxkit itself uses.

The templates ship inside the package (templates/common for every project, templates/examples/NAME
for an example's spec, data and schema), so `tfxkit init` works from an installed wheel. Pure Python:
no TensorFlow, TFX or Beam import.
"""

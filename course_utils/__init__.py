"""The normalizing-flows course's library: what the notebooks import.

Importing the package itself is light (no TensorFlow): the learner's modules (`builders`,
`masking`, `inspection`, `pass_costs`, `data`, `metrics`, `training`, `plotting`, `widgets`,
`exercises`) import TensorFlow quietly through `course_utils._tf` when they are imported.
The authoring tools (`course_utils.authoring`) never import TensorFlow.
"""

__version__ = "0.2.0"

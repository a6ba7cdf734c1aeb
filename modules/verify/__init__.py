"""`verify`: on the deployed AWS account, what a signed-in member may do, against the access
model. matrix.py decides (pure: expected, compared, rendered); aws.py makes the calls."""

"""groupfolders' own checkov rules (CKV_GF_1 ... CKV_GF_5); see README.md in this directory.

checkov only loads .py files from directories that contain an __init__.py.
"""

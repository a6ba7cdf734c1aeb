"""IAM policy documents as plain data: rendered from templates, checked, then emitted."""

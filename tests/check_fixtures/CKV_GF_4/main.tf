# CKV_GF_4 fixtures, hand-written HCL: pass_* must pass, fail_* must fail.

variable "allow_guests" {
  type    = bool
  default = true
}

variable "deny_guests" {
  type    = bool
  default = false
}

# The generator's pool.
resource "aws_cognito_identity_pool" "pass_generator_pool" {
  identity_pool_name               = "groupfolders-demo-dev"
  allow_classic_flow               = false
  allow_unauthenticated_identities = false
  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.web.id
    provider_name           = aws_cognito_user_pool.users.endpoint
    server_side_token_check = true
  }
}

resource "aws_cognito_identity_pool" "pass_absent" {
  identity_pool_name = "fixture-pass_absent"
}

resource "aws_cognito_identity_pool" "pass_false_string" {
  identity_pool_name               = "fixture-pass_false_string"
  allow_unauthenticated_identities = "false"
}

# In .tf, checkov resolves a variable's default (unlike in .tf.json).
resource "aws_cognito_identity_pool" "pass_variable_default_false" {
  identity_pool_name               = "fixture-pass_variable_default_false"
  allow_unauthenticated_identities = var.deny_guests
}

resource "aws_cognito_identity_pool" "fail_true" {
  identity_pool_name               = "fixture-fail_true"
  allow_unauthenticated_identities = true
}

resource "aws_cognito_identity_pool" "fail_true_string" {
  identity_pool_name               = "fixture-fail_true_string"
  allow_unauthenticated_identities = "true"
}

resource "aws_cognito_identity_pool" "fail_variable_default_true" {
  identity_pool_name               = "fixture-fail_variable_default_true"
  allow_unauthenticated_identities = var.allow_guests
}

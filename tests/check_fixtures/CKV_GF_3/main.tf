# CKV_GF_3 fixtures, hand-written HCL: pass_* must pass, fail_* must fail, na_* must not be reported.

# The generator's default (dev): Token mapping that falls back to the authenticated role.
resource "aws_cognito_identity_pool_roles_attachment" "fail_generator_token_authenticated_role" {
  identity_pool_id = aws_cognito_identity_pool.identities.id
  roles = {
    authenticated = aws_iam_role.no_group_role.arn
  }
  role_mapping {
    identity_provider         = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"
    type                      = "Token"
    ambiguous_role_resolution = "AuthenticatedRole"
  }
}

resource "aws_cognito_identity_pool_roles_attachment" "pass_generator_token_deny" {
  identity_pool_id = aws_cognito_identity_pool.identities.id
  roles = {
    authenticated = aws_iam_role.no_group_role.arn
  }
  role_mapping {
    identity_provider         = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"
    type                      = "Token"
    ambiguous_role_resolution = "Deny"
  }
}

resource "aws_cognito_identity_pool_roles_attachment" "pass_rules_deny" {
  identity_pool_id = aws_cognito_identity_pool.identities.id
  roles = {
    authenticated = aws_iam_role.no_group_role.arn
  }
  role_mapping {
    identity_provider         = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"
    type                      = "Rules"
    ambiguous_role_resolution = "Deny"
    mapping_rule {
      claim      = "cognito:groups"
      match_type = "Contains"
      role_arn   = aws_iam_role.analysts.arn
      value      = "analysts"
    }
  }
}

resource "aws_cognito_identity_pool_roles_attachment" "fail_rules_authenticated_role" {
  identity_pool_id = aws_cognito_identity_pool.identities.id
  roles = {
    authenticated = aws_iam_role.no_group_role.arn
  }
  role_mapping {
    identity_provider         = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"
    type                      = "Rules"
    ambiguous_role_resolution = "AuthenticatedRole"
    mapping_rule {
      claim      = "cognito:groups"
      match_type = "Contains"
      role_arn   = aws_iam_role.analysts.arn
      value      = "analysts"
    }
  }
}

resource "aws_cognito_identity_pool_roles_attachment" "fail_missing_resolution" {
  identity_pool_id = aws_cognito_identity_pool.identities.id
  roles = {
    authenticated = aws_iam_role.no_group_role.arn
  }
  role_mapping {
    identity_provider = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"
    type              = "Token"
  }
}

resource "aws_cognito_identity_pool_roles_attachment" "fail_one_of_two_mappings" {
  identity_pool_id = aws_cognito_identity_pool.identities.id
  roles = {
    authenticated = aws_iam_role.no_group_role.arn
  }
  role_mapping {
    identity_provider         = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"
    type                      = "Token"
    ambiguous_role_resolution = "Deny"
  }
  role_mapping {
    identity_provider         = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other:client"
    type                      = "Token"
    ambiguous_role_resolution = "AuthenticatedRole"
  }
}

resource "aws_cognito_identity_pool_roles_attachment" "na_no_role_mapping" {
  identity_pool_id = aws_cognito_identity_pool.identities.id
  roles = {
    authenticated = aws_iam_role.no_group_role.arn
  }
}

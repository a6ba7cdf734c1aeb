# CKV_GF_5 fixtures, hand-written HCL: pass_* must pass, fail_* must fail, na_* must not be reported.

resource "aws_s3_bucket" "files" {
  bucket = "acme-groupfolders-dev"
}

# The generator's permission document for a group with two prefixes, as HCL.
data "aws_iam_policy_document" "pass_generator_finance_permissions" {
  version = "2012-10-17"
  statement {
    sid       = "GroupListFolders"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["finance/reports/", "finance/reports/*", "finance/invoices/", "finance/invoices/*"]
    }
  }
  statement {
    sid       = "GroupReadWriteObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObjectVersion"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/finance/reports/*", "arn:aws:s3:::acme-groupfolders-dev/finance/invoices/*"]
  }
  statement {
    sid       = "PrivateListFolders"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["private/&{cognito-identity.amazonaws.com:sub}/", "private/&{cognito-identity.amazonaws.com:sub}/*"]
    }
  }
  statement {
    sid       = "PrivateReadWriteObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:GetObjectVersion"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/private/&{cognito-identity.amazonaws.com:sub}/*"]
  }
}

# The generator's TLS-only bucket policy: Deny statements are not judged.
data "aws_iam_policy_document" "na_generator_tls_deny" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev", "arn:aws:s3:::acme-groupfolders-dev/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "pass_tls_deny_and_folder_allow" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.files.arn, "${aws_s3_bucket.files.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/reports/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/reader"]
    }
  }
}

data "aws_iam_policy_document" "pass_bucket_reference_folder" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.files.arn}/reports/*"]
  }
}

data "aws_iam_policy_document" "fail_whole_bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/*"]
  }
}

data "aws_iam_policy_document" "fail_prefix_without_slash" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/fin*"]
  }
}

data "aws_iam_policy_document" "fail_every_bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::*"]
  }
}

data "aws_iam_policy_document" "fail_bucket_name_wildcard" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-*/reports/*"]
  }
}

data "aws_iam_policy_document" "fail_wildcard_mid_key" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/reports/*/2024/*"]
  }
}

data "aws_iam_policy_document" "fail_partition_wildcard" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:*:s3:::acme-groupfolders-dev/reports/*"]
  }
}

data "aws_iam_policy_document" "fail_bucket_reference_whole" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.files.arn}/*"]
  }
}

data "aws_iam_policy_document" "fail_question_mark_prefix" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.files.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["f?n/"]
    }
  }
}

data "aws_iam_policy_document" "fail_star_prefix" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.files.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["*"]
    }
  }
}

data "aws_iam_policy_document" "fail_prefix_value_without_slash" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.files.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["fin/", "fin*"]
    }
  }
}

# An empty s3:prefix lists the top of the bucket: every folder's name.
data "aws_iam_policy_document" "fail_empty_prefix_value" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.files.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["fin/", ""]
    }
  }
}

# NotResource grants every object except the excluded ones, in every bucket.
data "aws_iam_policy_document" "fail_not_resources" {
  statement {
    actions       = ["s3:GetObject"]
    not_resources = ["arn:aws:s3:::acme-groupfolders-dev/private/*"]
  }
}

data "aws_iam_policy_document" "fail_not_action_not_resources" {
  statement {
    not_actions   = ["iam:*"]
    not_resources = ["arn:aws:dynamodb:eu-west-1:111122223333:table/audit"]
  }
}

# A Deny with NotResource narrows access ("deny everything but the folder").
data "aws_iam_policy_document" "na_deny_not_resources" {
  statement {
    effect        = "Deny"
    actions       = ["s3:GetObject"]
    not_resources = ["arn:aws:s3:::acme-groupfolders-dev/fin/*"]
  }
}

data "aws_iam_policy_document" "na_not_resources_outside_s3" {
  statement {
    actions       = ["dynamodb:GetItem"]
    not_resources = ["arn:aws:dynamodb:eu-west-1:111122223333:table/audit"]
  }
}

data "aws_iam_policy_document" "na_non_s3_resource" {
  statement {
    actions   = ["dynamodb:GetItem"]
    resources = ["arn:aws:dynamodb:eu-west-1:111122223333:table/*"]
  }
}

resource "aws_iam_role_policy" "na_generator_policy" {
  name   = "folders"
  role   = aws_iam_role.group_finance_role.id
  policy = data.aws_iam_policy_document.pass_generator_finance_permissions.json
}

# An IAM policy variable is escaped as $${...} in HCL strings; it is not a wildcard.
resource "aws_iam_role_policy" "pass_inline_private_folder" {
  name = "folders"
  role = "fixture"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = "arn:aws:s3:::acme-groupfolders-dev"
        Condition = { StringLike = { "s3:prefix" = ["private/$${cognito-identity.amazonaws.com:sub}/", "private/$${cognito-identity.amazonaws.com:sub}/*"] } }
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "${aws_s3_bucket.files.arn}/private/$${cognito-identity.amazonaws.com:sub}/*"
      },
    ]
  })
}

resource "aws_iam_role_policy" "fail_inline_whole_bucket" {
  name = "folders"
  role = "fixture"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = ["${aws_s3_bucket.files.arn}/reports/*", "${aws_s3_bucket.files.arn}/*"]
    }]
  })
}

resource "aws_iam_policy" "fail_managed_prefix_wildcard" {
  name   = "fixture-list"
  policy = <<-JSON
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::acme-groupfolders-dev",
        "Condition": {"StringLike": {"s3:prefix": "*"}}
      }]
    }
  JSON
}

resource "aws_iam_role_policy" "fail_inline_not_resource" {
  name = "folders"
  role = "fixture"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect      = "Allow"
      Action      = "s3:GetObject"
      NotResource = "arn:aws:s3:::acme-groupfolders-dev/private/*"
    }]
  })
}

resource "aws_iam_policy" "fail_managed_empty_prefix" {
  name   = "fixture-list-top"
  policy = <<-JSON
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::acme-groupfolders-dev",
        "Condition": {"StringEquals": {"s3:prefix": ""}}
      }]
    }
  JSON
}

resource "aws_s3_bucket_policy" "pass_bucket_policy_deny_and_allow" {
  bucket = aws_s3_bucket.files.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::acme-groupfolders-dev", "arn:aws:s3:::acme-groupfolders-dev/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.files.arn}/reports/*"
      },
    ]
  })
}

resource "aws_s3_bucket_policy" "na_bucket_policy_tls_deny_only" {
  bucket = aws_s3_bucket.files.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::acme-groupfolders-dev", "arn:aws:s3:::acme-groupfolders-dev/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_s3_bucket_policy" "fail_bucket_policy_allow_whole_bucket" {
  bucket = aws_s3_bucket.files.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::acme-groupfolders-dev/*"
    }]
  })
}

# Known limitation, kept here so that a checkov upgrade that changes it is noticed: checkov
# 3.3.30 cannot evaluate a jsonencode() whose lists hold references, and hands the check
# unparseable text. The check cannot read it and reports nothing (this policy WOULD fail).
# Writing the policy as an aws_iam_policy_document data source avoids this.
resource "aws_s3_bucket_policy" "na_checkov_cannot_render_jsonencode" {
  bucket = aws_s3_bucket.files.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }
      Action    = "s3:GetObject"
      Resource  = [aws_s3_bucket.files.arn, "${aws_s3_bucket.files.arn}/*"]
    }]
  })
}

# tags mode: a principal tag that the statement requires to be a non-empty folder ("?*/").
data "aws_iam_policy_document" "pass_principal_tag_folder" {
  statement {
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["&{aws:PrincipalTag/read.1}", "&{aws:PrincipalTag/read.1}*"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:PrincipalTag/read.1"
      values   = ["?*/"]
    }
  }
  statement {
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/&{aws:PrincipalTag/read.1}*"]
    condition {
      test     = "StringLike"
      variable = "aws:PrincipalTag/read.1"
      values   = ["?*/"]
    }
  }
}

# The same without the condition: an empty tag would make it the whole bucket.
data "aws_iam_policy_document" "fail_principal_tag_unguarded" {
  statement {
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/&{aws:PrincipalTag/read.1}*"]
  }
}

# The condition guards another tag than the one in the resource.
data "aws_iam_policy_document" "fail_principal_tag_other_guarded" {
  statement {
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::acme-groupfolders-dev/&{aws:PrincipalTag/read.2}*"]
    condition {
      test     = "StringLike"
      variable = "aws:PrincipalTag/read.1"
      values   = ["?*/"]
    }
  }
}


# CKV_GF_2 fixtures, hand-written HCL: pass_* must pass, fail_* must fail, na_* must not be reported.

locals {
  bucket_arn = "arn:aws:s3:::acme-groupfolders-dev"
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

data "aws_iam_policy_document" "pass_generator_no_group_permissions" {
  statement {
    sid       = "PrivateListFolders"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["private/&{cognito-identity.amazonaws.com:sub}/", "private/&{cognito-identity.amazonaws.com:sub}/*"]
    }
  }
  statement {
    sid       = "PrivateReadWriteObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/private/&{cognito-identity.amazonaws.com:sub}/*"]
  }
}

# IAM action and condition key names are case-insensitive.
data "aws_iam_policy_document" "pass_case_insensitive_names" {
  statement {
    actions   = ["s3:listbucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "S3:Prefix"
      values   = ["reports/"]
    }
  }
}

data "aws_iam_policy_document" "fail_prefix_on_get_object" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/*"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["reports/", "reports/*"]
    }
  }
}

data "aws_iam_policy_document" "fail_prefix_on_mixed_actions" {
  statement {
    actions   = ["s3:ListBucket", "s3:GetObject"]
    resources = [local.bucket_arn, "${local.bucket_arn}/reports/*"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["reports/", "reports/*"]
    }
  }
}

data "aws_iam_policy_document" "fail_prefix_on_list_wildcard" {
  statement {
    actions   = ["s3:List*"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["reports/", "reports/*"]
    }
  }
}

data "aws_iam_policy_document" "fail_prefix_with_not_actions" {
  statement {
    not_actions = ["s3:DeleteBucket"]
    resources   = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["reports/", "reports/*"]
    }
  }
}

# The rule holds for Deny too: this Deny never matches an object request.
data "aws_iam_policy_document" "fail_deny_prefix_on_delete" {
  statement {
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["reports/", "reports/*"]
    }
  }
  statement {
    effect    = "Deny"
    actions   = ["s3:DeleteObject"]
    resources = ["${local.bucket_arn}/*"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["reports/", "reports/*"]
    }
  }
}

data "aws_iam_policy_document" "fail_uppercase_key_on_put" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/reports/*"]
    condition {
      test     = "StringLike"
      variable = "S3:PREFIX"
      values   = ["reports/*"]
    }
  }
}

data "aws_iam_policy_document" "na_objects_by_resource" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/reports/*"]
  }
}

# The generator's TLS-only bucket policy: no s3:prefix at all.
data "aws_iam_policy_document" "na_generator_tls_deny" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
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

resource "aws_iam_role_policy" "na_generator_policy" {
  name   = "folders"
  role   = aws_iam_role.group_finance_role.id
  policy = data.aws_iam_policy_document.pass_generator_finance_permissions.json
}

resource "aws_iam_role_policy" "pass_inline_list_prefix" {
  name = "folders"
  role = "fixture"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = ["s3:ListBucket", "s3:ListBucketVersions"]
        Resource  = local.bucket_arn
        Condition = { StringLike = { "s3:prefix" = ["reports/", "reports/*"] } }
      },
      {
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.bucket_arn}/reports/*"
      },
    ]
  })
}

resource "aws_iam_role_policy" "fail_inline_get_with_prefix" {
  name   = "folders"
  role   = "fixture"
  policy = <<-JSON
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::acme-groupfolders-dev/*",
        "Condition": {"StringLike": {"s3:prefix": "reports/*"}}
      }]
    }
  JSON
}

# Policy text that cannot be read here.
resource "aws_iam_role_policy" "na_inline_not_json" {
  name   = "folders"
  role   = "fixture"
  policy = file("policy.json")
}

resource "aws_iam_policy" "pass_managed_list_versions" {
  name = "fixture-versions"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "s3:ListBucketVersions"
      Resource  = local.bucket_arn
      Condition = { StringEquals = { "s3:prefix" = "reports/" } }
    }]
  })
}

resource "aws_iam_policy" "fail_managed_put_with_prefix" {
  name = "fixture-put"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = ["s3:PutObject"]
      Resource  = ["${local.bucket_arn}/*"]
      Condition = { StringLike = { "s3:prefix" = ["reports/*"] } }
    }]
  })
}

resource "aws_s3_bucket_policy" "na_generator_bucket_policy" {
  bucket = aws_s3_bucket.files.id
  policy = data.aws_iam_policy_document.na_generator_tls_deny.json
}

resource "aws_s3_bucket_policy" "pass_bucket_policy_list" {
  bucket = "acme-groupfolders-dev"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }
      Action    = "s3:ListBucket"
      Resource  = local.bucket_arn
      Condition = { StringLike = { "s3:prefix" = "reports/*" } }
    }]
  })
}

resource "aws_s3_bucket_policy" "fail_bucket_policy_get_with_prefix" {
  bucket = "acme-groupfolders-dev"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }
      Action    = ["s3:ListBucket", "s3:GetObject"]
      Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
      Condition = { StringLike = { "s3:prefix" = "reports/*" } }
    }]
  })
}

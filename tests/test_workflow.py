"""The GitHub Actions workflow: its shape (actionlint checks the syntax in `make lint`) and its
sticky-comment script, run under Node with a stand-in for the GitHub API."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import yaml

from tests.conftest import PROJECT

WORKFLOW = PROJECT / ".github" / "workflows" / "groupfolders.yml"
STICKY = PROJECT / ".github" / "scripts" / "sticky_comment.js"


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: str) -> list[dict[str, Any]]:
    return workflow()["jobs"][job]["steps"]


def step_using(job: str, action: str) -> dict[str, Any]:
    (step,) = [s for s in steps(job) if s.get("uses", "").startswith(f"{action}@")]
    return step


def runs(job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def test_runs_on_pull_requests_and_on_main():
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"] == {"branches": ["main"]}


def test_every_action_is_pinned_by_version_tag():
    uses = re.findall(r"uses: (\S+)", WORKFLOW.read_text())
    assert uses
    assert [u for u in uses if not re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+(\.\d+){0,2}", u)] == []


def test_gate_installs_with_a_cache_runs_the_gate_and_uploads_sarif():
    python = step_using("gate", "actions/setup-python")["with"]
    assert python["cache"] == "pip"
    assert python["cache-dependency-path"].split() == ["requirements.txt", "requirements-checkov.txt"]
    assert step_using("gate", "actions/setup-node")["with"]["node-version"] == "${{ env.NODE_VERSION }}"
    assert "make synth" in runs("gate")
    sarif = step_using("gate", "github/codeql-action/upload-sarif")["with"]
    assert sarif == {"sarif_file": "reports/check.sarif", "category": "groupfolders"}
    assert workflow()["jobs"]["gate"]["permissions"]["security-events"] == "write"


def test_gate_posts_the_access_diff_once_and_writes_a_step_summary():
    assert '.venv/bin/groupfolders report --base-ref "$BASE_SHA" --fail-on widened > access-diff.md' in runs(
        "gate"
    )
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs("gate")
    script = step_using("gate", "actions/github-script")["with"]["script"]
    assert "require('./.github/scripts/sticky_comment.js')" in script
    assert "section: 'access'" in script


def test_widening_fails_only_when_the_repository_opts_in():
    opt_in = workflow()["env"]["BLOCK_WIDENING"]
    assert "vars.GROUPFOLDERS_BLOCK_WIDENING == 'true'" in opt_in
    assert "contains(github.event.pull_request.labels.*.name, 'groupfolders:block-widening')" in opt_in
    (last,) = steps("gate")[-1:]
    assert last["if"] == "${{ steps.diff.outputs.exit-code == '3' }}"
    assert 'if [ "$BLOCK_WIDENING" = "true" ]; then' in last["run"]


def test_plan_and_deploy_run_only_with_an_aws_role_per_environment():
    jobs = workflow()["jobs"]
    for name in ("plan", "deploy"):
        job = jobs[name]
        assert "vars.AWS_ROLE_ARN != ''" in job["if"]
        assert job["permissions"]["id-token"] == "write"
        assert job["strategy"]["matrix"]["environment"] == "${{ fromJSON(needs.gate.outputs.environments) }}"
        assert step_using(name, "aws-actions/configure-aws-credentials")["with"]["role-to-assume"] == (
            "${{ vars.AWS_ROLE_ARN }}"
        )
    assert "github.event_name == 'pull_request'" in jobs["plan"]["if"]
    assert "github.ref == 'refs/heads/main'" in jobs["deploy"]["if"]
    assert jobs["deploy"]["environment"] == "${{ matrix.environment }}"
    assert 'terraform -chdir="$STACK" show -json plan.tfplan > "plan-$ENVIRONMENT.json"' in runs("plan")
    assert ".venv/bin/groupfolders plan-summary" in runs("plan")
    assert 'terraform -chdir="$STACK" apply -input=false plan.tfplan' in runs("deploy")
    assert "section: 'plan'" in step_using("plan-comment", "actions/github-script")["with"]["script"]


# A stand-in for octokit: comments kept in a list, every call recorded.
STICKY_RUN = """
const fs = require('fs');
const sticky = require(process.argv[1]);
const comments = JSON.parse(process.argv[2]);
const calls = [];
const github = {
  paginate: async () => comments,
  rest: { issues: {
    listComments: 'listComments',
    createComment: async (a) => { calls.push('create'); comments.push({ id: 99, body: a.body }); },
    updateComment: async (a) => {
      calls.push(`update ${a.comment_id}`);
      comments.find((c) => c.id === a.comment_id).body = a.body;
    },
  } },
};
const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } };
(async () => {
  for (const [section, text] of JSON.parse(process.argv[3])) {
    fs.writeFileSync('section.md', text);
    await sticky.post({ github, context, section, file: 'section.md' });
  }
  console.log(JSON.stringify({ calls, comments }));
})();
"""


def post_sections(tmp_path, comments: list[dict[str, Any]], sections: list[list[str]]) -> dict[str, Any]:
    result = subprocess.run(
        ["node", "-e", STICKY_RUN, str(STICKY), json.dumps(comments), json.dumps(sections)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_sticky_comment_is_created_once_then_updated_section_by_section(tmp_path):
    other = {"id": 1, "body": "LGTM"}
    result = post_sections(
        tmp_path, [other], [["access", "diff v1\n"], ["plan", "plan dev\n"], ["access", "diff v2\n"]]
    )
    assert result["calls"] == ["create", "update 99", "update 99"]
    assert result["comments"] == [
        other,
        {
            "id": 99,
            "body": "<!-- groupfolders:sticky -->\n### groupfolders\n\n"
            "<!-- groupfolders:section:access -->\ndiff v2\n<!-- /groupfolders:section:access -->\n"
            "<!-- groupfolders:section:plan -->\nplan dev\n<!-- /groupfolders:section:plan -->\n",
        },
    ]


def test_a_comment_that_merely_mentions_the_marker_is_not_taken_over(tmp_path):
    quoted = {"id": 5, "body": "why does <!-- groupfolders:sticky --> appear?"}
    result = post_sections(tmp_path, [quoted], [["access", "diff\n"]])
    assert result["calls"] == ["create"]
    assert result["comments"][0] == quoted


def test_deploy_verifies_dev_and_staging_after_apply():
    deploy = steps("deploy")
    (applied,) = [i for i, s in enumerate(deploy) if "apply -input=false plan.tfplan" in s.get("run", "")]
    (verified,) = [i for i, s in enumerate(deploy) if "groupfolders verify" in s.get("run", "")]
    assert applied < verified
    only = "${{ matrix.environment == 'dev' || matrix.environment == 'staging' }}"
    assert [s["if"] for s in deploy[applied + 1 :]] == [only, only, only]
    step = deploy[verified]
    assert '.venv/bin/groupfolders verify --env "$ENVIRONMENT" > "verify-$ENVIRONMENT.md"' in step["run"]
    assert "-r requirements-aws.txt" in step["run"]
    assert step["run"].rstrip().endswith('exit "$code"')

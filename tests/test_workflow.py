"""The GitHub Actions workflow: its shape (actionlint checks the syntax in `make lint`, zizmor its
security here and there) and its sticky-comment script, run under Node with a stand-in for the
GitHub API."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT

WORKFLOW = PROJECT / ".github" / "workflows" / "groupfolders.yml"
# The reusable workflow (on: workflow_call) that other repositories call; WORKFLOW's gate calls it.
GATE = PROJECT / ".github" / "workflows" / "groupfolders-gate.yml"
STICKY = PROJECT / ".github" / "scripts" / "sticky_comment.js"
DEPENDABOT = PROJECT / ".github" / "dependabot.yml"
ZIZMOR = Path(sys.executable).parent / "zizmor"

PLAN_ROLE = "${{ vars.AWS_PLAN_ROLE_ARN }}"
DEPLOY_ROLE = "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"
ON_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
RUN_URL = "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}"
# `uses: owner/repo[/path]@<full commit SHA> # vX.Y.Z`: what Dependabot keeps current.
PINNED = re.compile(r"\s*(- )?uses: [\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+")
# A reusable workflow of this repository: the same commit as the caller, nothing to pin.
LOCAL = re.compile(r"\s*uses: \./\.github/workflows/[\w.-]+\.yml")


@functools.cache
def workflow(path: Path = WORKFLOW) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def jobs() -> dict[str, dict[str, Any]]:
    return workflow()["jobs"]


def gate() -> dict[str, Any]:
    return workflow(GATE)["jobs"]["gate"]


def every_job() -> dict[str, dict[str, Any]]:
    """The jobs of both workflows that run steps: the gate is the reusable workflow's."""
    return {**{name: job for name, job in jobs().items() if "steps" in job}, "gate": gate()}


def steps(job: str) -> list[dict[str, Any]]:
    return every_job()[job]["steps"]


def step_using(job: str, action: str) -> dict[str, Any]:
    (step,) = [s for s in steps(job) if s.get("uses", "").startswith(f"{action}@")]
    return step


def runs(job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def role_of(job: str) -> str | None:
    found = [s for s in steps(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    return found[0]["with"]["role-to-assume"] if found else None


def unpinned(text: str) -> list[str]:
    """Every `uses:` that is not pinned (a comment's usage example is no step)."""
    return [
        line
        for line in text.splitlines()
        if "uses:" in line
        and not line.lstrip().startswith("#")
        and not PINNED.fullmatch(line)
        and not LOCAL.fullmatch(line)
    ]


def test_runs_on_every_pull_request_change_including_labels_and_on_main():
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert triggers == {
        "pull_request": {"types": ["opened", "synchronize", "reopened", "labeled", "unlabeled"]},
        "push": {"branches": ["main"]},
    }


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment():
    text, called = WORKFLOW.read_text(), GATE.read_text()
    used = re.compile(r"^ *(- )?uses: ", re.MULTILINE)
    assert (len(used.findall(text)), len(used.findall(called))) == (17, 8)
    assert unpinned(text) == unpinned(called) == []
    tag = "      - uses: actions/checkout@v5"
    short = "      - uses: actions/checkout@fbc6f39 # v5.1.0"
    bare = "      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09"
    other = "    uses: octo/gate/.github/workflows/gate.yml@main"
    local = "    uses: ./.github/workflows/groupfolders-gate.yml"
    assert unpinned("\n".join([tag, short, bare, other, local])) == [tag, short, bare, other]


def test_every_checkout_keeps_no_credentials():
    checkouts = [
        (name, step)
        for name, job in every_job().items()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert sorted({name for name, _ in checkouts}) == [
        "deploy-dev",  # verify reads the environments (dev and staging; the step is skipped for prod)
        "deploy-prod",
        "deploy-staging",
        "gate",
        "plan",
        "plan-comment",
        "plan-dev",
        "plan-prod",
        "plan-staging",
    ]
    assert [name for name, step in checkouts if step["with"].get("persist-credentials") is not False] == []


def test_every_job_has_a_timeout():
    # A job that calls a reusable workflow takes no timeout: the called job has its own.
    assert "timeout-minutes" not in jobs()["gate"]
    timeouts = {name: job.get("timeout-minutes") for name, job in every_job().items()}
    assert [name for name, minutes in timeouts.items() if not isinstance(minutes, int) or minutes <= 0] == []
    assert timeouts["gate"] == 30
    assert timeouts["deploy-prod"] == 60


def test_the_workflow_grants_nothing_by_default():
    assert workflow()["permissions"] == workflow(GATE)["permissions"] == {}


SAME_PR = f"github.event_name == 'pull_request' && {SAME_REPOSITORY}"
INSTALL = (
    '"$RUNNER_TEMP/groupfolders/bin/pip" install --quiet '
    '"groupfolders[synth] @ git+https://github.com/${GROUPFOLDERS_REPOSITORY}@${GROUPFOLDERS_REF}"'
)


def test_this_repository_gates_with_the_reusable_workflow_installed_from_its_own_commit():
    caller = jobs()["gate"]
    assert caller["uses"] == "./.github/workflows/groupfolders-gate.yml"
    assert (
        caller["permissions"]
        == gate()["permissions"]
        == {
            "contents": "read",
            "security-events": "write",
            "pull-requests": "write",
        }
    )
    assert caller["with"]["groupfolders-repository"] == "${{ github.repository }}"
    assert caller["with"]["groupfolders-ref"] == "${{ github.event.pull_request.head.sha || github.sha }}"
    called = workflow(GATE)[True]["workflow_call"]  # YAML 1.1 reads the key `on` as true
    assert set(caller["with"]) <= set(called["inputs"])
    assert [name for name, spec in called["inputs"].items() if spec.get("required")] == [
        "groupfolders-repository",
        "groupfolders-ref",
    ]
    assert called["outputs"]["environments"]["value"] == "${{ jobs.gate.outputs.environments }}"


def test_the_gate_installs_the_pinned_groupfolders_and_checkov_and_uploads_sarif_except_from_forks():
    install = runs("gate")
    assert INSTALL in install
    assert '"$RUNNER_TEMP/checkov/bin/pip" install --quiet "checkov==${CHECKOV_VERSION}"' in install
    pinned = re.search(r"^checkov==(\S+)$", (PROJECT / "requirements-checkov.txt").read_text(), re.MULTILINE)
    assert pinned is not None and workflow(GATE)["env"]["CHECKOV_VERSION"] == pinned[1]
    assert step_using("gate", "actions/setup-node")["with"]["node-version"] == "${{ inputs.node-version }}"
    assert 'groupfolders check --environments "$ENVIRONMENTS"' in runs("gate")
    assert "make " not in runs("gate") and ".venv/" not in runs("gate")
    sarif = step_using("gate", "github/codeql-action/upload-sarif")
    assert sarif["with"] == {"sarif_file": "reports/check.sarif", "category": "groupfolders"}
    assert sarif["if"] == (
        "${{ !cancelled() && hashFiles('reports/check.sarif') != '' && "
        f"(github.event_name == 'push' || {SAME_REPOSITORY}) }}}}"
    )


def named(job: str, name: str) -> dict[str, Any]:
    (step,) = [s for s in steps(job) if s.get("name") == name]
    return step


def test_gate_posts_the_access_diff_or_its_failure_once_keeps_it_whole_and_writes_a_step_summary():
    assert (
        'groupfolders report --environments "$ENVIRONMENTS" --base-ref "$BASE_SHA" --fail-on widened '
        "> access-diff.md"
    ) in runs("gate")
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs("gate")
    assert "head -c 1000000 access-diff.md" in runs("gate")
    full = named("gate", "Keep the whole access diff")
    assert full["with"]["name"] == "access-diff" and full["with"]["path"] == "access-diff.md"
    script_checkout = named("gate", "Check out the sticky-comment script")
    assert script_checkout["with"]["repository"] == "${{ inputs.groupfolders-repository }}"
    assert script_checkout["with"]["ref"] == "${{ inputs.groupfolders-ref }}"
    comment = step_using("gate", "actions/github-script")
    assert comment["if"] == script_checkout["if"] == f"${{{{ !cancelled() && {SAME_PR} }}}}"
    assert comment["env"] == {
        "GATE_STATUS": "${{ job.status }}",
        "HEAD_SHA": "${{ github.event.pull_request.head.sha }}",
        "RUN_URL": RUN_URL,
        "FULL_URL": "${{ steps.full.outputs.artifact-url }}",
    }
    script = comment["with"]["script"]
    assert "require('./.groupfolders-scripts/.github/scripts/sticky_comment.js')" in script
    assert "if (process.env.GATE_STATUS === 'success')" in script
    assert "sticky.post({ github, context, section: 'access', file: 'access-diff.md', full })" in script
    assert "sticky.postFailure({ github, context, what: 'The gate', run })" in script
    # The comment is posted before the step that fails on a blocked widening: that diff stays.
    names = [s.get("name") for s in steps("gate")]
    assert names.index("Sticky pull-request comment (access diff)") == len(names) - 2


def test_widening_fails_only_when_the_repository_opts_in():
    opt_in = jobs()["gate"]["with"]["block-widening"]
    assert "vars.GROUPFOLDERS_BLOCK_WIDENING == 'true'" in opt_in
    assert "contains(github.event.pull_request.labels.*.name, 'groupfolders:block-widening')" in opt_in
    assert workflow(GATE)[True]["workflow_call"]["inputs"]["block-widening"] == {
        "description": "fail the pull request when its access diff widens access",
        "type": "boolean",
        "default": False,
    }
    (last,) = steps("gate")[-1:]
    assert last["if"] == "${{ steps.diff.outputs.exit-code == '3' }}"
    assert last["env"] == {"BLOCK_WIDENING": "${{ inputs.block-widening }}"}
    assert 'if [ "$BLOCK_WIDENING" = "true" ]; then' in last["run"]


def test_no_expression_is_spliced_into_a_script():
    """Template injection: a value reaches `run:` and `script:` through an environment variable."""
    scripts = [
        (name, step.get("run") or step.get("with", {}).get("script", ""))
        for name, job in every_job().items()
        for step in job["steps"]
    ]
    assert len(scripts) > 30
    assert [(name, text) for name, text in scripts if "${{" in text] == []


def test_pull_request_plans_use_only_the_plan_role_and_never_from_a_fork():
    plan = jobs()["plan"]
    assert (
        plan["if"]
        == f"${{{{ github.event_name == 'pull_request' && {SAME_REPOSITORY} && vars.AWS_PLAN_ROLE_ARN != '' }}}}"
    )
    assert "environment" not in plan
    assert role_of("plan") == PLAN_ROLE
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    assert plan["strategy"]["matrix"]["environment"] == "${{ fromJSON(needs.gate.outputs.environments) }}"
    assert 'terraform -chdir="$STACK" plan -input=false -lock=false -out=plan.tfplan' in runs("plan")
    assert 'terraform -chdir="$STACK" show -json plan.tfplan > "plan-$ENVIRONMENT.json"' in runs("plan")
    assert ".venv/bin/groupfolders plan-summary" in runs("plan")
    assert "apply" not in runs("plan")
    # The saved plan leaves a job only on main, where a deploy job of the same run applies it.
    (keep,) = [s for s in steps("plan") if s.get("name") == "Keep the saved plan for the deploy job"]
    assert keep["if"] == "${{ github.event_name == 'push' }}"
    comment = jobs()["plan-comment"]
    assert comment["if"] == f"${{{{ !cancelled() && needs.plan.result != 'skipped' && {SAME_REPOSITORY} }}}}"
    script = step_using("plan-comment", "actions/github-script")["with"]["script"]
    assert (
        "sticky.postPlans({ github, context, dir: 'plans', result: process.env.PLAN_RESULT, run })" in script
    )


def test_only_the_deploy_jobs_have_an_environment_and_the_deploy_role():
    roles = {name: role_of(name) for name in every_job()}
    assert {name: role for name, role in roles.items() if role} == {
        "plan": PLAN_ROLE,
        "plan-dev": PLAN_ROLE,
        "deploy-dev": DEPLOY_ROLE,
        "plan-staging": PLAN_ROLE,
        "deploy-staging": DEPLOY_ROLE,
        "plan-prod": PLAN_ROLE,
        "deploy-prod": DEPLOY_ROLE,
    }
    environments = {name: job["environment"] for name, job in jobs().items() if "environment" in job}
    assert environments == {"deploy-dev": "dev", "deploy-staging": "staging", "deploy-prod": "prod"}
    # An OIDC token only where a role is assumed.
    tokens = {name for name, job in every_job().items() if job["permissions"].get("id-token") == "write"}
    assert tokens == {name for name, role in roles.items() if role}
    assert "AWS_ROLE_ARN" not in WORKFLOW.read_text()
    for environment in ("dev", "staging", "prod"):
        assert jobs()[f"deploy-{environment}"]["env"]["ENVIRONMENT"] == environment
        assert jobs()[f"plan-{environment}"]["env"]["ENVIRONMENT"] == environment
        assert jobs()[f"plan-{environment}"]["if"] == f"${{{{ {ON_MAIN} && vars.AWS_PLAN_ROLE_ARN != '' }}}}"


def test_deploys_go_dev_then_staging_then_prod_each_after_its_own_plan():
    needs = {name: job.get("needs") for name, job in jobs().items()}
    chain, job = [], "deploy-prod"
    while job != "gate":
        chain.append(job)
        job = needs[job]
    assert chain[::-1] == [
        "plan-dev",
        "deploy-dev",
        "plan-staging",
        "deploy-staging",
        "plan-prod",
        "deploy-prod",
    ]


def test_deploy_applies_the_saved_plan_of_its_own_run_and_nothing_else():
    for environment in ("dev", "staging", "prod"):
        job = f"deploy-{environment}"
        assert jobs()[job]["env"]["PLAN_SHA256"] == f"${{{{ needs.plan-{environment}.outputs.plan-sha256 }}}}"
        assert jobs()[f"plan-{environment}"]["outputs"] == {"plan-sha256": "${{ steps.plan.outputs.sha256 }}"}
        assert jobs()[job]["concurrency"] == {
            "group": f"groupfolders-deploy-{environment}",
            "cancel-in-progress": False,
        }
        downloads = [
            s["with"] for s in steps(job) if s.get("uses", "").startswith("actions/download-artifact@")
        ]
        assert downloads == [
            {"name": "cdktf-out", "path": "cdktf.out/"},
            {"name": "tfplan-${{ env.ENVIRONMENT }}", "path": "${{ env.STACK }}"},
        ]
        assert 'echo "$PLAN_SHA256  $STACK/plan.tfplan" | sha256sum --check --strict' in runs(job)
        assert 'terraform -chdir="$STACK" apply -input=false plan.tfplan' in runs(job)
        assert " plan " not in runs(job)
    (keep,) = [s for s in steps("plan-dev") if s.get("name") == "Keep the saved plan for the deploy job"]
    assert keep["with"]["name"] == "tfplan-${{ env.ENVIRONMENT }}"
    assert keep["with"]["path"].splitlines() == [
        "${{ env.STACK }}/plan.tfplan",
        "${{ env.STACK }}/.terraform.lock.hcl",
    ]


def test_dependabot_keeps_the_action_pins_and_the_requirements_current():
    updates = yaml.safe_load(DEPENDABOT.read_text())["updates"]
    assert [(u["package-ecosystem"], u["directory"], u["schedule"]["interval"]) for u in updates] == [
        ("github-actions", "/", "weekly"),
        ("pip", "/", "weekly"),
    ]


def readme_policies() -> list[dict[str, Any]]:
    """The JSON policies of the README's CI section, in order: plan trust, plan permissions, deploy trust."""
    readme = (PROJECT / "README.md").read_text()
    ci = readme[readme.index("\n## CI\n") : readme.index("\n## CDKTF status")]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", ci, re.DOTALL)]


def writes(actions: list[str]) -> list[str]:
    return [a for a in actions if not re.fullmatch(r"[a-z0-9-]+:(Get|List|Describe)[A-Za-z*]*", a)]


def test_the_readme_trusts_pull_requests_with_the_plan_role_and_environments_with_deploy_roles():
    plan_trust, plan_permissions, deploy_trust = readme_policies()
    issuer = "token.actions.githubusercontent.com"
    for trust, subjects in (
        (plan_trust, ["repo:OWNER/REPO:pull_request", "repo:OWNER/REPO:ref:refs/heads/main"]),
        (deploy_trust, "repo:OWNER/REPO:environment:prod"),
    ):
        (statement,) = trust["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"] == {"Federated": f"arn:aws:iam::ACCOUNT:oidc-provider/{issuer}"}
        assert statement["Condition"] == {
            "StringEquals": {f"{issuer}:aud": "sts.amazonaws.com", f"{issuer}:sub": subjects}
        }
    state, metadata = plan_permissions["Statement"]
    assert (state["Action"], state["Resource"]) == (
        "s3:GetObject",
        "arn:aws:s3:::STATE-BUCKET/groupfolders/*",
    )
    assert "s3:GetObject" not in metadata["Action"]
    assert writes(metadata["Action"]) == []
    assert writes(["s3:PutObject", "iam:PassRole", "kms:GetKeyPolicy"]) == ["s3:PutObject", "iam:PassRole"]


def zizmor_findings(directory: Path) -> list[tuple[str, str]]:
    """zizmor's medium and high findings on `directory`, offline, as (audit, severity)."""
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--format", "json", "--min-severity", "medium", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 13, 14), result.stderr  # 13/14: findings of medium/high severity
    return sorted((f["ident"], f["determinations"]["severity"]) for f in json.loads(result.stdout))


def test_zizmor_finds_nothing_of_medium_or_high_severity():
    assert zizmor_findings(PROJECT / ".github") == []
    assert sorted(path.name for path in (PROJECT / ".github" / "workflows").iterdir()) == [
        "groupfolders-gate.yml",
        "groupfolders.yml",
    ]


def test_zizmor_reports_an_unpinned_action_and_a_checkout_that_keeps_its_token(tmp_path):
    broken = GATE.read_text().replace(
        "actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0\n        with:\n"
        "          fetch-depth: 0 # `report --base-ref` reads the base's environments from git\n"
        "          persist-credentials: false\n",
        "actions/checkout@v5\n        with:\n          fetch-depth: 0\n",
    )
    assert broken != GATE.read_text()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(WORKFLOW, tmp_path / ".github" / "workflows" / "groupfolders.yml")
    (tmp_path / ".github" / "workflows" / "groupfolders-gate.yml").write_text(broken)
    shutil.copy(DEPENDABOT, tmp_path / ".github" / "dependabot.yml")
    assert zizmor_findings(tmp_path / ".github") == [("artipacked", "Medium"), ("unpinned-uses", "High")]


# A stand-in for octokit: comments kept in a list, every call recorded; what the workflow's
# token writes is written by github-actions[bot]. Each action is [function, arguments]; `text`
# becomes the file of `post`, `files` the directory of `postPlans`.
STICKY_RUN = """
const fs = require('fs');
const path = require('path');
const sticky = require(process.argv[1]);
const comments = JSON.parse(process.argv[2]);
const calls = [];
const bot = { login: 'github-actions[bot]', type: 'Bot' };
const github = {
  paginate: async () => comments,
  rest: { issues: {
    listComments: 'listComments',
    createComment: async (a) => { calls.push('create'); comments.push({ id: 99, user: bot, body: a.body }); },
    updateComment: async (a) => {
      calls.push(`update ${a.comment_id}`);
      comments.find((c) => c.id === a.comment_id).body = a.body;
    },
  } },
};
const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } };
(async () => {
  for (const [fn, args] of JSON.parse(process.argv[3])) {
    if (args.text !== undefined) {
      fs.writeFileSync('section.md', args.text);
      args.file = 'section.md';
    }
    for (const [name, text] of Object.entries(args.files || {})) {
      fs.mkdirSync(args.dir, { recursive: true });
      fs.writeFileSync(path.join(args.dir, name), text);
    }
    await sticky[fn]({ github, context, ...args });
  }
  console.log(JSON.stringify({ calls, comments }));
})();
"""

BOT = {"login": "github-actions[bot]", "type": "Bot"}
RUN = {"sha": "0123456789abcdef0123456789abcdef01234567", "url": "https://github.com/o/r/actions/runs/42"}
HEAD = "<!-- groupfolders:sticky -->\n### groupfolders\n\n"


def section(name: str, text: str) -> str:
    return f"<!-- groupfolders:section:{name} -->\n{text}\n<!-- /groupfolders:section:{name} -->\n"


def sticky(tmp_path, comments: list[dict[str, Any]], actions: list[list[Any]]) -> dict[str, Any]:
    result = subprocess.run(
        ["node", "-e", STICKY_RUN, str(STICKY), json.dumps(comments), json.dumps(actions)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_sticky_comment_is_created_once_then_updated_section_by_section(tmp_path):
    other = {"id": 1, "user": {"login": "octocat", "type": "User"}, "body": "LGTM"}
    result = sticky(
        tmp_path,
        [other],
        [
            ["post", {"section": "access", "text": "diff v1\n"}],
            ["post", {"section": "plan", "text": "plan dev\n"}],
            ["post", {"section": "access", "text": "diff v2\n"}],
        ],
    )
    assert result["calls"] == ["create", "update 99", "update 99"]
    assert result["comments"] == [
        other,
        {"id": 99, "user": BOT, "body": HEAD + section("access", "diff v2") + section("plan", "plan dev")},
    ]


def test_a_comment_that_merely_mentions_the_marker_is_not_taken_over(tmp_path):
    quoted = {"id": 5, "user": BOT, "body": "why does <!-- groupfolders:sticky --> appear?"}
    result = sticky(tmp_path, [quoted], [["post", {"section": "access", "text": "diff\n"}]])
    assert result["calls"] == ["create"]
    assert result["comments"][0] == quoted


def test_only_the_workflow_bots_marker_comment_is_updated(tmp_path):
    ours = {"id": 3, "user": BOT, "body": HEAD + section("access", "old diff")}
    result = sticky(tmp_path, [ours], [["post", {"section": "access", "text": "new diff\n"}]])
    assert result["calls"] == ["update 3"]
    assert result["comments"] == [{"id": 3, "user": BOT, "body": HEAD + section("access", "new diff")}]


def test_a_marker_comment_by_anyone_else_is_left_alone(tmp_path):
    planted = [
        {
            "id": 1,
            "user": {"login": "mallory", "type": "User"},
            "body": HEAD + section("access", "No change"),
        },
        {
            "id": 2,
            "user": {"login": "other-app[bot]", "type": "Bot"},
            "body": HEAD + section("access", "No change"),
        },
        {
            "id": 4,
            "user": {"login": "github-actions[bot]", "type": "User"},
            "body": HEAD + section("access", "x"),
        },
    ]
    result = sticky(tmp_path, [dict(c) for c in planted], [["post", {"section": "access", "text": "diff\n"}]])
    assert result["calls"] == ["create"]
    assert result["comments"] == [*planted, {"id": 99, "user": BOT, "body": HEAD + section("access", "diff")}]


NOTE = (
    "**The gate failed** on commit `0123456789abcdef0123456789abcdef01234567`: nothing here is about this "
    "commit yet; see [the run](https://github.com/o/r/actions/runs/42)."
)


def test_a_failed_gate_replaces_every_section_with_the_commit_and_the_run(tmp_path):
    ours = {
        "id": 3,
        "user": BOT,
        "body": HEAD + section("access", "previous diff") + section("plan", "previous plan"),
    }
    result = sticky(tmp_path, [ours], [["postFailure", {"what": "The gate", "run": RUN}]])
    assert result["calls"] == ["update 3"]
    assert result["comments"][0]["body"] == HEAD + section("access", NOTE) + section("plan", NOTE)


def test_a_failed_gate_on_the_first_push_says_so_in_a_new_comment(tmp_path):
    result = sticky(tmp_path, [], [["postFailure", {"what": "The gate", "run": RUN}]])
    assert result["calls"] == ["create"]
    assert result["comments"][0]["body"] == HEAD + section("access", NOTE)


def test_plans_are_posted_in_one_section_sorted_by_environment(tmp_path):
    files = {"plan-prod.md": "prod plan\n", "plan-dev.md": "dev plan\n", "notes.txt": "not a summary"}
    result = sticky(
        tmp_path, [], [["postPlans", {"dir": "plans", "files": files, "result": "success", "run": RUN}]]
    )
    assert result["comments"][0]["body"] == HEAD + section("plan", "dev plan\n\nprod plan")


def test_a_failed_plan_is_said_first_with_the_commit_and_the_run(tmp_path):
    ours = {"id": 3, "user": BOT, "body": HEAD + section("access", "diff") + section("plan", "previous plan")}
    files = {"plan-dev.md": "dev plan\n"}
    result = sticky(
        tmp_path, [ours], [["postPlans", {"dir": "plans", "files": files, "result": "failure", "run": RUN}]]
    )
    note = NOTE.replace("The gate", "terraform plan")
    assert result["comments"][0]["body"] == HEAD + section("access", "diff") + section(
        "plan", f"{note}\ndev plan"
    )


def test_no_plan_summary_at_all_is_said(tmp_path):
    result = sticky(tmp_path, [], [["postPlans", {"dir": "plans", "result": "success", "run": RUN}]])
    assert result["comments"][0]["body"] == HEAD + section(
        "plan", "No plan summary was produced: see the plan jobs."
    )


@pytest.mark.parametrize("job", ["deploy-dev", "deploy-staging", "deploy-prod"])
def test_deploy_verifies_after_apply_except_in_prod(job):
    """The steps are the shared deploy steps; `if` skips them in prod. Their checkout needs
    `contents: read` (without it a private repository's checkout fails after the apply), and
    what they install holds deploy credentials' company: hash-pinned only."""
    deploy = steps(job)
    (applied,) = [i for i, s in enumerate(deploy) if "apply -input=false plan.tfplan" in s.get("run", "")]
    (verify,) = [i for i, s in enumerate(deploy) if "groupfolders verify" in s.get("run", "")]
    assert applied < verify
    assert [s["if"] for s in deploy[applied + 1 :]] == ["${{ env.ENVIRONMENT != 'prod' }}"] * 3
    assert jobs()[job]["permissions"] == {"contents": "read", "id-token": "write"}
    step = deploy[verify]
    assert '.venv/bin/groupfolders verify --env "$ENVIRONMENT" > "verify-$ENVIRONMENT.md"' in step["run"]
    assert "--require-hashes --no-deps \\\n  -r requirements-aws.lock" in step["run"]
    assert "requirements-aws.txt" not in step["run"]
    assert step["run"].rstrip().endswith('exit "$code"')


# --- the gate's commands, run in a repository that holds only environments/

# This checkout stands in for the installed groupfolders (the wheel is built elsewhere). The
# installed package accepts the findings of its own defaults by itself; this checkout keeps
# them in its security/accepted_findings.yaml, which the stand-in passes.
STAND_IN = """#!/bin/sh
if [ "$1" = check ]; then
  shift
  exec "{python}" "{main}" check --accepted-findings "{accepted}" "$@"
fi
exec "{python}" "{main}" "$@"
"""
RUNS = (
    "Gate (groupfolders check)",
    "Access diff against the base branch",
    "Step summary",
    "List the synthesized stacks (the plan matrix)",
    "Fail on widened access (opted in)",
)


def git(repository: Path, *arguments: str) -> str:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    done = subprocess.run(
        ["git", *identity, *arguments], cwd=repository, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def user_repository(tmp_path: Path) -> tuple[Path, str]:
    """A git repository with only environments/: the example's dev, then a head that widens
    access (analysts may write) and adds a group; returns it and the base commit."""
    repository = tmp_path / "repository"
    (repository / "environments").mkdir(parents=True)
    for name in ("_groups.yaml", "dev.yaml"):
        shutil.copy(PROJECT / "environments" / name, repository / "environments" / name)
    git(repository, "init", "--quiet", "--initial-branch=main")
    git(repository, "add", "environments")
    git(repository, "commit", "--quiet", "-m", "base")
    base = git(repository, "rev-parse", "HEAD")
    groups = repository / "environments" / "_groups.yaml"
    widened = groups.read_text().replace(
        "access: read\n    precedence: 30", "access: readwrite\n    precedence: 30"
    )
    groups.write_text(
        widened
        + "  - name: auditors\n    description: Read the invoices\n    access: read\n    precedence: 50\n"
        "    prefixes: [audit/]\n"
    )
    git(repository, "commit", "--quiet", "-am", "head: a new group")
    return repository, base


def run_step(name: str, repository: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    step = named("gate", name)
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_gates_commands_run_in_a_repository_that_holds_only_environments(tmp_path: Path):
    repository, base = user_repository(tmp_path)
    tools = tmp_path / "bin"
    tools.mkdir()
    stand_in = tools / "groupfolders"
    stand_in.write_text(
        STAND_IN.format(
            python=sys.executable,
            main=PROJECT / "main.py",
            accepted=PROJECT / "security" / "accepted_findings.yaml",
        )
    )
    stand_in.chmod(0o755)
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {
        "PATH": f"{tools}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "GROUPFOLDERS_CHECKOV": os.environ.get(
            "GROUPFOLDERS_CHECKOV", str(PROJECT / ".venv-checkov" / "bin" / "checkov")
        ),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "ENVIRONMENTS": "environments",
        "BASE_SHA": base,
        "FULL_URL": "https://github.com/o/r/actions/runs/42/artifacts/7",
        "BLOCK_WIDENING": "false",
    }
    results = {name: run_step(name, repository, env) for name in RUNS}
    assert {name: result.returncode for name, result in results.items()} == dict.fromkeys(RUNS, 0), {
        name: result.stderr[-2000:] for name, result in results.items()
    }
    assert (repository / "reports" / "check.sarif").is_file()
    assert output.read_text().splitlines() == ["exit-code=3", 'environments=["dev"]']
    diff = (repository / "access-diff.md").read_text()
    assert diff.startswith(
        "# Access changes\n\n**0 data loss, 1 widened, 0 narrowed, 2 added, 0 removed, 1 other**\n\n## `dev`\n\n"
        "- **widened**: group `analysts` gains write, delete on `analysts/`\n"
        "- **added**: group `auditors` gains list, read on `audit/`\n"
    )
    assert "which changes: `auditors` after `uploads`\n" in diff
    assert summary.read_text() == "## groupfolders: access diff\n" + diff
    assert results["Fail on widened access (opted in)"].stdout == (
        "::warning::this pull request widens access (see the access diff)\n"
    )
    blocked = run_step("Fail on widened access (opted in)", repository, {**env, "BLOCK_WIDENING": "true"})
    assert blocked.returncode == 1
    assert blocked.stdout.startswith("::error::this pull request widens access")
    assert sorted(path.name for path in repository.iterdir()) == [
        ".git",
        "access-diff.md",
        "cdktf.out",
        "environments",
        "reports",
    ]


FULL = "https://github.com/o/r/actions/runs/42/artifacts/7"


def long_diff(items: int) -> str:
    """An access diff of `items` folded list items, then a chart."""
    item = "- **widened**: a change\n  <details><summary>the groups</summary>\n\n  `a`, `b`\n\n  </details>\n"
    return "# Access changes\n\n" + item * items + "\n```mermaid\nflowchart LR\n  a --> b\n```\n"


def test_a_diff_too_long_for_a_comment_is_cut_between_items_and_links_the_whole_file(tmp_path):
    text = long_diff(600)
    result = sticky(tmp_path, [], [["post", {"section": "access", "text": text, "full": FULL}]])
    body = result["comments"][0]["body"]
    kept = body[body.index("# Access changes") : body.index("\n\n**Cut here:**")]
    assert len(body) < 40_000 + len(HEAD) + 200
    assert body.endswith(
        f"\n\n**Cut here:** {len(text)} characters do not fit a comment; the whole text is [here]({FULL}).\n"
        "<!-- /groupfolders:section:access -->\n"
    )
    assert text.startswith(kept) and kept.endswith("  </details>")
    assert kept.count("<details>") == kept.count("</details>") and "```" not in kept
    short = long_diff(3)
    result = sticky(tmp_path, [], [["post", {"section": "access", "text": short, "full": FULL}]])
    assert result["comments"][0]["body"] == HEAD + section("access", short.rstrip())


def test_the_whole_comment_stays_below_60000_characters_however_long_each_part(tmp_path):
    files = {f"plan-env{n}.md": "| add | `aws_iam_role.r` |\n" * 400 for n in range(3)}
    result = sticky(
        tmp_path,
        [],
        [
            ["post", {"section": "access", "text": long_diff(600), "full": FULL}],
            ["postPlans", {"dir": "plans", "files": files, "result": "success", "run": RUN}],
        ],
    )
    (comment,) = result["comments"]
    assert len(comment["body"]) < 60_000
    assert comment["body"].count("**Cut here:**") == 2
    assert f"the whole text is [here]({RUN['url']}).\n<!-- /groupfolders:section:plan -->" in comment["body"]

// One pull-request comment per PR, found again by a hidden marker and updated in place.
// Each job owns one section (access diff, plan of one environment), so jobs that finish in
// any order never overwrite each other's part. Used from actions/github-script:
//   await require('./.github/scripts/sticky_comment.js').post({github, context, section, file})
'use strict';

const fs = require('fs');

const MARKER = '<!-- groupfolders:sticky -->';
const HEADING = '### groupfolders';

function start(section) {
  return `<!-- groupfolders:section:${section} -->`;
}

function end(section) {
  return `<!-- /groupfolders:section:${section} -->`;
}

// The comment body with `section` set to `text`; sections stay sorted by name.
function upsertSection(body, section, text) {
  const sections = new Map();
  const pattern = /<!-- groupfolders:section:([^ ]+) -->\n([\s\S]*?)\n<!-- \/groupfolders:section:\1 -->/g;
  for (const match of (body || '').matchAll(pattern)) {
    sections.set(match[1], match[2]);
  }
  sections.set(section, text.trimEnd());
  const parts = [...sections.keys()].sort().map((name) => `${start(name)}\n${sections.get(name)}\n${end(name)}`);
  return [MARKER, HEADING, '', ...parts].join('\n') + '\n';
}

async function post({ github, context, section, file }) {
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const existing = comments.find((comment) => (comment.body || '').startsWith(MARKER));
  const body = upsertSection(existing ? existing.body : '', section, fs.readFileSync(file, 'utf8'));
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
}

module.exports = { MARKER, upsertSection, post };

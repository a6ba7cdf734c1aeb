// One pull-request comment per PR, found again by a hidden marker and updated in place.
// Each job owns one section (access diff, plans), so jobs that finish in any order never
// overwrite each other's part. Used from actions/github-script:
//   await require('./.github/scripts/sticky_comment.js').post({github, context, section, file})
'use strict';

const fs = require('fs');
const path = require('path');

const MARKER = '<!-- groupfolders:sticky -->';
const HEADING = '### groupfolders';
// The author of every comment the workflow writes with its GITHUB_TOKEN. Anyone can write a
// comment that starts with the marker; only this one's is ours to update.
const BOT = { login: 'github-actions[bot]', type: 'Bot' };
// GitHub refuses a comment of more than 65,536 characters: each section keeps to its share,
// the whole comment below 60,000 (a section of another name keeps to the smaller share).
const LIMITS = { access: 40000, plan: 19000 };

// `text` cut to `limit` characters before a line that starts a list item, heading or block
// outside any code block and <details>, ending in a link to the whole text (`full`).
function capped(text, limit, full) {
  if (text.length <= limit) {
    return text;
  }
  const note = `\n\n**Cut here:** ${text.length} characters do not fit a comment; the whole text is [here](${full}).\n`;
  let fenced = false;
  let depth = 0;
  let used = 0;
  let cut = 0;
  for (const line of text.split('\n')) {
    if (used + note.length > limit) {
      break;
    }
    // Before a line that starts something (not the indented rest of a list item).
    if (!fenced && depth === 0 && line !== '' && !line.startsWith(' ')) {
      cut = used;
    }
    const trimmed = line.trim();
    if (trimmed.startsWith('```')) {
      fenced = !fenced;
    } else if (!fenced && trimmed.startsWith('<details>')) {
      depth += 1;
    } else if (!fenced && trimmed.startsWith('</details>')) {
      depth -= 1;
    }
    used += line.length + 1;
  }
  return text.slice(0, cut).trimEnd() + note;
}

function start(section) {
  return `<!-- groupfolders:section:${section} -->`;
}

function end(section) {
  return `<!-- /groupfolders:section:${section} -->`;
}

function sectionsOf(body) {
  const sections = new Map();
  const pattern = /<!-- groupfolders:section:([^ ]+) -->\n([\s\S]*?)\n<!-- \/groupfolders:section:\1 -->/g;
  for (const match of (body || '').matchAll(pattern)) {
    sections.set(match[1], match[2]);
  }
  return sections;
}

// The comment body with each of `updates` (section name to text) set; sections stay sorted by name.
function upsertSections(body, updates) {
  const sections = sectionsOf(body);
  for (const [section, text] of Object.entries(updates)) {
    sections.set(section, text.trimEnd());
  }
  const parts = [...sections.keys()].sort().map((name) => `${start(name)}\n${sections.get(name)}\n${end(name)}`);
  return [MARKER, HEADING, '', ...parts].join('\n') + '\n';
}

function isOurs(comment) {
  const user = comment.user || {};
  return user.login === BOT.login && user.type === BOT.type && (comment.body || '').startsWith(MARKER);
}

// What stands in a section when the job that writes it failed: nothing of an earlier push stays.
function failureNote(what, run) {
  return `**${what} failed** on commit \`${run.sha}\`: nothing here is about this commit yet; see [the run](${run.url}).`;
}

// `sections`: from the body of our comment (empty when there is none yet), the sections to set.
async function write({ github, context, sections }) {
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const existing = comments.find(isOurs);
  const previous = existing ? existing.body : '';
  const body = upsertSections(previous, sections(previous));
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
}

// `full`: where the whole file is (the workflow artifact), linked when it is cut.
async function post({ github, context, section, file, full }) {
  const text = capped(fs.readFileSync(file, 'utf8'), LIMITS[section] || LIMITS.plan, full);
  await write({ github, context, sections: () => ({ [section]: text }) });
}

// `what` failed: the access section and every other section of the comment say so.
async function postFailure({ github, context, what, run }) {
  const note = failureNote(what, run);
  const sections = (body) => Object.fromEntries(['access', ...sectionsOf(body).keys()].map((name) => [name, note]));
  await write({ github, context, sections });
}

// The plan section: every summary in `dir` (one Markdown file per environment), headed by a
// failure note unless every plan job succeeded.
async function postPlans({ github, context, dir, result, run }) {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.md')).sort() : [];
  const summaries = names.map((name) => fs.readFileSync(path.join(dir, name), 'utf8'));
  const parts = result === 'success' ? summaries : [failureNote('terraform plan', run), ...summaries];
  const text = capped(parts.join('\n') || 'No plan summary was produced: see the plan jobs.\n', LIMITS.plan, run.url);
  await write({ github, context, sections: () => ({ plan: text }) });
}

module.exports = { MARKER, BOT, LIMITS, capped, failureNote, post, postFailure, postPlans };

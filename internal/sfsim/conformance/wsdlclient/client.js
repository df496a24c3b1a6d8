// A conformance probe: node-soap, a WSDL-driven SOAP client none of us
// wrote, loads Salesforce's Partner WSDL and talks to the endpoint given,
// which is the only thing changed from the WSDL. It prints one JSON object
// with what it saw; the Go test (wsdlclient_test.go) asserts on it.
//
// Usage: node client.js --wsdl partner.wsdl --endpoint http://host/services/Soap/u/58.0
//        --username U --password P [--rows N]
'use strict';

const soap = require('soap');

const PARTNER = 'urn:partner.soap.sforce.com';

function args(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`bad argument ${argv[i]}`);
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['wsdl', 'endpoint', 'username', 'password']) {
    if (!out[k]) throw new Error(`--${k} is required`);
  }
  return out;
}

// fault turns a node-soap rejection into what the library parsed of the
// SOAP fault: faultcode, faultstring and the detail element it found.
function fault(err) {
  const body = err && err.root && err.root.Envelope && err.root.Envelope.Body;
  const f = body && body.Fault;
  if (!f) {
    return { parsed: false, message: String(err && err.message), status: err && err.response && err.response.status };
  }
  const detail = f.detail || {};
  const detailTypes = Object.keys(detail).filter((k) => k !== 'attributes');
  const d = detailTypes.length ? detail[detailTypes[0]] : {};
  return {
    parsed: true,
    status: err.response && err.response.status,
    faultcode: f.faultcode,
    faultstring: f.faultstring,
    detailType: detailTypes[0] || null,
    exceptionCode: d.exceptionCode || null,
    row: d.row === undefined ? null : Number(d.row),
    column: d.column === undefined ? null : Number(d.column),
  };
}

// expectFault runs a call that must fail and returns the parsed fault.
async function expectFault(call) {
  try {
    const res = await call();
    return { parsed: false, unexpectedSuccess: JSON.stringify(res[0]).slice(0, 500) };
  } catch (err) {
    return fault(err);
  }
}

function asArray(v) {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function setSession(client, sessionId) {
  client.clearSoapHeaders();
  client.addSoapHeader({ SessionHeader: { sessionId } }, '', 'tns', PARTNER);
}

async function main() {
  const a = args(process.argv);
  const out = { steps: [] };
  const step = (name) => out.steps.push(name);

  const client = await soap.createClientAsync(a.wsdl, { endpoint: a.endpoint });
  step('wsdl');

  // A wrong password: LoginFault, parsed by the library.
  out.invalidLogin = await expectFault(() => client.loginAsync({ username: a.username, password: 'wrong' }));

  const [login] = await client.loginAsync({ username: a.username, password: a.password });
  const lr = login.result;
  out.login = {
    serverUrl: lr.serverUrl,
    sessionIdShape: /^00D[A-Za-z0-9]{12}![A-Za-z0-9._]+$/.test(lr.sessionId),
    userId: lr.userId,
    passwordExpired: lr.passwordExpired,
    userName: lr.userInfo && lr.userInfo.userName,
    sessionSecondsValid: lr.userInfo && lr.userInfo.sessionSecondsValid,
  };
  step('login');
  // As every Partner client does: further calls go to serverUrl.
  client.setEndpoint(lr.serverUrl);
  setSession(client, lr.sessionId);

  const [ui] = await client.getUserInfoAsync({});
  out.userInfo = { userName: ui.result.userName, organizationId: ui.result.organizationId };
  step('getUserInfo');

  const [dg] = await client.describeGlobalAsync({});
  const sobjects = asArray(dg.result.sobjects);
  out.describeGlobal = {
    maxBatchSize: dg.result.maxBatchSize,
    names: sobjects.map((s) => s.name),
  };
  step('describeGlobal');

  const [ds] = await client.describeSObjectAsync({ sObjectType: 'Account' });
  const fields = asArray(ds.result.fields);
  out.describeSObject = {
    name: ds.result.name,
    keyPrefix: ds.result.keyPrefix,
    fieldCount: fields.length,
    fields: fields.map((f) => ({ name: f.name, type: f.type, soapType: f.soapType, custom: f.custom })),
    childRelationships: asArray(ds.result.childRelationships).map((c) => c.relationshipName).filter(Boolean),
  };
  step('describeSObject');

  // query + queryMore with QueryOptions batchSize 200.
  client.addSoapHeader({ QueryOptions: { batchSize: 200 } }, '', 'tns', PARTNER);
  const [q] = await client.queryAsync({ queryString: 'SELECT Id, Name FROM Account ORDER BY Name' });
  const pages = [];
  let res = q.result;
  const ids = new Set();
  for (;;) {
    const recs = asArray(res.records);
    for (const r of recs) {
      // node-soap reads the sObject's sequence (type, Id) and the <any>
      // fields; the doubled sf:Id comes back as an array.
      const id = Array.isArray(r.Id) ? r.Id[0] : r.Id;
      ids.add(id);
    }
    pages.push({ done: res.done, size: Number(res.size), records: recs.length, locator: res.queryLocator ? true : false });
    if (res.done === true || res.done === 'true') break;
    if (pages.length > 100) throw new Error('queryMore does not end');
    const [m] = await client.queryMoreAsync({ queryLocator: res.queryLocator });
    res = m.result;
  }
  const first = asArray(q.result.records)[0];
  out.query = { pages, distinctIds: ids.size, firstRecord: first };
  step('query');
  setSession(client, lr.sessionId); // drop QueryOptions

  // Writes.
  const name = 'node-soap ' + Date.now();
  const [cr] = await client.createAsync({ sObjects: [{ type: 'Account', Name: name, NumberOfEmployees: 12 }] });
  const created = asArray(cr.result)[0];
  out.create = { success: created.success, id: created.id };
  step('create');

  const [ur] = await client.updateAsync({ sObjects: [{ type: 'Account', Id: created.id, Name: name + ' (updated)' }] });
  out.update = { success: asArray(ur.result)[0].success };
  const [rr] = await client.retrieveAsync({ fieldList: 'Name, NumberOfEmployees', sObjectType: 'Account', ids: [created.id] });
  out.retrieve = asArray(rr.result)[0];
  step('update');

  const [bad] = await client.createAsync({ sObjects: [{ type: 'Account', NumberOfEmployees: 3 }] });
  const badResult = asArray(bad.result)[0];
  out.createFailure = {
    success: badResult.success,
    statusCode: asArray(badResult.errors)[0] && asArray(badResult.errors)[0].statusCode,
    fields: asArray(badResult.errors)[0] && asArray(asArray(badResult.errors)[0].fields),
  };
  step('createFailure');

  const [dr] = await client.deleteAsync({ ids: [created.id] });
  out.delete = { success: asArray(dr.result)[0].success, id: asArray(dr.result)[0].id };
  step('delete');

  // Faults, parsed by the library from HTTP 500 responses.
  out.invalidField = await expectFault(() => client.queryAsync({ queryString: 'SELECT Nope__x FROM Account' }));
  out.malformedQuery = await expectFault(() => client.queryAsync({ queryString: 'SELECT Id FROM Account WHERE' }));
  out.invalidType = await expectFault(() => client.describeSObjectAsync({ sObjectType: 'NoSuchObject__c' }));
  setSession(client, lr.sessionId.slice(0, 16) + 'not-a-session');
  out.invalidSession = await expectFault(() => client.getUserInfoAsync({}));
  step('faults');

  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write('wsdlclient: ' + (err && err.stack ? err.stack : String(err)) + '\n');
  if (err && err.body) process.stderr.write('response body: ' + String(err.body).slice(0, 2000) + '\n');
  process.exit(1);
});

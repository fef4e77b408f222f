// The dashboard: drives this worker's admin API (docs/admin-api.md) from the browser.
// Rules kept everywhere below: values from the API are rendered with textContent (never
// as HTML); the admin token lives in sessionStorage and goes only to this origin, as
// Authorization: Bearer; credentials are cleared from the form once saved; a network
// failure changes nothing in a form.

const TOKEN_KEY = 'snmcp.adminToken';
// The audit table's page size, and how many buckets the chart aims for.
const AUDIT_PAGE = 50;
const SVG_NS = 'http://www.w3.org/2000/svg';
// Listings are paged by the API; a dashboard shows at most this many pages of 100.
const MAX_PAGES = 10;
const PREVIEW_DELAY_MS = 250;
const DAY_MS = 86400000;

const $ = (id) => document.getElementById(id);

const state = {
  catalog: null, // GET /catalog
  account: null, // the open account, as the API shows it
  servers: [],
  previews: new Map(), // JSON of a config -> tool count, for the server list
  previewSeq: 0,
  previewTimer: 0,
};

class NetworkError extends Error {}

// ---------------------------------------------------------------------------
// The admin API

function adminToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

/** One admin call; resolves to {ok, status, data}; throws NetworkError when offline. */
async function api(method, path, body, token = adminToken()) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new NetworkError('The worker could not be reached (network error). Nothing was changed; check the connection and try again.');
  }
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  return { ok: response.ok, status: response.status, data };
}

const seg = (s) => encodeURIComponent(s);

/** Every page of a listing, bounded by MAX_PAGES. */
async function listAll(path) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const query = `?limit=100${cursor ? `&cursor=${seg(cursor)}` : ''}`;
    const r = await api('GET', path + query);
    if (!r.ok) return { ...r, items };
    items.push(...(r.data?.result ?? []));
    cursor = r.data?.next_cursor;
    if (!cursor) break;
  }
  return { ok: true, status: 200, items };
}

/** A failed call in words a service-desk lead understands. */
function explain(r) {
  const message = r.data?.error?.message;
  switch (r.status) {
    case 400: return message || 'The request was refused as invalid.';
    case 401: return 'The admin token was refused: it is wrong, or it was changed on the worker. Sign in again with the current ADMIN_TOKEN.';
    case 404: return message || 'It no longer exists (deleted, revoked or expired).';
    case 409: return `This conflicts with what is already there: ${message || 'reload and try again.'}`;
    case 413: return 'What you sent is too large.';
    case 503: return `The service is not ready: ${message || 'try again in a moment.'}`;
    default:
      return r.status >= 500
        ? `The worker failed (${r.status}): ${message || 'try again, and tell the administrator if it persists.'}`
        : `Unexpected answer ${r.status}: ${message || 'no details.'}`;
  }
}

// ---------------------------------------------------------------------------
// Errors next to what they concern

function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) {
    el.textContent = '';
    el.hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function showFieldError(id, text) {
  const box = $(`${id}-error`);
  if (!box) return false;
  box.textContent = text;
  box.hidden = false;
  $(id)?.setAttribute('aria-invalid', 'true');
  return true;
}

function showFormError(form, text) {
  const box = $(`${form.id}-error`);
  box.textContent = text;
  box.hidden = false;
}

/**
 * Shows a failed call next to the field it concerns: `fieldFor(code, message)` names a
 * control id, or nothing for a form-level message. 401 ends the session.
 */
function showFailure(form, r, fieldFor) {
  if (r.status === 401) {
    signOut(explain(r));
    return;
  }
  const code = r.data?.error?.code || '';
  const field = r.status === 400 || r.status === 404 ? fieldFor(code, r.data?.error?.message || '') : null;
  if (field && showFieldError(field, explain(r))) {
    $(field).focus();
    return;
  }
  showFormError(form, explain(r));
}

/** The field a message quotes as `name` (body errors name their field that way). */
function quotedField(message, fields) {
  for (const m of message.matchAll(/`([a-z_.]+)`/g)) {
    if (fields[m[1]]) return fields[m[1]];
  }
  return null;
}

async function guarded(form, work) {
  const button = form.querySelector('button[type="submit"]');
  clearErrors(form);
  if (button) button.disabled = true;
  try {
    await work();
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    showFormError(form, e.message);
  } finally {
    if (button) button.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// Small renderers (text only)

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function when(iso) {
  if (!iso) return 'never';
  return String(iso).replace('T', ' ').replace(/Z$/, ' UTC');
}

function isPast(iso) {
  return Boolean(iso) && Date.parse(iso) <= Date.now();
}

function cell(label, content) {
  const td = el('td', typeof content === 'string' ? content : undefined, { 'data-label': label });
  if (content instanceof Node) td.append(content);
  return td;
}

function filtersText(config) {
  const methods = config?.methods ? config.methods.join(', ') : 'every method';
  const tags = config?.tags ? config.tags.join(', ') : 'every area';
  const mode = config?.tool_mode ? `; mode ${config.tool_mode}` : '';
  return `${methods}; ${tags}${mode}`;
}

function expiryInput(prefix) {
  const choice = $(`${prefix}-expiry`).value;
  if (choice === 'never') return { value: null };
  if (choice === 'date') {
    const date = $(`${prefix}-expiry-date`).value;
    if (!date) return { error: [`${prefix}-expiry-date`, 'Choose a date, or another expiry.'] };
    // The end of that day in the browser's time zone.
    const at = new Date(`${date}T23:59:59`);
    if (Number.isNaN(at.getTime())) return { error: [`${prefix}-expiry-date`, 'This is not a date.'] };
    return { value: rfc3339(at) };
  }
  return { value: rfc3339(new Date(Date.now() + Number(choice) * DAY_MS)) };
}

function rfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toggleDate(prefix) {
  $(`${prefix}-expiry-date-field`).hidden = $(`${prefix}-expiry`).value !== 'date';
}

/** Copies `text`; says whether it worked, else selects `node` for Ctrl+C. */
async function copy(text, node, status) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    status.textContent = 'Copying is blocked here: the text is selected, press Ctrl+C (or ⌘C).';
  }
}

/** A labelled block of text with its own copy button. */
function copyBlock(title, text, id) {
  const box = el('div', undefined, { class: 'copy-block' });
  const heading = el('h4', title);
  const pre = el('pre', text, { id, tabindex: '0' });
  const button = el('button', `Copy ${title}`, { type: 'button', class: 'secondary' });
  const status = el('span', '', { class: 'status', role: 'status' });
  button.addEventListener('click', () => copy(text, pre, status));
  box.append(heading, pre, button, status);
  return box;
}

/** Asks in a modal dialog; resolves true when confirmed. */
function confirmAction(title, text, action) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = action;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
  });
}

// ---------------------------------------------------------------------------
// Sign in / out

async function signIn(token, { quiet = false } = {}) {
  const form = $('sign-in-form');
  const r = await api('GET', '/catalog', undefined, token);
  if (r.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (!quiet) showFieldError('admin-token', 'This admin token is wrong. Use the ADMIN_TOKEN secret set on this worker.');
    return false;
  }
  if (!r.ok) {
    showFormError(form, explain(r));
    return false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.catalog = r.data;
  $('admin-token').value = '';
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  renderCatalog();
  refreshAccountList();
  refreshTokens();
  refreshAudit();
  return true;
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.account = null;
  state.catalog = null;
  for (const id of ['created', 'minted']) { $(id).replaceChildren(); $(id).hidden = true; }
  $('servers-body').replaceChildren();
  $('tokens-body').replaceChildren();
  for (const input of document.querySelectorAll('[data-secret]')) input.value = '';
  $('account').hidden = true;
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  clearErrors($('sign-in-form'));
  if (message) showFormError($('sign-in-form'), message);
  $('admin-token').focus();
}

// ---------------------------------------------------------------------------
// Accounts

/** The registered accounts (GET /integrated-accounts, from D1), searched by id or
 * instance; each opens the account. */
async function refreshAccountList() {
  const status = $('account-list-status');
  const q = $('account-search').value.trim();
  let r;
  try {
    r = await api('GET', `/integrated-accounts?limit=100${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  } catch (e) { status.textContent = e.message; return; }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok) { status.textContent = explain(r); return; }
  const accounts = r.data.result;
  status.textContent = accounts.length === 0
    ? (q ? `No account matches “${q}”.` : 'No account is registered yet: register one below.')
    : `${accounts.length}${r.data.next_cursor ? '+' : ''} account(s).`;
  $('account-list').replaceChildren(...accounts.map((a) => {
    const li = el('li');
    const button = el('button', `${a.id} · ${a.instance_url}`, { type: 'button', class: 'chip' });
    button.addEventListener('click', () => { $('open-id').value = a.id; $('open-form').requestSubmit(); });
    li.append(button);
    return li;
  }));
}

const ACCOUNT_FIELDS = {
  instance_url: 'instance-url',
  'auth.type': 'auth-type',
  'auth.username': 'auth-username',
  'auth.password': 'auth-password',
  'auth.client_id': 'auth-client_id',
  'auth.client_secret': 'auth-client_secret',
  'auth.token': 'auth-token',
  'auth.key': 'auth-key',
  auth: 'auth-type',
};

function accountFieldFor(code, message) {
  if (code === 'invalid_account_id') return 'account-id';
  if (code === 'invalid_instance_url') return 'instance-url';
  return quotedField(message, ACCOUNT_FIELDS) || (code === 'invalid_auth' ? 'auth-type' : null);
}

function showAuthFields() {
  const type = $('auth-type').value;
  for (const field of $('account-form').querySelectorAll('[data-auth]')) {
    field.hidden = !field.dataset.auth.split(' ').includes(type);
  }
}

function authBody() {
  const type = $('auth-type').value;
  const auth = { type };
  for (const field of $('account-form').querySelectorAll('[data-auth]')) {
    if (field.hidden) continue;
    const input = field.querySelector('input');
    auth[input.name] = input.value;
  }
  return auth;
}

async function saveAccount(event) {
  event.preventDefault();
  const form = $('account-form');
  $('accounts-status').textContent = '';
  await guarded(form, async () => {
    const id = $('account-id').value.trim();
    if (!id) { showFieldError('account-id', 'Give the account an id, e.g. acme-prod.'); return; }
    const r = await api('PUT', `/integrated-account/${seg(id)}`, {
      instance_url: $('instance-url').value.trim(),
      auth: authBody(),
    });
    if (!r.ok) { showFailure(form, r, accountFieldFor); return; }
    // Saved: the secrets leave the page (they are write-only from now on).
    for (const input of form.querySelectorAll('[data-secret]')) input.value = '';
    $('accounts-status').textContent = (r.status === 201
      ? `Account ${r.data.id} registered.`
      : `Account ${r.data.id} updated; its MCP servers keep working.`)
      + (r.data.edge ? ` Not at the edge yet: ${r.data.edge.replace(/^pending: /, '')}.` : '');
    $('account-editor').open = false;
    refreshAccountList();
    await showAccount(r.data);
  });
}

async function openAccount(event) {
  event.preventDefault();
  const form = $('open-form');
  await guarded(form, async () => {
    const id = $('open-id').value.trim();
    if (!id) { showFieldError('open-id', 'Type the id of the account to open.'); return; }
    const r = await api('GET', `/integrated-account/${seg(id)}`);
    if (!r.ok) {
      if (r.status === 404) {
        showFieldError('open-id', `There is no account “${id}” yet. Register it below.`);
        $('account-id').value = id;
        $('account-editor').open = true;
        return;
      }
      showFailure(form, r, (code) => (code === 'invalid_account_id' ? 'open-id' : null));
      return;
    }
    await showAccount(r.data);
  });
}

async function showAccount(account) {
  state.account = account;
  $('account').hidden = false;
  $('account-title').textContent = `Account ${account.id}`;
  const facts = [
    ['Instance', account.instance_url],
    ['Sign-in method', account.auth?.type],
    ['User name', account.auth?.username],
    ['OAuth client id', account.auth?.client_id],
    ['Registered', when(account.created_at)],
    ['Updated', when(account.updated_at)],
  ].filter(([, v]) => v);
  $('account-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
  $('account-error').hidden = true;
  $('created').hidden = true;
  $('created').replaceChildren();
  await refreshServers();
  schedulePreview(0);
}

function editAccount() {
  const a = state.account;
  if (!a) return;
  $('account-id').value = a.id;
  $('instance-url').value = a.instance_url;
  $('auth-type').value = a.auth?.type || 'basic';
  $('auth-username').value = a.auth?.username || '';
  $('auth-client_id').value = a.auth?.client_id || '';
  showAuthFields();
  $('account-editor').open = true;
  $('account-editor-title').focus();
}

async function deleteAccount() {
  const a = state.account;
  if (!a) return;
  const n = state.servers.length;
  const servers = n === 1 ? 'its 1 MCP server stops' : `its ${n} MCP servers stop`;
  const ok = await confirmAction(
    `Delete account ${a.id}?`,
    `The registration of ${a.instance_url} and its sealed credentials are deleted, and ${servers} working at once: every URL minted for it answers “not found” from now on. This cannot be undone.`,
    'Delete account',
  );
  if (!ok) return;
  const box = $('account-error');
  box.hidden = true;
  $('accounts-status').textContent = '';
  let r;
  try {
    r = await api('DELETE', `/integrated-account/${seg(a.id)}`);
  } catch (e) {
    box.textContent = e.message; box.hidden = false; return;
  }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok) { box.textContent = explain(r); box.hidden = false; return; }
  refreshAccountList();
  state.account = null;
  $('account').hidden = true;
  $('accounts-status').textContent = `Account ${a.id} deleted; ${r.data.revoked_servers} MCP server(s) revoked.`;
}

// ---------------------------------------------------------------------------
// MCP servers

async function toolCount(config) {
  const key = JSON.stringify(config ?? {});
  if (!state.previews.has(key)) {
    const r = await api('POST', '/catalog/preview', { config: config ?? null });
    state.previews.set(key, r.ok ? r.data.count : null);
  }
  return state.previews.get(key);
}

async function refreshServers() {
  const a = state.account;
  const status = $('servers-status');
  status.textContent = 'Loading…';
  let r;
  try {
    r = await listAll(`/integrated-account/${seg(a.id)}/mcp`);
  } catch (e) { status.textContent = e.message; return; }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok) { status.textContent = explain(r); return; }
  state.servers = r.items;
  const rows = [];
  for (const s of r.items) {
    let count;
    try { count = await toolCount(s.config); } catch { count = null; }
    const expires = el('span', when(s.expires_at));
    if (isPast(s.expires_at)) expires.append(' ', el('strong', 'expired', { class: 'badge' }));
    const revoke = el('button', 'Revoke', { type: 'button', class: 'danger' });
    revoke.setAttribute('aria-label', `Revoke ${s.name}`);
    revoke.addEventListener('click', () => revokeServer(s));
    const tr = el('tr', undefined, { 'data-id': s.id });
    tr.append(
      cell('Name', s.name),
      cell('Filters', filtersText(s.config)),
      cell('Tools', count === null ? 'unknown' : String(count)),
      cell('Expires', expires),
      cell('Created', when(s.created_at)),
      cell('API token', s.require_api_token_auth ? 'required' : 'not required'),
      cell('429', s.rate_limit_response === 'tool_error' ? 'tool error' : 'HTTP 429'),
      cell('Actions', revoke),
    );
    rows.push(tr);
  }
  $('servers-body').replaceChildren(...rows);
  $('servers-table').hidden = rows.length === 0;
  status.textContent = rows.length === 0
    ? 'No MCP server yet: create one below.'
    : `${rows.length} live server(s). URLs are shown only once, at creation.`;
}

async function revokeServer(server) {
  const ok = await confirmAction(
    `Revoke ${server.name}?`,
    'Its URL stops working at once: every client using it gets “not found”. This cannot be undone; create a new server to get a new URL.',
    'Revoke server',
  );
  if (!ok) return;
  const status = $('servers-status');
  let r;
  try {
    r = await api('DELETE', `/integrated-account/${seg(state.account.id)}/mcp/${seg(server.id)}`);
  } catch (e) { status.textContent = e.message; return; }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok && r.status !== 404) { status.textContent = explain(r); return; }
  await refreshServers();
  status.textContent = `${server.name} revoked. ${status.textContent}`;
}

function renderCatalog() {
  const c = state.catalog;
  const custom = $('custom-method-checks');
  custom.replaceChildren(...(c.custom_methods || []).map((m) => {
    const label = el('label');
    const box = el('input', undefined, { type: 'checkbox', name: 'method', value: m.name });
    const what = m.writes ? 'writes' : 'reads';
    label.append(box, ` ${m.name.replaceAll('_', ' ')} (${what}; ${m.resources.join(', ')})`);
    return label;
  }));
  $('tag-checks').replaceChildren(...(c.tags || []).map((t) => {
    const label = el('label');
    label.append(el('input', undefined, { type: 'checkbox', name: 'tag', value: t }), ` ${t}`);
    return label;
  }));
  const modes = c.tool_modes || [];
  $('tool-mode-field').hidden = modes.length < 2;
  $('server-tool-mode').replaceChildren(...modes.map((m) => el('option', m, { value: m })));
}

function serverConfig() {
  const config = {};
  const methods = [...document.querySelectorAll('#server-methods input[name="method"]:checked')].map((b) => b.value);
  const tags = [...document.querySelectorAll('#server-tags input[name="tag"]:checked')].map((b) => b.value);
  if (methods.length) config.methods = methods;
  if (tags.length) config.tags = tags;
  if (!$('tool-mode-field').hidden) config.tool_mode = $('server-tool-mode').value;
  return config;
}

function serverFieldFor(code, message) {
  const byCode = {
    invalid_name: 'server-name',
    invalid_expires_at: 'server-expiry',
    unknown_method: 'server-methods',
    unknown_tag: 'server-tags',
    no_tools: 'server-methods',
    invalid_config: 'server-methods',
  };
  if (byCode[code]) return byCode[code];
  if (/tool_mode/.test(message)) return 'server-tool-mode';
  return quotedField(message, { name: 'server-name', expires_at: 'server-expiry', config: 'server-methods' });
}

function schedulePreview(delay = PREVIEW_DELAY_MS) {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(runPreview, delay);
}

async function runPreview() {
  const seq = ++state.previewSeq;
  const count = $('preview-count');
  const list = $('preview-list');
  const config = serverConfig();
  count.textContent = 'Counting tools…';
  let r;
  try {
    r = await api('POST', '/catalog/preview', { config });
  } catch (e) {
    if (seq === state.previewSeq) count.textContent = e.message;
    return;
  }
  if (seq !== state.previewSeq) return; // a newer preview is on its way
  for (const id of ['server-methods', 'server-tags', 'server-tool-mode']) {
    $(`${id}-error`).hidden = true;
    $(id).removeAttribute('aria-invalid');
  }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok) {
    count.textContent = 'These choices expose no usable tool.';
    list.replaceChildren();
    $('preview-warnings').hidden = true;
    const field = serverFieldFor(r.data?.error?.code || '', r.data?.error?.message || '');
    if (!field || !showFieldError(field, explain(r))) count.textContent = explain(r);
    return;
  }
  const writes = r.data.tools.filter((t) => t.writes).length;
  count.textContent = `${r.data.count} tool${r.data.count === 1 ? '' : 's'}: ${r.data.count - writes} read, ${writes} write.`;
  // Clients that use only so many tools (OpenAI's API 128, Cursor 40).
  const warnings = r.data.warnings || [];
  $('preview-warnings').replaceChildren(...warnings.map((w) => el('li', w.message)));
  $('preview-warnings').hidden = warnings.length === 0;
  count.dataset.count = String(r.data.count);
  list.replaceChildren(...r.data.tools.map((t) => {
    const li = el('li');
    li.append(el('code', t.name), ` ${t.title || ''}`);
    if (t.writes) li.append(' ', el('strong', 'writes', { class: 'badge' }));
    return li;
  }));
}

async function createServer(event) {
  event.preventDefault();
  const form = $('server-form');
  await guarded(form, async () => {
    const name = $('server-name').value;
    if (!name.trim()) { showFieldError('server-name', 'Give the server a name people will recognise, e.g. “Service desk (read only)”.'); $('server-name').focus(); return; }
    const expiry = expiryInput('server');
    if (expiry.error) { showFieldError(...expiry.error); $(expiry.error[0]).focus(); return; }
    const body = { name, config: serverConfig(), require_api_token_auth: $('server-require-token').checked, rate_limit_response: $('server-rate-limit').value };
    if (expiry.value) body.expires_at = expiry.value;
    const r = await api('POST', `/integrated-account/${seg(state.account.id)}/mcp`, body);
    if (!r.ok) { showFailure(form, r, serverFieldFor); return; }
    showCreated(r.data);
    $('server-name').value = '';
    await refreshServers();
  });
}

function showCreated(server) {
  const url = server.url;
  const box = $('created');
  const needsToken = server.require_api_token_auth;
  const title = el('h3', `Server created: ${server.name}`, { id: 'created-title' });
  const warning = el('p', 'This URL is shown only now. Copy it and keep it secret: whoever has it can use the server. If it is lost, revoke the server and create a new one.', { class: 'warning' });
  // Saved, but its copy at the edge failed: the worker's scheduled job writes it.
  const edge = server.edge ? el('p', `Not usable yet: ${server.edge.replace(/^pending: /, '')}.`, { class: 'warning', id: 'created-edge' }) : null;
  const urlBlock = copyBlock('URL', url, 'created-url');
  const chatgpt = el('div', undefined, { class: 'copy-block' });
  chatgpt.append(el('h4', 'ChatGPT (developer mode connector)'));
  const steps = el('ol');
  for (const step of [
    'Settings → Apps & Connectors → Advanced settings → turn on Developer mode.',
    'Settings → Apps & Connectors → Create.',
    'Name it (e.g. “ServiceNow”), paste the URL above as the MCP server URL, choose No authentication, confirm that you trust it, Create.',
    'In a chat: + → Developer mode → pick the connector.',
  ]) steps.append(el('li', step));
  chatgpt.append(steps);
  if (needsToken) chatgpt.append(el('p', 'This server requires an API token, which ChatGPT connectors cannot send: use Cursor, Claude Code or MCP Inspector with it.', { class: 'warning' }));
  const claude = el('div', undefined, { class: 'copy-block' });
  claude.append(el('h4', 'Claude'));
  claude.append(el('p', 'claude.ai and Claude Desktop: Settings → Connectors → Add custom connector → a name and the URL above → Add.'));
  const claudeCode = needsToken
    ? `claude mcp add --transport http servicenow "${url}" --header "Authorization: Bearer $SNMCP_API_TOKEN"`
    : `claude mcp add --transport http servicenow "${url}"`;
  claude.append(copyBlock('Claude Code command', claudeCode, 'setup-claude'));
  const cursorArgs = ['-y', 'mcp-remote', url];
  const cursorServer = { command: 'npx', args: cursorArgs };
  if (needsToken) {
    cursorArgs.push('--header', 'Authorization:${SNMCP_AUTH_HEADER}');
    cursorServer.env = { SNMCP_AUTH_HEADER: 'Bearer <API token>' };
  }
  const cursor = copyBlock('Cursor mcp.json', JSON.stringify({ mcpServers: { servicenow: cursorServer } }, null, 2), 'setup-cursor');
  const inspectorCmd = `npx @modelcontextprotocol/inspector --cli "${url}" --transport http --method tools/list${needsToken ? ' --header "Authorization: Bearer $SNMCP_API_TOKEN"' : ''}`;
  const inspector = copyBlock('MCP Inspector command', inspectorCmd, 'setup-inspector');
  const hide = el('button', 'I have saved it: hide the URL', { type: 'button' });
  hide.addEventListener('click', () => { box.replaceChildren(); box.hidden = true; $('server-name').focus(); });
  box.replaceChildren(...[title, warning, edge, urlBlock, chatgpt, claude, cursor, inspector, hide].filter(Boolean));
  box.hidden = false;
  box.focus();
}

// ---------------------------------------------------------------------------
// API tokens

async function refreshTokens() {
  const status = $('tokens-status');
  let r;
  try { r = await listAll('/api-tokens'); } catch (e) { status.textContent = e.message; return; }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok) { status.textContent = explain(r); return; }
  const rows = r.items.map((t) => {
    const revoke = el('button', 'Revoke', { type: 'button', class: 'danger' });
    revoke.setAttribute('aria-label', `Revoke token ${t.name}`);
    revoke.addEventListener('click', () => revokeToken(t));
    const expires = el('span', when(t.expires_at));
    if (isPast(t.expires_at)) expires.append(' ', el('strong', 'expired', { class: 'badge' }));
    const tr = el('tr', undefined, { 'data-id': t.id });
    tr.append(cell('Name', t.name), cell('Id', t.id), cell('Opens', scopeText(t.scope)), cell('Created', when(t.created_at)), cell('Expires', expires), cell('Actions', revoke));
    return tr;
  });
  $('tokens-body').replaceChildren(...rows);
  $('tokens-table').hidden = rows.length === 0;
  status.textContent = rows.length === 0 ? 'No API token yet.' : `${rows.length} live token(s). Tokens are shown only once, when minted.`;
}

// What a token opens, as the API reports its scope.
function scopeText(scope) {
  if (!scope || scope.all_accounts) return scope?.legacy ? 'every account (minted before tokens were scoped)' : 'every account';
  if (scope.servers) return `${scope.accounts.join(', ')}: ${scope.servers.join(', ')}`;
  return (scope.accounts || []).join(', ');
}

async function mintToken(event) {
  event.preventDefault();
  const form = $('token-form');
  await guarded(form, async () => {
    const name = $('token-name').value;
    if (!name.trim()) { showFieldError('token-name', 'Name the token after where it will be used, e.g. “cursor-on-ops-laptop”.'); $('token-name').focus(); return; }
    const expiry = expiryInput('token');
    if (expiry.error) { showFieldError(...expiry.error); $(expiry.error[0]).focus(); return; }
    const body = { name };
    if (expiry.value) body.expires_at = expiry.value;
    let path = '/api-tokens';
    if ($('token-scope').value === 'all') {
      body.all_accounts = true;
    } else if (state.account) {
      path = `/integrated-account/${seg(state.account.id)}/api-tokens`;
    } else {
      showFieldError('token-scope', 'Open an account above first (the token will open its servers), or choose every account.');
      $('token-scope').focus();
      return;
    }
    const r = await api('POST', path, body);
    if (!r.ok) {
      showFailure(form, r, (code, message) => ({ invalid_name: 'token-name', invalid_expires_at: 'token-expiry', invalid_scope: 'token-scope' }[code]
        || quotedField(message, { name: 'token-name', expires_at: 'token-expiry' })));
      return;
    }
    const box = $('minted');
    const hide = el('button', 'I have saved it: hide the token', { type: 'button' });
    hide.addEventListener('click', () => { box.replaceChildren(); box.hidden = true; $('token-name').focus(); });
    box.replaceChildren(
      el('h3', `Token minted: ${r.data.name}`),
      el('p', 'This token is shown only now. Give it to the client as Authorization: Bearer <token>; it cannot be recovered later.', { class: 'warning' }),
      copyBlock('Token', r.data.token, 'minted-token'),
      hide,
    );
    box.hidden = false;
    box.focus();
    $('token-name').value = '';
    await refreshTokens();
  });
}

async function revokeToken(token) {
  const ok = await confirmAction(
    `Revoke token ${token.name}?`,
    'Clients sending it to servers that require an API token are refused from now on.',
    'Revoke token',
  );
  if (!ok) return;
  const status = $('tokens-status');
  let r;
  try { r = await api('DELETE', `/api-tokens/${seg(token.id)}`); } catch (e) { status.textContent = e.message; return; }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok && r.status !== 404) { status.textContent = explain(r); return; }
  await refreshTokens();
  status.textContent = `Token ${token.name} revoked. ${status.textContent}`;
}

// ---------------------------------------------------------------------------
// Audit log

/** The filters of the audit form as query pairs (time as RFC 3339). */
function auditQuery() {
  const q = new URLSearchParams();
  for (const [field, name] of [['audit-account', 'account'], ['audit-server', 'server'], ['audit-tool', 'tool'], ['audit-outcome', 'outcome']]) {
    const value = $(field).value.trim();
    if (value) q.set(name, value);
  }
  const hours = Number($('audit-since').value) || 24;
  q.set('since', new Date(Date.now() - hours * 3600000).toISOString().replace(/\.\d+Z$/, 'Z'));
  return { q, hours };
}

const auditState = { cursor: null };

async function refreshAudit(more = false) {
  const form = $('audit-form');
  const status = $('audit-status');
  clearErrors(form);
  const { q, hours } = auditQuery();
  const page = new URLSearchParams(q);
  page.set('limit', String(AUDIT_PAGE));
  if (more && auditState.cursor) page.set('cursor', auditState.cursor);
  let r;
  try {
    r = await api('GET', `/audit?${page}`);
  } catch (e) { showFormError(form, e.message); return; }
  if (r.status === 401) { signOut(explain(r)); return; }
  if (!r.ok) { showFormError(form, explain(r)); return; }
  const rows = r.data.entries.map((e) => {
    const tr = el('tr');
    const outcome = el('span', e.outcome, { class: `outcome ${e.outcome}` });
    tr.append(
      cell('Time', when(e.at)),
      cell('Server', e.server_id || '—'),
      cell('Client', [e.client_name, e.client_version].filter(Boolean).join(' ') || '—'),
      cell('Method', e.method),
      cell('Tool', e.tool || '—'),
      cell('Outcome', outcome),
      cell('Status', String(e.http_status) + (e.upstream_status ? ` (ServiceNow ${e.upstream_status})` : '')),
      cell('ms', String(e.total_ms)),
    );
    return tr;
  });
  if (more) $('audit-body').append(...rows); else $('audit-body').replaceChildren(...rows);
  auditState.cursor = r.data.next_cursor;
  $('audit-more').hidden = !auditState.cursor;
  const shown = $('audit-body').children.length;
  $('audit-table').hidden = shown === 0;
  status.textContent = shown === 0 ? 'No audit entries match.' : `${shown}${auditState.cursor ? '+' : ''} entries, newest first.`;
  if (!more) await drawAuditChart(q, hours);
}

/** Calls, tool errors and 429s per bucket, one polyline per server (calls) and red
 * and amber dots for the errors; drawn as SVG by this page. */
async function drawAuditChart(q, hours) {
  const bucket = hours <= 1 ? 300 : hours <= 24 ? 3600 : 86400;
  const series = new URLSearchParams(q);
  series.delete('cursor');
  series.set('bucket', String(bucket));
  let r;
  try { r = await api('GET', `/audit/series?${series}`); } catch { return; }
  const box = $('audit-chart-box');
  if (!r.ok || r.data.points.length === 0) { box.hidden = true; return; }
  const points = r.data.points;
  const width = 640; const height = 180; const pad = 28;
  const from = Date.now() - hours * 3600000;
  const to = Date.now();
  const max = Math.max(1, ...points.map((p) => p.calls));
  const x = (ms) => pad + ((ms - from) / Math.max(1, to - from)) * (width - 2 * pad);
  const y = (n) => height - pad - (n / max) * (height - 2 * pad);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'chart');
  const line = (x1, y1, x2, y2, cls) => {
    const l = document.createElementNS(SVG_NS, 'line');
    for (const [k, v] of Object.entries({ x1, y1, x2, y2 })) l.setAttribute(k, String(v));
    l.setAttribute('class', cls);
    return l;
  };
  svg.append(line(pad, height - pad, width - pad, height - pad, 'axis'), line(pad, pad, pad, height - pad, 'axis'));
  const label = (text, lx, ly, cls = 'tick') => {
    const t = document.createElementNS(SVG_NS, 'text');
    t.setAttribute('x', String(lx)); t.setAttribute('y', String(ly)); t.setAttribute('class', cls);
    t.textContent = text;
    return t;
  };
  svg.append(label(String(max), 2, pad + 4), label('0', 2, height - pad + 4));
  const servers = [...new Set(points.map((p) => p.server_id || '—'))];
  servers.forEach((server, i) => {
    const mine = points.filter((p) => (p.server_id || '—') === server);
    const path = document.createElementNS(SVG_NS, 'polyline');
    path.setAttribute('points', mine.map((p) => `${x(p.bucket_ms).toFixed(1)},${y(p.calls).toFixed(1)}`).join(' '));
    path.setAttribute('class', `series s${i % 6}`);
    svg.append(path);
    for (const p of mine) {
      // A point per bucket, so a single bucket (a line of one point) still shows.
      const dot = document.createElementNS(SVG_NS, 'circle');
      dot.setAttribute('cx', x(p.bucket_ms).toFixed(1)); dot.setAttribute('cy', y(p.calls).toFixed(1)); dot.setAttribute('r', '2.5');
      dot.setAttribute('class', `calls f${i % 6}`);
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = `${server}: ${p.calls} calls`;
      dot.append(title);
      svg.append(dot);
      for (const [count, cls] of [[p.tool_errors, 'dot tool-error'], [p.rate_limited, 'dot limited']]) {
        if (!count) continue;
        const c = document.createElementNS(SVG_NS, 'circle');
        c.setAttribute('cx', x(p.bucket_ms).toFixed(1)); c.setAttribute('cy', y(count).toFixed(1)); c.setAttribute('r', '3');
        c.setAttribute('class', cls);
        const title = document.createElementNS(SVG_NS, 'title');
        title.textContent = `${server}: ${count} ${cls.includes('limited') ? '429s' : 'tool errors'}`;
        c.append(title);
        svg.append(c);
      }
    }
  });
  $('audit-chart').replaceChildren(svg);
  $('audit-legend').replaceChildren(
    ...servers.map((server, i) => el('li', `${server}: ${points.filter((p) => (p.server_id || '—') === server).reduce((n, p) => n + p.calls, 0)} calls`, { class: `key s${i % 6}` })),
    el('li', 'tool errors', { class: 'key tool-error' }),
    el('li', '429s', { class: 'key limited' }),
  );
  box.hidden = false;
}

/** Every matching entry as CSV, page by page (x-next-cursor), saved as a file. */
async function exportAudit() {
  const form = $('audit-form');
  clearErrors(form);
  const { q } = auditQuery();
  const parts = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const page = new URLSearchParams(q);
    page.set('format', 'csv'); page.set('limit', '1000');
    if (cursor) page.set('cursor', cursor);
    let response;
    try {
      response = await fetch(`/audit?${page}`, { headers: { authorization: `Bearer ${adminToken()}` }, credentials: 'omit', cache: 'no-store', redirect: 'error' });
    } catch { showFormError(form, 'The worker could not be reached (network error); try again.'); return; }
    if (!response.ok) { showFormError(form, `Export failed: HTTP ${response.status}`); return; }
    const text = await response.text();
    // Every page starts with the header line; keep the first one.
    parts.push(i === 0 ? text : text.slice(text.indexOf('\r\n') + 2));
    cursor = response.headers.get('x-next-cursor');
    if (!cursor) break;
  }
  const link = el('a', '', { href: URL.createObjectURL(new Blob(parts, { type: 'text/csv' })), download: 'audit.csv' });
  document.body.append(link);
  link.click();
  link.remove();
  $('audit-status').textContent = 'Exported audit.csv.';
}

// ---------------------------------------------------------------------------
// Wiring

const timers = {};
/** Runs `work` once typing has paused. */
function schedule(name, work, delay = PREVIEW_DELAY_MS) {
  clearTimeout(timers[name]);
  timers[name] = setTimeout(work, delay);
}

function start() {
  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = $('sign-in-form');
    await guarded(form, async () => {
      const token = $('admin-token').value.trim();
      if (!token) { showFieldError('admin-token', 'Paste the admin token first.'); return; }
      await signIn(token);
    });
  });
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('open-form').addEventListener('submit', openAccount);
  $('account-form').addEventListener('submit', saveAccount);
  $('auth-type').addEventListener('change', showAuthFields);
  $('edit-account').addEventListener('click', editAccount);
  $('delete-account').addEventListener('click', deleteAccount);
  $('server-form').addEventListener('submit', createServer);
  for (const id of ['server-methods', 'server-tags', 'server-tool-mode']) {
    $(id).addEventListener('change', () => schedulePreview());
  }
  $('server-expiry').addEventListener('change', () => toggleDate('server'));
  $('token-expiry').addEventListener('change', () => toggleDate('token'));
  $('token-form').addEventListener('submit', mintToken);
  $('account-search-form').addEventListener('submit', (event) => { event.preventDefault(); refreshAccountList(); });
  $('account-search').addEventListener('input', () => schedule('accounts', refreshAccountList));
  $('audit-form').addEventListener('submit', (event) => { event.preventDefault(); refreshAudit(); });
  $('audit-more').addEventListener('click', () => refreshAudit(true));
  $('audit-export').addEventListener('click', exportAudit);
  // Editing a field that was refused takes its error away (the form keeps the others).
  document.addEventListener('input', (event) => {
    const id = event.target.id;
    if (id && event.target.getAttribute('aria-invalid') === 'true') {
      event.target.removeAttribute('aria-invalid');
      const box = $(`${id}-error`);
      if (box) box.hidden = true;
    }
  });
  showAuthFields();

  const saved = adminToken();
  if (saved) {
    signIn(saved, { quiet: true }).catch((e) => {
      showFormError($('sign-in-form'), e instanceof NetworkError ? e.message : String(e));
    });
  } else {
    $('admin-token').focus();
  }
}

start();

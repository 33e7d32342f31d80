// Hookrelay operator console. Plain JavaScript, no build step, nothing loaded from elsewhere.
// Rules kept everywhere here: the API key lives in sessionStorage only and travels only as the
// bearer header; whatever came from an event, an endpoint or an operator is put on the page with
// textContent, never as markup.
'use strict';

(function () {
  const KEY = 'hookrelay.apiKey';

  const $ = (id) => document.getElementById(id);

  function apiKey() { return sessionStorage.getItem(KEY); }

  /** Calls the public API with the operator's key; resolves to {status, body}. */
  async function api(path, options) {
    const init = Object.assign({ headers: {} }, options || {});
    init.headers = Object.assign({ 'Accept': 'application/json', 'Authorization': 'Bearer ' + apiKey() }, init.headers);
    init.credentials = 'omit';
    init.cache = 'no-store';
    const response = await fetch(path, init);
    let body = null;
    const text = await response.text();
    if (text) {
      try { body = JSON.parse(text); } catch (e) { body = { message: text }; }
    }
    return { status: response.status, body: body };
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  /** A time in the browser's zone, the UTC instant on hover. */
  function time(iso) {
    const node = el('time');
    if (!iso) { node.textContent = '—'; return node; }
    const d = new Date(iso);
    node.dateTime = iso;
    node.textContent = d.toLocaleString();
    node.title = d.toISOString().replace('.000Z', 'Z') + ' (UTC)';
    return node;
  }

  function show(view) {
    $('sign-in').hidden = view !== 'sign-in';
    $('subscriptions').hidden = view !== 'subscriptions';
    $('sign-out').hidden = view === 'sign-in';
  }

  function signInError(message) {
    const p = $('sign-in-error');
    p.textContent = message;
    p.hidden = !message;
  }

  function problem(result) {
    const b = result.body || {};
    return 'The API answered ' + result.status + (b.message ? ': ' + b.message : '');
  }

  async function signIn(event) {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) { signInError('Paste your operator API key.'); return; }
    sessionStorage.setItem(KEY, key);
    let result;
    try {
      result = await api('/v1/subscriptions');
    } catch (e) {
      sessionStorage.removeItem(KEY);
      signInError('Could not reach the Hookrelay API. Is the ingest service running?');
      return;
    }
    if (result.status === 401) {
      sessionStorage.removeItem(KEY);
      signInError('That API key was not accepted. Check it and try again.');
      return;
    }
    $('api-key').value = '';
    signInError('');
    renderSubscriptions(result);
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    $('subscriptions-table').tBodies[0].replaceChildren();
    show('sign-in');
    $('api-key').focus();
  }

  async function loadSubscriptions() {
    try {
      renderSubscriptions(await api('/v1/subscriptions'));
    } catch (e) {
      show('subscriptions');
      $('subscriptions-status').textContent = 'Could not reach the Hookrelay API.';
    }
  }

  function renderSubscriptions(result) {
    if (result.status === 401) { signOut(); signInError('Your API key is no longer accepted. Sign in again.'); return; }
    show('subscriptions');
    const status = $('subscriptions-status');
    const tbody = $('subscriptions-table').tBodies[0];
    tbody.replaceChildren();
    if (result.status !== 200) { status.textContent = problem(result); return; }
    const data = (result.body && result.body.data) || [];
    status.textContent = data.length === 0 ? 'No subscriptions yet.'
      : data.length + (data.length === 1 ? ' subscription' : ' subscriptions');
    for (const s of data) {
      const tr = document.createElement('tr');
      tr.dataset.subscriptionId = s.id;

      const id = el('td', null, 'mono');
      id.dataset.label = 'Subscription';
      id.append(el('span', s.id));
      if (s.description) { id.append(el('span', s.description, 'sub-description')); }

      const state = el('td');
      state.dataset.label = 'State';
      state.append(el('span', s.enabled ? 'enabled' : 'disabled', s.enabled ? 'state-enabled' : 'state-disabled'));
      if (!s.enabled && s.disabled_reason) { state.append(el('span', s.disabled_reason, 'reason')); }

      const endpoint = el('td', s.mode === 'postback' ? s.url_template : s.url, 'mono');
      endpoint.dataset.label = 'Endpoint';

      const types = el('td', (s.event_types || []).join(', '));
      types.dataset.label = 'Event types';

      const created = el('td');
      created.dataset.label = 'Created';
      created.append(time(s.created_at));

      tr.append(id, state, endpoint, types, created);
      tbody.append(tr);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    if (apiKey()) { loadSubscriptions(); } else { show('sign-in'); $('api-key').focus(); }
  });
})();

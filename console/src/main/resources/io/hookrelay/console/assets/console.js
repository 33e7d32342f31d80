// Hookrelay operator console. Plain JavaScript, no build step, nothing loaded from elsewhere.
// Rules kept everywhere here: the API key lives in sessionStorage only and travels only as the
// bearer header; whatever came from an event, an endpoint or an operator is put on the page with
// textContent, never as markup. Every action is a call to the public API (contract §5) on this
// origin; the console has no API of its own.
'use strict';

(function () {
  const KEY = 'hookrelay.apiKey';
  const VIEWS = ['sign-in', 'subscriptions', 'subscription-form-view', 'subscription-view', 'event-view', 'dead-letters'];
  const PREVIEW_DELAY_MS = 400;

  const $ = (id) => document.getElementById(id);

  function apiKey() { return sessionStorage.getItem(KEY); }

  /** Calls the public API with the operator's key; resolves to {status, body}. */
  async function api(path, options) {
    const init = Object.assign({ headers: {} }, options || {});
    init.headers = Object.assign({ 'Accept': 'application/json', 'Authorization': 'Bearer ' + apiKey() }, init.headers);
    if (init.json !== undefined) {
      init.body = JSON.stringify(init.json);
      init.headers['Content-Type'] = 'application/json';
      delete init.json;
    }
    init.credentials = 'omit';
    init.cache = 'no-store';
    const response = await fetch(path, init);
    let body = null;
    const text = await response.text();
    if (text) {
      try { body = JSON.parse(text); } catch (e) { body = { message: text }; }
    }
    if (response.status === 401 && apiKey()) { expired(); }
    return { status: response.status, body: body };
  }

  /** A call whose failure to reach the API reads as an answer, so callers handle one shape. */
  async function call(path, options) {
    try {
      return await api(path, options);
    } catch (e) {
      return { status: 0, body: { message: 'Could not reach the Hookrelay API. Is the ingest service running?' } };
    }
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function link(href, text, className) {
    const a = el('a', text, className);
    a.href = href;
    return a;
  }

  function seg(id) { return encodeURIComponent(id); }

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

  /** A datetime-local value (the browser's zone) as an ISO instant, or null when empty. */
  function instant(value) {
    if (!value) { return null; }
    const d = new Date(value);
    return isNaN(d.getTime()) ? value : d.toISOString();
  }

  /** An ISO instant as a datetime-local value in the browser's zone. */
  function localInput(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + 'T'
      + pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds());
  }

  function problem(result) {
    const b = result.body || {};
    if (result.status === 0) { return b.message; }
    return 'The API answered ' + result.status + (b.message ? ': ' + b.message : '');
  }

  function cell(row, label, content, className) {
    const td = el('td', null, className);
    td.dataset.label = label;
    if (content instanceof Node) { td.append(content); } else if (content !== undefined && content !== null) { td.textContent = String(content); }
    row.append(td);
    return td;
  }

  function percent(part, whole) {
    return whole > 0 ? (Math.round(1000 * part / whole) / 10) + '%' : '—';
  }

  function ms(v) { return v === null || v === undefined ? '—' : v + ' ms'; }

  function say(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  function flash(text) { say($('flash'), text); }

  function show(view) {
    for (const v of VIEWS) { $(v).hidden = v !== view; }
    $('sign-out').hidden = view === 'sign-in';
    $('nav').hidden = view === 'sign-in';
    const section = view === 'dead-letters' ? '#/dead-letters'
      : ['subscriptions', 'subscription-view', 'subscription-form-view'].includes(view) ? '#/subscriptions' : null;
    for (const a of $('nav').querySelectorAll('a')) {
      if (a.getAttribute('href') === section) {
        a.setAttribute('aria-current', 'page');
      } else {
        a.removeAttribute('aria-current');
      }
    }
  }

  /** The confirmation dialog; resolves true when the operator confirms. */
  function confirmAction(title, text, okLabel) {
    const dialog = $('confirm');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = okLabel || 'Confirm';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
      $('confirm-cancel').focus();
    });
  }

  // ---- sign-in ---------------------------------------------------------------------------------

  function signInError(message) { say($('sign-in-error'), message); }

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
    route();
  }

  function clearPage() {
    for (const id of ['subscriptions-table', 'deliveries-table', 'dead-letters-table', 'health-table']) {
      $(id).tBodies[0].replaceChildren();
    }
    $('event-deliveries').replaceChildren();
    $('detail-settings').replaceChildren();
    $('detail-alerts').replaceChildren();
    say($('detail-result'), '');
    flash('');
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    clearPage();
    show('sign-in');
    $('api-key').focus();
  }

  function expired() {
    signOut();
    signInError('Your API key is no longer accepted. Sign in again.');
  }

  // ---- routing ---------------------------------------------------------------------------------

  /** Hash routes, so a reload or the back button keeps the page; the key is never part of them. */
  async function route() {
    if (!apiKey()) { show('sign-in'); $('api-key').focus(); return; }
    const hash = location.hash;
    if (!hash.startsWith('#/') && hash !== '' && hash !== '#') { return; }
    const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    if (parts[0] === 'subscriptions' && parts[1] === 'new') { await openForm(null); return; }
    if (parts[0] === 'subscriptions' && parts[1] && parts[2] === 'edit') { await openForm(parts[1]); return; }
    if (parts[0] === 'subscriptions' && parts[1]) { await openSubscription(parts[1]); return; }
    if (parts[0] === 'events' && parts[1]) { await openEvent(parts[1]); return; }
    if (parts[0] === 'dead-letters') { await openDeadLetters(); return; }
    await loadSubscriptions();
  }

  let afterRoute = null;

  /** Opens a route; {@code after} runs once its page has loaded (a message, a secret to show). */
  async function go(hash, after) {
    if (location.hash === hash) {
      await route();
      if (after) { after(); }
    } else {
      afterRoute = after || null;
      location.hash = hash;
    }
  }

  async function routeChanged() {
    flash('');
    const after = afterRoute;
    afterRoute = null;
    await route();
    if (after) { after(); }
  }

  // ---- subscriptions list ----------------------------------------------------------------------

  let subscriptionsCache = [];

  async function loadSubscriptions() {
    const result = await call('/v1/subscriptions');
    if (result.status === 401) { return; }
    show('subscriptions');
    const status = $('subscriptions-status');
    const tbody = $('subscriptions-table').tBodies[0];
    tbody.replaceChildren();
    if (result.status !== 200) { status.textContent = problem(result); return; }
    const data = (result.body && result.body.data) || [];
    subscriptionsCache = data;
    status.textContent = data.length === 0 ? 'No subscriptions yet.'
      : data.length + (data.length === 1 ? ' subscription' : ' subscriptions');
    for (const s of data) {
      const tr = document.createElement('tr');
      tr.dataset.subscriptionId = s.id;

      const id = cell(tr, 'Subscription', null, 'mono');
      id.append(link('#/subscriptions/' + seg(s.id), s.id));
      if (s.description) { id.append(el('span', s.description, 'sub-description')); }

      const state = cell(tr, 'State');
      state.append(el('span', s.enabled ? 'enabled' : 'disabled', s.enabled ? 'state-enabled' : 'state-disabled'));
      if (!s.enabled && s.disabled_reason) { state.append(el('span', s.disabled_reason, 'reason')); }

      cell(tr, 'Endpoint', s.mode === 'postback' ? s.url_template : s.url, 'mono');
      cell(tr, 'Event types', (s.event_types || []).join(', '));
      cell(tr, 'Created', time(s.created_at));
      const rate = cell(tr, 'Last hour', '…', 'rate');
      tbody.append(tr);
      fillSuccessRate(s.id, rate);
    }
  }

  /** The last hour's success rate, filled in as each health answer comes. */
  async function fillSuccessRate(id, td) {
    const result = await call('/v1/subscriptions/' + seg(id) + '/health');
    if (result.status !== 200) { td.textContent = 'unknown'; td.title = problem(result); return; }
    const h = result.body.last_hour;
    td.textContent = h.attempts === 0 ? 'no attempts' : percent(h.delivered, h.attempts) + ' of ' + h.attempts;
  }

  // ---- create and edit -------------------------------------------------------------------------

  let catalogue = null;
  let editing = null;
  let previewTimer = null;
  let previewSeq = 0;

  async function loadCatalogue() {
    if (catalogue) { return catalogue; }
    const result = await call('/v1/event-types');
    if (result.status !== 200) { return { data: [], fields: [] }; }
    catalogue = result.body;
    return catalogue;
  }

  function list(text) {
    return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }

  function integerOrText(text) {
    const t = text.trim();
    if (!t) { return null; }
    return /^-?\d+$/.test(t) ? Number(t) : t;
  }

  function fieldErrorsReset() {
    for (const f of document.querySelectorAll('#subscription-form [data-field]')) {
      f.classList.remove('invalid');
      for (const m of f.querySelectorAll('.field-error')) { m.remove(); }
      for (const c of f.querySelectorAll('input, select, textarea')) { c.removeAttribute('aria-invalid'); c.removeAttribute('aria-describedby'); }
    }
    say($('form-errors'), '');
  }

  /** Puts each of the API's details next to the field it names (the longest matching name wins). */
  function showFieldErrors(details, fallback) {
    fieldErrorsReset();
    const wrappers = Array.from(document.querySelectorAll('#subscription-form [data-field]'));
    const unplaced = [];
    let first = null;
    details.forEach((d, i) => {
      const name = d.field || '';
      let best = null;
      for (const w of wrappers) {
        const f = w.dataset.field;
        if ((name === f || name.startsWith(f + '.') || name.startsWith(f + '['))
            && (!best || f.length > best.dataset.field.length)) { best = w; }
      }
      if (!best || best.closest('[hidden]') || getComputedStyle(best).display === 'none') { unplaced.push(d); return; }
      best.classList.add('invalid');
      const msg = el('p', (name === best.dataset.field ? '' : name + ': ') + d.message, 'field-error');
      msg.id = 'err-' + i;
      best.append(msg);
      for (const c of best.querySelectorAll('input, select, textarea')) {
        c.setAttribute('aria-invalid', 'true');
        c.setAttribute('aria-describedby', msg.id);
      }
      if (!first) { first = best.querySelector('input, select, textarea'); }
    });
    const box = $('form-errors');
    box.replaceChildren();
    const lines = unplaced.map((d) => (d.field ? d.field + ': ' : '') + d.message);
    if (lines.length === 0 && details.length === 0 && fallback) { lines.push(fallback); }
    if (lines.length > 0 || details.length > 0) {
      box.append(el('p', details.length > 0 ? 'The subscription was not saved: fix the fields marked below.' : 'The subscription was not saved.'));
      if (lines.length > 0) {
        const ul = el('ul');
        for (const l of lines) { ul.append(el('li', l)); }
        box.append(ul);
      }
      box.hidden = false;
    }
    if (first) { first.focus(); } else { box.focus(); }
  }

  function renderEventTypeChoices(selected) {
    const box = $('event-type-choices');
    box.replaceChildren();
    const types = (catalogue && catalogue.data) || [];
    const families = [];
    for (const t of types) { if (!families.includes(t.family)) { families.push(t.family); } }
    const choices = ['*'].concat(families.map((f) => f + '.*'));
    const byFamily = {};
    for (const t of types) { (byFamily[t.family] = byFamily[t.family] || []).push(t.event_type); }
    const add = (parent, value, text) => {
      const id = 'et-' + value.replace(/[^a-z0-9]/gi, '_');
      const wrap = el('span', null, 'choice');
      const box2 = document.createElement('input');
      box2.type = 'checkbox';
      box2.id = id;
      box2.value = value;
      box2.checked = selected.includes(value);
      box2.dataset.eventType = value;
      const label = el('label', text || value);
      label.htmlFor = id;
      wrap.append(box2, label);
      parent.append(wrap);
    };
    const all = el('div', null, 'choice-group');
    add(all, '*', '* (every event type)');
    box.append(all);
    for (const f of families) {
      const group = el('div', null, 'choice-group');
      add(group, f + '.*');
      for (const t of byFamily[f]) { add(group, t); }
      box.append(group);
    }
    const known = new Set(choices.concat(types.map((t) => t.event_type)));
    $('f-event-patterns').value = selected.filter((s) => !known.has(s)).join(', ');
    const names = $('field-names');
    names.replaceChildren();
    for (const f of (catalogue && catalogue.fields) || []) { const o = el('option'); o.value = f; names.append(o); }
  }

  function modeChanged() {
    const postback = $('f-mode').value === 'postback';
    for (const n of document.querySelectorAll('.mode-postback-only')) { n.hidden = !postback; }
    const post = $('f-method').value === 'POST';
    for (const n of document.querySelectorAll('.post-only')) { n.hidden = !post; }
  }

  /** Reads a JSON textarea: null when empty, or throws a detail naming the field. */
  function jsonField(id, field) {
    const text = $(id).value.trim();
    if (!text) { return null; }
    try { return JSON.parse(text); } catch (e) {
      throw { field: field, message: 'is not valid JSON: ' + e.message };
    }
  }

  /** The create or PATCH body the form describes; cleared values are sent as null when editing. */
  function formBody(forPatch) {
    const b = {};
    const mode = $('f-mode').value;
    const url = $('f-url').value.trim();
    b.mode = mode;
    if (url || mode === 'json') { b.url = url; }
    b.description = $('f-description').value.trim() || null;
    const types = Array.from(document.querySelectorAll('#event-type-choices input:checked')).map((c) => c.value);
    b.event_types = types.concat(list($('f-event-patterns').value));
    b.filter = {};
    const brands = list($('f-brand-id').value);
    const affiliates = list($('f-affiliate-id').value);
    if (brands.length) { b.filter.brand_id = brands; }
    if (affiliates.length) { b.filter.affiliate_id = affiliates; }
    const problems = [];
    const read = (id, field) => { try { return jsonField(id, field); } catch (p) { problems.push(p); return null; } };
    b.where = read('f-where', 'where');
    const fields = list($('f-fields').value);
    b.fields = fields.length ? fields : null;
    b.player_ref = $('f-player-ref').value;
    b.max_in_flight = integerOrText($('f-max-in-flight').value);
    b.rate_limit_per_second = integerOrText($('f-rate-limit').value);
    b.enabled = $('f-enabled').checked;
    if (mode === 'postback') {
      b.url_template = $('f-url-template').value.trim();
      b.method = $('f-method').value;
      b.dialect = $('f-dialect').value;
      b.value_map = read('f-value-map', 'value_map');
      if (b.method === 'POST') {
        b.body_template = $('f-body-template').value;
        b.body_encoding = $('f-body-encoding').value;
      } else {
        b.body_template = null;
        b.body_encoding = null;
      }
    } else if (forPatch) {
      for (const k of ['url_template', 'method', 'body_template', 'body_encoding', 'dialect', 'value_map']) { b[k] = null; }
    }
    if (!forPatch) {
      for (const k of Object.keys(b)) { if (b[k] === null) { delete b[k]; } }
    }
    return { body: b, problems: problems };
  }

  async function openForm(id) {
    show('subscription-form-view');
    fieldErrorsReset();
    editing = null;
    const form = $('subscription-form');
    form.reset();
    say($('preview-status'), '');
    await loadCatalogue();
    let s = { mode: 'json', event_types: [], enabled: true, player_ref: 'plain', filter: {} };
    if (id) {
      const result = await call('/v1/subscriptions/' + seg(id));
      if (result.status !== 200) { showFieldErrors([], problem(result)); return; }
      s = result.body;
      editing = s;
    }
    $('form-title').textContent = id ? 'Edit ' + id : 'New subscription';
    $('f-submit').textContent = id ? 'Save changes' : 'Create subscription';
    $('f-cancel').href = id ? '#/subscriptions/' + seg(id) : '#/subscriptions';
    $('f-description').value = s.description || '';
    $('f-mode').value = s.mode || 'json';
    $('f-url').value = s.url || '';
    $('f-url-template').value = s.url_template || '';
    $('f-method').value = s.method || 'GET';
    $('f-dialect').value = s.dialect || 'braces';
    $('f-body-template').value = s.body_template || '';
    $('f-body-encoding').value = s.body_encoding || 'form';
    $('f-value-map').value = s.value_map ? JSON.stringify(s.value_map) : '';
    $('f-brand-id').value = ((s.filter && s.filter.brand_id) || []).join(', ');
    $('f-affiliate-id').value = ((s.filter && s.filter.affiliate_id) || []).join(', ');
    $('f-where').value = s.where ? JSON.stringify(s.where) : '';
    $('f-fields').value = (s.fields || []).join(', ');
    $('f-player-ref').value = s.player_ref || 'plain';
    $('f-max-in-flight').value = id && s.max_in_flight !== undefined && s.max_in_flight !== null ? String(s.max_in_flight) : '';
    $('f-rate-limit').value = s.rate_limit_per_second === undefined || s.rate_limit_per_second === null ? '' : String(s.rate_limit_per_second);
    $('f-enabled').checked = s.enabled !== false;
    renderEventTypeChoices(s.event_types || []);
    modeChanged();
    schedulePreview();
    $('f-description').focus();
  }

  async function submitForm(event) {
    event.preventDefault();
    const { body, problems } = formBody(editing !== null);
    if (problems.length) { showFieldErrors(problems); return; }
    $('f-submit').disabled = true;
    try {
      const result = editing
        ? await call('/v1/subscriptions/' + seg(editing.id), { method: 'PATCH', json: body })
        : await call('/v1/subscriptions', { method: 'POST', json: body });
      if (result.status === 200 || result.status === 201) {
        fieldErrorsReset();
        const s = result.body;
        const created = !editing;
        go('#/subscriptions/' + seg(s.id), () => {
          if (created && s.secret) {
            showSecret('Created. Its signing secret, shown once here (Reveal secret shows it again):', s.secret, null);
          } else {
            flash('Saved.');
          }
        });
        return;
      }
      const details = (result.body && Array.isArray(result.body.details)) ? result.body.details : [];
      showFieldErrors(details, problem(result));
    } finally {
      $('f-submit').disabled = false;
    }
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_DELAY_MS);
  }

  /** The live preview: the API renders the templates with the sample event, through the sender's own code. */
  async function preview() {
    if ($('f-mode').value !== 'postback') { return; }
    const { body, problems } = formBody(false);
    const status = $('preview-status');
    const seq = ++previewSeq;
    $('preview-url').textContent = '';
    $('preview-body').textContent = '';
    $('preview-empty').textContent = '';
    if (problems.length) { say(status, problems[0].field + ': ' + problems[0].message); return; }
    if (!body.url_template) { say(status, 'Type a URL template to see the URL a sample event renders to.'); return; }
    if (body.event_types.length === 0) { body.event_types = ['*']; }
    const result = await call('/v1/subscriptions/preview', { method: 'POST', json: body });
    if (seq !== previewSeq) { return; }
    if (result.status !== 200) {
      const d = result.body && result.body.details;
      say(status, d && d.length ? d.map((x) => x.field + ': ' + x.message).join('; ') : problem(result));
      return;
    }
    const p = result.body;
    say(status, 'A sample ' + (p.sample_event ? p.sample_event.event_type : '') + ' event would be sent as ' + p.method + ':');
    $('preview-url').textContent = p.url;
    $('preview-body').textContent = p.body === null || p.body === undefined ? '(none: GET)' : p.body;
    $('preview-empty').textContent = (p.empty_macros || []).length ? p.empty_macros.join(', ') + ' (render empty)' : 'none';
  }

  // ---- one subscription ------------------------------------------------------------------------

  let current = null;
  let deliveriesUntil = null;
  let deliveriesSeen = new Set();

  function banner(kind, title, text) {
    const box = el('div', null, 'alert alert-' + kind);
    box.setAttribute('role', 'alert');
    box.dataset.alert = kind;
    box.append(el('strong', title));
    box.append(el('span', text));
    $('detail-alerts').append(box);
  }

  function setting(dl, name, value) {
    dl.append(el('dt', name));
    const dd = el('dd');
    if (value instanceof Node) { dd.append(value); } else { dd.textContent = value === null || value === undefined || value === '' ? '—' : String(value); }
    dl.append(dd);
  }

  async function openSubscription(id) {
    const result = await call('/v1/subscriptions/' + seg(id));
    show('subscription-view');
    $('detail-title').textContent = id;
    $('detail-alerts').replaceChildren();
    $('detail-settings').replaceChildren();
    say($('recover-result'), '');
    say($('detail-result'), '');
    if (result.status !== 200) {
      $('detail-status').textContent = problem(result);
      $('detail-actions').hidden = true;
      return;
    }
    $('detail-status').textContent = '';
    $('detail-actions').hidden = false;
    const s = result.body;
    current = s;
    $('detail-description').textContent = s.description || '';
    $('detail-edit').href = '#/subscriptions/' + seg(s.id) + '/edit';
    $('detail-toggle').textContent = s.enabled ? 'Disable' : 'Enable';
    if (!s.enabled) {
      banner('disabled', 'endpoint.disabled', s.disabled_reason ? 'Disabled: ' + s.disabled_reason : 'Disabled: nothing is delivered until it is enabled again.');
    }
    const dl = $('detail-settings');
    const state = el('span', s.enabled ? 'enabled' : 'disabled', s.enabled ? 'state-enabled' : 'state-disabled');
    setting(dl, 'State', state);
    setting(dl, 'Delivery', s.mode === 'postback' ? 'postback (' + (s.method || 'GET') + ')' : 'JSON webhook');
    setting(dl, 'Endpoint', s.url);
    if (s.mode === 'postback') {
      setting(dl, 'URL template', s.url_template);
      if (s.body_template) { setting(dl, 'Body template', s.body_template); }
      if (s.value_map) { setting(dl, 'Value map', JSON.stringify(s.value_map)); }
    }
    setting(dl, 'Event types', (s.event_types || []).join(', '));
    const f = s.filter || {};
    setting(dl, 'Brands', (f.brand_id || []).join(', ') || 'any');
    setting(dl, 'Affiliates', (f.affiliate_id || []).join(', ') || 'any');
    setting(dl, 'Conditions', s.where ? JSON.stringify(s.where) : 'none');
    setting(dl, 'Fields sent', s.fields ? s.fields.join(', ') : 'every field');
    setting(dl, 'Player reference', s.player_ref || 'plain');
    setting(dl, 'Limits', 'max ' + s.max_in_flight + ' in flight, ' + (s.rate_limit_per_second ? s.rate_limit_per_second + ' per second' : 'no rate limit'));
    if (s.previous_secret_expires_at) { setting(dl, 'Previous secret valid until', time(s.previous_secret_expires_at)); }
    setting(dl, 'Created', time(s.created_at));
    setting(dl, 'Updated', time(s.updated_at));
    for (const node of dl.querySelectorAll('dd')) { node.classList.add('mono-soft'); }
    loadHealth(s.id);
    $('d-state').value = '';
    $('d-since').value = '';
    $('d-until').value = '';
    const now = new Date();
    $('r-until').value = localInput(now);
    $('r-since').value = localInput(new Date(now.getTime() - 3600 * 1000));
    loadDeliveries(true);
  }

  async function loadHealth(id) {
    const result = await call('/v1/subscriptions/' + seg(id) + '/health');
    const tbody = $('health-table').tBodies[0];
    tbody.replaceChildren();
    const facts = $('health-facts');
    facts.replaceChildren();
    $('chart-minutes').replaceChildren();
    $('chart-hours').replaceChildren();
    if (result.status !== 200) { setting(facts, 'Health', problem(result)); return; }
    const h = result.body;
    for (const [name, w] of [['Last hour', h.last_hour], ['Last day', h.last_day]]) {
      const tr = el('tr');
      tr.dataset.window = name === 'Last hour' ? 'hour' : 'day';
      cell(tr, 'Window', name);
      cell(tr, 'Attempts', w.attempts);
      cell(tr, 'Delivered', w.delivered);
      cell(tr, 'Failed', w.failed);
      cell(tr, 'Success', percent(w.delivered, w.attempts));
      // The API reports a percentile as the upper bound of its histogram bucket: "p99 ≤ 250 ms".
      cell(tr, 'p50', w.latency_p50_ms === null || w.latency_p50_ms === undefined ? '—' : '≤ ' + ms(w.latency_p50_ms));
      cell(tr, 'p99', w.latency_p99_ms === null || w.latency_p99_ms === undefined ? '—' : '≤ ' + ms(w.latency_p99_ms));
      tbody.append(tr);
    }
    setting(facts, 'Consecutive failures', h.consecutive_failures);
    setting(facts, 'Last success', time(h.last_success_at));
    if (h.last_failure) {
      const f = el('span');
      f.append(time(h.last_failure.at));
      f.append(el('span', ' — ' + failure(h.last_failure.status, h.last_failure.error), 'last-failure'));
      setting(facts, 'Last failure', f);
    } else {
      setting(facts, 'Last failure', 'none');
    }
    setting(facts, 'Failing since', time(h.failing_since));
    if (h.disables_at) { setting(facts, 'Disabled automatically at', time(h.disables_at)); }
    if (h.disabled_reason) { setting(facts, 'Disabled reason', h.disabled_reason); }
    if (h.failing_since) {
      banner('failing', 'endpoint.failing', 'Failing since ' + new Date(h.failing_since).toLocaleString() + ', '
        + h.consecutive_failures + ' consecutive failures'
        + (h.last_failure ? '; last error: ' + failure(h.last_failure.status, h.last_failure.error) : '')
        + (h.disables_at ? '; disabled automatically at ' + new Date(h.disables_at).toLocaleString() + ' if it goes on' : '') + '.');
    }
    chart($('chart-minutes'), h.minutes || [], (d) => d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    chart($('chart-hours'), h.hours || [], (d) => d.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' }));
  }

  /** "HTTP 502", "HTTP 500: <error>" or the error alone when there was no answer; never the status twice. */
  function failure(status, error) {
    const code = status ? 'HTTP ' + status : '';
    if (!error || error === code) { return code || 'no answer'; }
    return code ? code + ': ' + error : error;
  }

  /** A bar per bucket, delivered stacked under failed, drawn as SVG elements (no markup strings). */
  function chart(container, buckets, label) {
    const NS = 'http://www.w3.org/2000/svg';
    const width = 600;
    const height = 120;
    const max = Math.max(1, ...buckets.map((b) => b.delivered + b.failed));
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    const total = buckets.reduce((a, b) => a + b.attempts, 0);
    const failed = buckets.reduce((a, b) => a + b.failed, 0);
    svg.setAttribute('aria-label', total + ' attempts, ' + failed + ' failed');
    const step = width / Math.max(1, buckets.length);
    buckets.forEach((b, i) => {
      const g = document.createElementNS(NS, 'g');
      g.dataset.at = b.at;
      const title = document.createElementNS(NS, 'title');
      title.textContent = label(new Date(b.at)) + ': ' + b.delivered + ' delivered, ' + b.failed + ' failed';
      g.append(title);
      const hd = height * b.delivered / max;
      const hf = height * b.failed / max;
      const bar = (h, y, cls) => {
        const r = document.createElementNS(NS, 'rect');
        r.setAttribute('x', String(i * step + step * 0.1));
        r.setAttribute('width', String(step * 0.8));
        r.setAttribute('y', String(y));
        r.setAttribute('height', String(Math.max(0, h)));
        r.setAttribute('class', cls);
        g.append(r);
      };
      bar(height, 0, 'bar-hit');
      bar(hd, height - hd, 'bar-delivered');
      bar(hf, height - hd - hf, 'bar-failed');
      svg.append(g);
    });
    // Labels are HTML beside the drawing, so the stretched drawing never stretches their text.
    const axis = el('div', null, 'chart-axis');
    if (buckets.length) {
      axis.append(el('span', label(new Date(buckets[0].at))), el('span', label(new Date(buckets[buckets.length - 1].at))));
    }
    const peak = el('span', 'peak ' + max + ' per bar', 'chart-peak');
    container.replaceChildren(peak, svg, axis);
  }

  async function loadDeliveries(fresh) {
    if (!current) { return; }
    const tbody = $('deliveries-table').tBodies[0];
    if (fresh) { tbody.replaceChildren(); deliveriesUntil = null; deliveriesSeen = new Set(); }
    const q = new URLSearchParams();
    q.set('limit', '50');
    if ($('d-state').value) { q.set('state', $('d-state').value); }
    const since = instant($('d-since').value);
    if (since) { q.set('since', since); }
    const until = deliveriesUntil || instant($('d-until').value);
    if (until) { q.set('until', until); }
    const result = await call('/v1/subscriptions/' + seg(current.id) + '/deliveries?' + q);
    const status = $('deliveries-status');
    if (result.status !== 200) { status.textContent = problem(result); $('deliveries-more').hidden = true; return; }
    const data = result.body.data || [];
    for (const d of data) {
      if (deliveriesSeen.has(d.webhook_id)) { continue; }
      deliveriesSeen.add(d.webhook_id);
      tbody.append(deliveryRow(d));
    }
    if (data.length) { deliveriesUntil = data[data.length - 1].created_at; }
    $('deliveries-more').hidden = !result.body.has_more;
    status.textContent = deliveriesSeen.size === 0 ? 'No deliveries match.'
      : deliveriesSeen.size + ' shown, newest first' + (result.body.has_more ? '; older ones follow.' : '.');
  }

  function deliveryRow(d) {
    const tr = el('tr');
    tr.dataset.webhookId = d.webhook_id;
    tr.dataset.eventId = d.event_id;
    cell(tr, 'First attempt', time(d.created_at));
    const ev = cell(tr, 'Event', null, 'mono');
    ev.append(link('#/events/' + seg(d.event_id), d.event_id));
    ev.append(el('span', d.event_type, 'sub-description'));
    const st = cell(tr, 'State');
    st.append(el('span', d.state, 'state-' + d.state));
    if (d.dead_reason) { st.append(el('span', d.dead_reason, 'reason')); }
    if (d.next_attempt_at) { const n = el('span', 'next ', 'reason'); n.append(time(d.next_attempt_at)); st.append(n); }
    const a = d.last_attempt || {};
    cell(tr, 'Attempts', d.attempt_count);
    cell(tr, 'Last status', a.status ? a.status : (a.attempt ? 'no answer' : '—'));
    cell(tr, 'Latency', ms(a.latency_ms));
    cell(tr, 'Last error', a.error || '', 'error-text');
    return tr;
  }

  async function toggle() {
    if (!current) { return; }
    const result = await call('/v1/subscriptions/' + seg(current.id), { method: 'PATCH', json: { enabled: !current.enabled } });
    if (result.status !== 200) { detailSay(problem(result)); return; }
    await openSubscription(current.id);
    detailSay(result.body.enabled ? 'Enabled: deliveries resume.' : 'Disabled: nothing is delivered until it is enabled again.');
  }

  function detailSay(text) { say($('detail-result'), text); }

  async function testFire() {
    if (!current) { return; }
    $('detail-test').disabled = true;
    detailSay('Sending a test event…');
    try {
      const result = await call('/v1/subscriptions/' + seg(current.id) + '/test', { method: 'POST' });
      const box = $('detail-result');
      box.replaceChildren();
      box.hidden = false;
      if (result.status !== 200) { box.textContent = problem(result); return; }
      const t = result.body;
      box.dataset.delivered = String(!!t.delivered);
      box.append(el('p', (t.delivered ? 'Delivered: ' : 'Not delivered: ')
        + (t.status ? 'HTTP ' + t.status : 'no answer') + ' in ' + ms(t.latency_ms)
        + (t.error ? '. ' + t.error : '') + (t.webhook_id ? ' (' + t.webhook_id + ')' : ''), 'test-summary'));
      if (t.empty_macros && t.empty_macros.length) { box.append(el('p', 'Empty macros: ' + t.empty_macros.join(', '))); }
      box.append(el('p', 'Response excerpt:', 'hint'));
      box.append(el('pre', t.response_excerpt || '(empty)', 'excerpt'));
    } finally {
      $('detail-test').disabled = false;
    }
  }

  /** A secret on the page, with a button to hide it again; never kept anywhere else. */
  function showSecret(text, secret, expiresAt) {
    const box = $('detail-result');
    box.replaceChildren();
    box.append(el('p', text));
    const code = el('code', secret, 'secret');
    code.id = 'shown-secret';
    box.append(code);
    if (expiresAt) {
      const p = el('p', 'The previous secret stays valid until ');
      p.append(time(expiresAt));
      p.append(document.createTextNode(': every attempt is signed with both until then.'));
      box.append(p);
    }
    const hide = el('button', 'Hide', 'secondary');
    hide.type = 'button';
    hide.addEventListener('click', () => say(box, ''));
    box.append(hide);
    box.hidden = false;
  }

  async function rotate() {
    if (!current) { return; }
    const ok = await confirmAction('Rotate the signing secret?',
      'A new secret becomes current now; the old one keeps verifying during the grace period, then stops. Update the receiver before the grace ends.',
      'Rotate');
    if (!ok) { return; }
    const result = await call('/v1/subscriptions/' + seg(current.id) + '/secret/rotate', { method: 'POST' });
    if (result.status !== 200) { detailSay(problem(result)); return; }
    showSecret('The new secret, shown once:', result.body.secret, result.body.previous_secret_expires_at);
  }

  async function reveal() {
    if (!current) { return; }
    const result = await call('/v1/subscriptions/' + seg(current.id) + '/secret');
    if (result.status !== 200) { detailSay(problem(result)); return; }
    showSecret('The current signing secret:', result.body.secret, null);
  }

  async function remove() {
    if (!current) { return; }
    const id = current.id;
    const ok = await confirmAction('Delete ' + id + '?',
      'Nothing more is delivered to it; deliveries still retrying go to the dead letters. This cannot be undone.', 'Delete');
    if (!ok) { return; }
    const result = await call('/v1/subscriptions/' + seg(id), { method: 'DELETE' });
    if (result.status !== 204 && result.status !== 200) { detailSay(problem(result)); return; }
    current = null;
    go('#/subscriptions', () => flash('Deleted ' + id + '.'));
  }

  async function recover(event) {
    event.preventDefault();
    if (!current) { return; }
    const out = $('recover-result');
    const body = { since: instant($('r-since').value), until: instant($('r-until').value) };
    const result = await call('/v1/subscriptions/' + seg(current.id) + '/recover', { method: 'POST', json: body });
    if (result.status !== 200 && result.status !== 202) { say(out, problem(result)); return; }
    const r = result.body;
    const skipped = Object.entries(r.skipped || {}).filter(([, n]) => n > 0).map(([k, n]) => n + ' ' + k.replace(/_/g, ' '));
    say(out, 'Queued ' + r.queued + (r.queued === 1 ? ' delivery' : ' deliveries') + ' again'
      + (r.background ? ' (the rest continues in the background)' : '')
      + (skipped.length ? '; skipped ' + skipped.join(', ') : '') + (r.has_more ? '; more remain in the window.' : '.'));
  }

  // ---- one event -------------------------------------------------------------------------------

  async function openEvent(eventId) {
    show('event-view');
    $('event-title').textContent = 'Event ' + eventId;
    const box = $('event-deliveries');
    box.replaceChildren();
    const status = $('event-status');
    status.textContent = 'Looking…';
    const result = await call('/v1/events/' + seg(eventId) + '/deliveries');
    if (result.status !== 200) { status.textContent = problem(result); return; }
    const data = result.body.data || [];
    status.textContent = data.length === 0 ? 'No deliveries of this event to your subscriptions (yet).'
      : data.length + (data.length === 1 ? ' delivery' : ' deliveries');
    for (const d of data) { box.append(eventDelivery(eventId, d)); }
  }

  function eventDelivery(eventId, d) {
    const card = el('article', null, 'card delivery');
    card.dataset.webhookId = d.webhook_id;
    card.dataset.subscriptionId = d.subscription_id;
    const head = el('h2');
    head.append(link('#/subscriptions/' + seg(d.subscription_id), d.subscription_id, 'mono'));
    head.append(el('span', ' ' + d.state, 'state-' + d.state));
    card.append(head);
    const dl = el('dl', null, 'settings');
    setting(dl, 'Webhook id', d.webhook_id);
    setting(dl, 'Event type', d.event_type);
    setting(dl, 'First attempt', time(d.created_at));
    if (d.dead_reason) { setting(dl, 'Dead reason', d.dead_reason); }
    if (d.next_attempt_at) { setting(dl, 'Next attempt', time(d.next_attempt_at)); }
    card.append(dl);

    const wrap = el('div', null, 'table-wrap');
    const table = el('table', null, 'attempts');
    const thead = el('thead');
    const hr = el('tr');
    for (const h of ['#', 'Time', 'Status', 'Latency', 'Lateness', 'Error', 'Response excerpt']) { const th = el('th', h); th.scope = 'col'; hr.append(th); }
    thead.append(hr);
    const tbody = el('tbody');
    for (const a of d.attempts || []) {
      const tr = el('tr');
      tr.dataset.attempt = a.attempt;
      cell(tr, '#', a.attempt);
      cell(tr, 'Time', time(a.attempted_at));
      cell(tr, 'Status', a.status ? a.status : 'no answer');
      cell(tr, 'Latency', ms(a.latency_ms));
      cell(tr, 'Lateness', ms(a.lateness_ms));
      cell(tr, 'Error', a.error || '', 'error-text');
      const ex = cell(tr, 'Response excerpt');
      ex.append(el('pre', a.response_excerpt || '', 'excerpt'));
      tbody.append(tr);
    }
    table.append(thead, tbody);
    wrap.append(table);
    card.append(wrap);

    const actions = el('div', null, 'actions');
    const bodyButton = el('button', 'Show the body sent', 'secondary');
    bodyButton.type = 'button';
    bodyButton.dataset.action = 'body';
    const resend = el('button', 'Resend');
    resend.type = 'button';
    resend.dataset.action = 'resend';
    actions.append(bodyButton, resend);
    card.append(actions);
    const out = el('div', null, 'result');
    out.setAttribute('role', 'status');
    out.hidden = true;
    card.append(out);
    const bodyBox = el('div', null, 'sent-body');
    bodyBox.hidden = true;
    card.append(bodyBox);

    resend.addEventListener('click', async () => {
      const result = await call('/v1/events/' + seg(eventId) + '/resend', { method: 'POST', json: { subscription_id: d.subscription_id } });
      if (result.status !== 200 && result.status !== 202) { say(out, problem(result)); return; }
      const skipped = Object.entries(result.body.skipped || {}).map(([k, n]) => n + ' ' + k.replace(/_/g, ' '));
      say(out, 'Queued ' + result.body.queued + (result.body.queued === 1 ? ' delivery' : ' deliveries') + ' again'
        + (skipped.length ? '; skipped ' + skipped.join(', ') : '') + '. Refresh to see the new attempt.');
    });
    bodyButton.addEventListener('click', async () => {
      const result = await call('/v1/events/' + seg(eventId) + '/deliveries/' + seg(d.webhook_id) + '/body');
      bodyBox.replaceChildren();
      bodyBox.hidden = false;
      if (result.status !== 200) { bodyBox.append(el('p', problem(result), 'error')); return; }
      const b = result.body;
      bodyBox.append(el('p', (b.method || 'POST') + ' ' + (b.url || '') + (b.content_type ? '  (' + b.content_type + ')' : ''), 'mono'));
      bodyBox.append(el('pre', b.body === null || b.body === undefined ? '(no body)' : pretty(b.body), 'excerpt body-sent'));
      const note = el('p', 'Shaped at each attempt with the subscription as it is then; this is the body with the subscription as it is now'
        + ' (last changed ', 'hint');
      note.append(time(b.subscription_updated_at));
      note.append(document.createTextNode('), the same as sent unless its fields, player reference or templates changed since.'));
      bodyBox.append(note);
    });
    return card;
  }

  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  // ---- dead letters ----------------------------------------------------------------------------

  let deadSince = null;

  function deadFilters() {
    const f = {};
    if ($('dl-subscription').value) { f.subscription_id = $('dl-subscription').value; }
    if ($('dl-reason').value) { f.reason = $('dl-reason').value; }
    const since = instant($('dl-since').value);
    const until = instant($('dl-until').value);
    if (since) { f.since = since; }
    if (until) { f.until = until; }
    return f;
  }

  async function openDeadLetters() {
    show('dead-letters');
    say($('redrive-result'), '');
    const select = $('dl-subscription');
    const chosen = select.value;
    const subs = await call('/v1/subscriptions');
    if (subs.status === 200) {
      select.replaceChildren(Object.assign(el('option', 'any'), { value: '' }));
      for (const s of subs.body.data || []) {
        const o = el('option', s.id + (s.description ? ' — ' + s.description : ''));
        o.value = s.id;
        select.append(o);
      }
      select.value = chosen;
    }
    loadDeadLetters(true);
  }

  async function loadDeadLetters(fresh) {
    const tbody = $('dead-letters-table').tBodies[0];
    if (fresh) { tbody.replaceChildren(); deadSince = null; $('dl-select-all').checked = false; }
    const q = new URLSearchParams(deadFilters());
    if (deadSince) { q.set('since', deadSince); }
    q.set('limit', '100');
    const result = await call('/v1/dead-letters?' + q);
    const status = $('dead-letters-status');
    if (result.status !== 200) { status.textContent = problem(result); return; }
    const seen = new Set(Array.from(tbody.rows).map((r) => r.dataset.webhookId));
    for (const d of result.body.data || []) {
      if (seen.has(d.webhook_id)) { continue; }
      tbody.append(deadLetterRow(d));
    }
    deadSince = result.body.next_since;
    $('dead-letters-more').hidden = !result.body.has_more;
    const n = tbody.rows.length;
    status.textContent = n === 0 ? 'No dead letters match.' : n + ' shown, oldest first' + (result.body.has_more ? '; more follow.' : '.');
    selectionChanged();
  }

  function deadLetterRow(d) {
    const tr = el('tr');
    tr.dataset.webhookId = d.webhook_id;
    const pick = cell(tr, 'Select');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = d.webhook_id;
    box.setAttribute('aria-label', 'Select ' + d.webhook_id);
    box.addEventListener('change', selectionChanged);
    pick.append(box);
    cell(tr, 'Dead since', time(d.dead_at));
    const sub = cell(tr, 'Subscription', null, 'mono');
    sub.append(link('#/subscriptions/' + seg(d.subscription_id), d.subscription_id));
    const ev = cell(tr, 'Event', null, 'mono');
    ev.append(link('#/events/' + seg(d.event_id), d.event_id));
    ev.append(el('span', d.event_type, 'sub-description'));
    cell(tr, 'Reason', d.reason);
    cell(tr, 'Attempts', d.attempt);
    cell(tr, 'Last status', d.last_status ? d.last_status : '—');
    cell(tr, 'Last error', d.last_error || '', 'error-text');
    return tr;
  }

  function selected() {
    return Array.from(document.querySelectorAll('#dead-letters-table tbody input[type=checkbox]:checked')).map((c) => c.value);
  }

  function selectionChanged() {
    const n = selected().length;
    $('redrive-selected').disabled = n === 0;
    $('redrive-selected').textContent = n === 0 ? 'Redrive selected' : 'Redrive ' + n + ' selected';
  }

  async function redrive(body, what) {
    const out = $('redrive-result');
    const result = await call('/v1/dead-letters/redrive', { method: 'POST', json: body });
    if (result.status !== 200 && result.status !== 202) { say(out, problem(result)); return; }
    const r = result.body;
    const skipped = Object.entries(r.skipped || {}).filter(([, n]) => n > 0).map(([k, n]) => n + ' ' + k.replace(/_/g, ' '));
    await loadDeadLetters(true);
    say(out, 'Redrove ' + r.redriven + (r.redriven === 1 ? ' letter' : ' letters') + ' (' + what + ')'
      + (skipped.length ? '; skipped ' + skipped.join(', ') : '') + (r.has_more ? '; more match: redrive again.' : '.')
      + ' They are delivered again with their webhook ids.');
  }

  async function redriveSelected() {
    const ids = selected();
    if (ids.length === 0) { return; }
    await redrive({ webhook_id: ids.join(',') }, 'the selection');
  }

  async function redriveAll() {
    const f = deadFilters();
    const what = Object.keys(f).length ? Object.entries(f).map(([k, v]) => k + ' ' + v).join(', ') : 'every dead letter of yours';
    const ok = await confirmAction('Redrive every matching dead letter?', 'Matching: ' + what + '. Each goes back to its subscription now.', 'Redrive');
    if (!ok) { return; }
    await redrive(f, 'all matching');
  }

  // ---- wiring ----------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    $('event-search').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = $('event-search-id').value.trim();
      if (id) { go('#/events/' + seg(id)); }
    });
    const form = $('subscription-form');
    form.addEventListener('submit', submitForm);
    form.addEventListener('input', schedulePreview);
    form.addEventListener('change', () => { modeChanged(); schedulePreview(); });
    $('detail-toggle').addEventListener('click', toggle);
    $('detail-test').addEventListener('click', testFire);
    $('detail-rotate').addEventListener('click', rotate);
    $('detail-reveal').addEventListener('click', reveal);
    $('detail-delete').addEventListener('click', remove);
    $('deliveries-filter').addEventListener('submit', (e) => { e.preventDefault(); loadDeliveries(true); });
    $('deliveries-more').addEventListener('click', () => loadDeliveries(false));
    $('recover-form').addEventListener('submit', recover);
    $('dead-letter-filter').addEventListener('submit', (e) => { e.preventDefault(); say($('redrive-result'), ''); loadDeadLetters(true); });
    $('dead-letters-more').addEventListener('click', () => loadDeadLetters(false));
    $('dl-select-all').addEventListener('change', (e) => {
      for (const c of document.querySelectorAll('#dead-letters-table tbody input[type=checkbox]')) { c.checked = e.target.checked; }
      selectionChanged();
    });
    $('redrive-selected').addEventListener('click', redriveSelected);
    $('redrive-all').addEventListener('click', redriveAll);
    window.addEventListener('hashchange', routeChanged);
    $('event-refresh').addEventListener('click', () => route());
    route();
  });
})();

// The rater and admin pages, embedded in the binary: nothing is fetched from elsewhere. Every
// piece of study data reaches the DOM through textContent / value, never as markup.

#include "annotate/app.hpp"

namespace reasonrec::annotate {
namespace {

constexpr std::string_view kStyle = R"css(
body{font:16px/1.45 system-ui,sans-serif;margin:0;background:#f6f6f4;color:#222}
header{position:sticky;top:0;background:#234;color:#fff;padding:.5em 1em;display:flex;gap:1.5em;align-items:center;z-index:1}
header h1{font-size:1.15em;margin:0}
#status{margin-left:auto;font-size:.9em}
#status.error{color:#fbb;font-weight:bold}
main{max-width:62em;margin:0 auto;padding:1em}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin-bottom:1em}
h2{font-size:1.05em;margin:.2em 0 .5em}
.entry{border-top:1px solid #eee;padding:.4em 0}
.entry:first-child{border-top:none}
.title{font-weight:600}
.meta{color:#666;font-size:.9em}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
#reasoning{white-space:pre-wrap;overflow-wrap:anywhere;background:#fffbe8;padding:.6em;border-radius:4px}
.q{margin:.6em 0}
.q button{min-width:3.2em;padding:.3em .6em;margin-right:.3em;border:1px solid #888;border-radius:4px;background:#fff;cursor:pointer}
.q button[aria-pressed=true]{background:#2a6;color:#fff;border-color:#2a6}
kbd{border:1px solid #aaa;border-radius:3px;padding:0 .3em;font-size:.85em;background:#eee;color:#222}
textarea{width:100%;box-sizing:border-box;min-height:3em;font:inherit}
nav{display:flex;gap:1em;align-items:center}
#error{color:#b00;font-weight:bold}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .8em;text-align:right}
)css";

constexpr std::string_view kRaterBody = R"html(
<header><h1>Rate the reasoning</h1><span id="progress">Loading…</span><span id="status" role="status"></span></header>
<main>
<p id="error" hidden></p>
<div id="study" hidden>
<section><h2 id="history-heading">The user's history</h2><div id="history"></div></section>
<section><h2 id="target-heading">The new item</h2><div id="target"></div></section>
<section><h2>The model's reasoning</h2><div id="reasoning"></div></section>
<section id="questions"><h2>Your judgment</h2>
<div class="q" id="q-coherence"><div><b>Coherence</b>: is the reasoning logical and easy to follow? (1 = not at all, 5 = fully) — keys <kbd>1</kbd>–<kbd>5</kbd></div></div>
<div class="q" id="q-faithful"><div><b>Faithfulness</b>: is it free of fabricated facts about the user or the item? — keys <kbd>Y</kbd> / <kbd>N</kbd></div>
<label for="note">If not, the fabricated claim (optional, <kbd>M</kbd>):</label><textarea id="note" maxlength="2000"></textarea></div>
<div class="q" id="q-insightfulness"><div><b>Insightfulness</b>: does it reveal something useful about the user's preferences? (1–5) — keys <kbd>Q</kbd> <kbd>W</kbd> <kbd>E</kbd> <kbd>R</kbd> <kbd>T</kbd></div></div>
<div class="q"><label for="comment">Comment (optional, <kbd>C</kbd>):</label><textarea id="comment" maxlength="4000"></textarea></div>
</section>
<nav><button id="prev">← Previous (<kbd>K</kbd>)</button><button id="next">Next (<kbd>J</kbd>) →</button>
<span class="meta">Every answer is saved the moment you give it. <kbd>Esc</kbd> leaves a text box.</span></nav>
</div>
</main>
)html";

constexpr std::string_view kAdminBody = R"html(
<header><h1>Study progress</h1><span id="status" role="status"></span></header>
<main>
<p id="error" hidden></p>
<section><h2>Raters</h2><table id="progress-table"><thead><tr><th>rater</th><th>assigned</th><th>complete</th><th>started</th></tr></thead><tbody></tbody></table></section>
<section><h2>Export</h2><button id="export">Download judgments.jsonl</button></section>
</main>
)html";

constexpr std::string_view kScript = R"js('use strict';
(function () {
  const token = location.hash.slice(1);
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const auth = { Authorization: 'Bearer ' + token };
  function fail(message) {
    const e = $('error');
    e.textContent = message;
    e.hidden = false;
  }
  if (!/^[0-9a-f]{64}$/.test(token)) { fail('This link is incomplete: open the full link you were given.'); return; }

  if (document.body.dataset.page === 'admin') {
    async function refresh() {
      const r = await fetch('/api/admin/progress', { headers: auth, cache: 'no-store' });
      if (!r.ok) { fail('Not the admin link (' + r.status + ').'); return; }
      const data = await r.json();
      const body = document.querySelector('#progress-table tbody');
      body.replaceChildren();
      for (const p of data.raters) {
        const tr = el('tr');
        for (const v of [p.rater, p.assigned, p.complete, p.touched]) tr.append(el('td', '', v));
        body.append(tr);
      }
      $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
    }
    $('export').addEventListener('click', async () => {
      const r = await fetch('/api/admin/export', { headers: auth, cache: 'no-store' });
      if (!r.ok) { fail('Export failed (' + r.status + ').'); return; }
      const url = URL.createObjectURL(await r.blob());
      const a = el('a');
      a.href = url;
      a.download = 'judgments.jsonl';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
    refresh();
    setInterval(refresh, 10000);
    return;
  }

  let items = [];
  let pos = 0;
  const posKey = 'reasonrec-annotate-pos-' + token.slice(0, 16);
  const inFlight = new Set();
  const dirty = new Set();
  let failing = false;

  function blank() { return { coherence: null, faithful: null, fabricated_note: '', insightfulness: null, comment: '' }; }
  function complete(a) { return a && a.coherence !== null && a.faithful !== null && a.insightfulness !== null; }
  function showStatus() {
    const s = $('status');
    s.className = failing ? 'error' : '';
    if (failing) s.textContent = 'Not saved: retrying…';
    else if (inFlight.size || dirty.size) s.textContent = 'Saving…';
    else s.textContent = 'All answers saved';
  }
  function showProgress() {
    const done = items.filter((it) => complete(it.answer)).length;
    $('progress').textContent = 'Item ' + (pos + 1) + ' of ' + items.length + ' · ' + done + ' of ' + items.length + ' answered';
  }

  // One request per item at a time; a change made meanwhile is sent once the first is acknowledged.
  async function save(item) {
    if (inFlight.has(item.id)) { dirty.add(item.id); showStatus(); return; }
    inFlight.add(item.id);
    dirty.delete(item.id);
    showStatus();
    const a = item.answer;
    const body = JSON.stringify({ item: item.id, coherence: a.coherence, faithful: a.faithful,
      fabricated_note: a.fabricated_note, insightfulness: a.insightfulness, comment: a.comment });
    let delay = 500;
    for (;;) {
      try {
        const r = await fetch('/api/answer', { method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, auth), body });
        if (r.ok) { failing = false; break; }
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
          const e = await r.json().catch(() => ({}));
          fail('Answer refused: ' + (e.error || r.status));
          break;
        }
      } catch (e) { /* network: retry */ }
      failing = true;
      showStatus();
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(delay * 2, 8000);
    }
    inFlight.delete(item.id);
    if (dirty.has(item.id)) { save(item); return; }
    showStatus();
  }

  function set(field, value) {
    const item = items[pos];
    item.answer[field] = value;
    renderAnswer();
    showProgress();
    save(item);
  }

  function scaleButtons(q, field, keys) {
    const box = $('q-' + q);
    const row = el('div');
    for (let v = 1; v <= 5; v++) {
      const b = el('button', '', v + ' ');
      b.append(el('kbd', '', keys[v - 1]));
      b.dataset.field = field;
      b.dataset.value = String(v);
      b.addEventListener('click', () => set(field, v));
      row.append(b);
    }
    box.insertBefore(row, box.children[1] || null);
  }
  function yesNo() {
    const box = $('q-faithful');
    const row = el('div');
    for (const [label, key, value] of [['Yes, faithful', 'Y', true], ['No, fabricated', 'N', false]]) {
      const b = el('button', '', label + ' ');
      b.append(el('kbd', '', key));
      b.dataset.field = 'faithful';
      b.dataset.value = String(value);
      b.addEventListener('click', () => set('faithful', value));
      row.append(b);
    }
    box.insertBefore(row, box.children[1]);
  }

  function renderAnswer() {
    const a = items[pos].answer;
    for (const b of document.querySelectorAll('button[data-field]')) {
      b.setAttribute('aria-pressed', String(a[b.dataset.field] !== null && String(a[b.dataset.field]) === b.dataset.value));
    }
    if (document.activeElement !== $('note')) $('note').value = a.fabricated_note;
    if (document.activeElement !== $('comment')) $('comment').value = a.comment;
  }

  function itemBlock(info, cls) {
    const d = el('div', cls);
    d.append(el('div', 'title', info.title || '(no title)'));
    const meta = [];
    if (info.brand) meta.push('Brand: ' + info.brand);
    if (info.categories) meta.push('Categories: ' + info.categories.join(', '));
    if (info.price) meta.push('Price: ' + info.price);
    if (meta.length) d.append(el('div', 'meta', meta.join(' · ')));
    if (info.description) d.append(el('div', 'text', info.description));
    return d;
  }

  function render() {
    const item = items[pos];
    localStorage.setItem(posKey, String(pos));
    const kind = item.item_kind === 'video' ? 'video' : 'product';
    $('history-heading').textContent = "The user's history (" + item.history.length + (kind === 'video' ? ' videos watched)' : ' products bought)');
    $('target-heading').textContent = 'The new ' + kind;
    const h = $('history');
    h.replaceChildren();
    for (const e of item.history) {
      const d = itemBlock(e, 'entry');
      d.append(el('div', 'meta', 'Rated ' + e.rating + ' of 5'));
      if (e.summary) d.append(el('div', 'text', e.summary));
      if (e.review) d.append(el('div', 'text', e.review));
      h.append(d);
    }
    $('target').replaceChildren(itemBlock(item.target, ''));
    $('reasoning').textContent = item.reasoning;
    $('prev').disabled = pos === 0;
    $('next').disabled = pos === items.length - 1;
    renderAnswer();
    showProgress();
    window.scrollTo(0, 0);
  }
  function go(delta) {
    const next = pos + delta;
    if (next < 0 || next >= items.length) return;
    flushText();
    pos = next;
    render();
  }

  let textTimer = null;
  function flushText() {
    if (textTimer) { clearTimeout(textTimer); textTimer = null; }
    const a = items[pos].answer;
    const note = $('note').value, comment = $('comment').value;
    if (note !== a.fabricated_note || comment !== a.comment) {
      a.fabricated_note = note;
      a.comment = comment;
      save(items[pos]);
    }
  }
  for (const id of ['note', 'comment']) {
    $(id).addEventListener('input', () => { clearTimeout(textTimer); textTimer = setTimeout(flushText, 400); });
    $(id).addEventListener('blur', flushText);
  }

  const scaleKeys = ['q', 'w', 'e', 'r', 't'];
  document.addEventListener('keydown', (ev) => {
    if (!items.length || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT')) {
      if (ev.key === 'Escape') { t.blur(); ev.preventDefault(); }
      return;
    }
    const k = ev.key.toLowerCase();
    if (k >= '1' && k <= '5') set('coherence', Number(k));
    else if (scaleKeys.includes(k)) set('insightfulness', scaleKeys.indexOf(k) + 1);
    else if (k === 'y') set('faithful', true);
    else if (k === 'n') set('faithful', false);
    else if (k === 'j' || k === 'arrowright') go(1);
    else if (k === 'k' || k === 'arrowleft') go(-1);
    else if (k === 'm') $('note').focus();
    else if (k === 'c') $('comment').focus();
    else return;
    ev.preventDefault();
  });
  window.addEventListener('beforeunload', (ev) => {
    if (items.length) flushText();
    if (inFlight.size || dirty.size) { ev.preventDefault(); ev.returnValue = ''; }
  });
  $('prev').addEventListener('click', () => go(-1));
  $('next').addEventListener('click', () => go(1));

  scaleButtons('coherence', 'coherence', ['1', '2', '3', '4', '5']);
  yesNo();
  scaleButtons('insightfulness', 'insightfulness', ['Q', 'W', 'E', 'R', 'T']);

  (async function load() {
    let r;
    try { r = await fetch('/api/state', { headers: auth, cache: 'no-store' }); } catch (e) { fail('The study server cannot be reached.'); return; }
    if (!r.ok) { fail(r.status === 403 ? 'This link is not valid.' : 'The study server answered ' + r.status + '.'); return; }
    const state = await r.json();
    items = state.items.map((it) => Object.assign(it, { answer: Object.assign(blank(), it.answer || {}) }));
    if (!items.length) { fail('No items are assigned to you.'); return; }
    const saved = Number(localStorage.getItem(posKey));
    const firstOpen = items.findIndex((it) => !complete(it.answer));
    pos = Number.isInteger(saved) && localStorage.getItem(posKey) !== null && saved >= 0 && saved < items.length ? saved : Math.max(firstOpen, 0);
    $('study').hidden = false;
    render();
    showStatus();
  })();
})();
)js";

std::string make_page(std::string_view title, std::string_view kind, std::string_view body) {
  std::string html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  html += "<meta name=\"robots\" content=\"noindex\"><title>";
  html += title;
  html += "</title><style>";
  html += kStyle;
  html += "</style></head><body data-page=\"";
  html += kind;
  html += "\">";
  html += body;
  html += "<script src=\"/annotate.js\"></script></body></html>\n";
  return html;
}

}  // namespace

std::string_view rater_page() {
  static const std::string page = make_page("Rate the reasoning", "rater", kRaterBody);
  return page;
}

std::string_view admin_page() {
  static const std::string page = make_page("Study progress", "admin", kAdminBody);
  return page;
}

std::string_view page_script() {
  return kScript;
}

}  // namespace reasonrec::annotate
